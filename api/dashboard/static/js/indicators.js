// The WHO monitoring indicators and the placements behind them (#/indicators?from=&to=&country=):
// GET /v1/indicators for the period and the country (each indicator a table with its definition
// and its row of the WHO guidance's Table 1), GET /v1/placements for the chart of workers placed
// and returned per route over time, and the investment rows for benefit delivered vs promised per
// origin. The charts are inline SVG; the numbers are in the tables, so the charts are images with
// a text summary. CSV and XLSX are the API's `?format=` files, downloaded with the bearer token.

import { api, getAll } from "./api.js";
import { $, fmt, h, s } from "./dom.js";
import { go } from "./router.js";

const MONTH = /^\d{4}-\d{2}$/;

/** The query of the indicators for a route: `from`, `to`, `country` when given. */
export function indicatorsQuery(route, format = null) {
  const params = new URLSearchParams();
  if (route.from) params.set("from", route.from);
  if (route.to) params.set("to", route.to);
  if (route.country) params.set("country", route.country);
  if (format) params.set("format", format);
  const query = params.toString();
  return `/v1/indicators${query ? `?${query}` : ""}`;
}

/**
 * Workers placed (by booked month) and returned, per route and month, from placements inside
 * the period: `{routes: [{route, months: Map(month -> {placed, returned})}], months: [sorted]}`.
 * A placement's returns count at its booked month (the list carries no month of return).
 */
export function flowsOverTime(placements, from = null, to = null) {
  const routes = new Map();
  const months = new Set();
  for (const p of placements) {
    const month = p.booked_month;
    if ((from && month < from) || (to && month > to)) continue;
    const route = `${p.origin}→${p.destination}`;
    if (!routes.has(route)) routes.set(route, new Map());
    const cell = routes.get(route).get(month) || { placed: 0, returned: 0 };
    cell.placed += p.workers;
    cell.returned += p.stages?.returned || 0;
    routes.get(route).set(month, cell);
    months.add(month);
  }
  return {
    routes: [...routes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([route, byMonth]) => ({ route, months: byMonth })),
    months: [...months].sort(),
  };
}

/** The investment rows per origin: `[{origin, promised, delivered}]`, by origin. */
export function benefitByOrigin(indicators) {
  const investment = indicators.find((i) => i.id === "investment");
  return (investment?.rows || [])
    .filter((r) => r.by === "origin")
    .map((r) => ({ origin: r.origin, promised: r.promised_usd || 0, delivered: r.delivered_usd || 0 }))
    .sort((a, b) => a.origin.localeCompare(b.origin));
}

const PLACED = "#0f766e";
const RETURNED = "#b45309";
const PROMISED = "#9aa5b1";
const DELIVERED = "#15803d";

function legend(items) {
  return h("ul", { class: "chart-legend" }, items.map(([colour, label]) =>
    h("li", {}, s("svg", { width: 12, height: 12, "aria-hidden": "true" }, s("rect", { width: 12, height: 12, fill: colour })), label)));
}

/** Small multiples: one row per route, a bar per booked month (placed), a point (returned). */
export function drawFlowsChart(container, flows) {
  if (!flows.routes.length) {
    container.replaceChildren(h("p", { class: "empty-chart" }, "No placement in this period."));
    return;
  }
  const labelWidth = 110;
  const column = Math.max(22, Math.min(48, 640 / flows.months.length));
  const rowHeight = 64;
  const top = 8;
  const width = labelWidth + column * flows.months.length + 10;
  const height = top + rowHeight * flows.routes.length + 34;
  const max = Math.max(1, ...flows.routes.flatMap((r) => [...r.months.values()].map((c) => Math.max(c.placed, c.returned))));
  const scale = (n) => (n / max) * (rowHeight - 16);
  const totalPlaced = flows.routes.reduce((sum, r) => sum + [...r.months.values()].reduce((t, c) => t + c.placed, 0), 0);
  const totalReturned = flows.routes.reduce((sum, r) => sum + [...r.months.values()].reduce((t, c) => t + c.returned, 0), 0);
  const summary = `Workers placed and returned per route, ${flows.months[0]} to ${flows.months.at(-1)}: `
    + `${fmt.int(totalPlaced)} placed and ${fmt.int(totalReturned)} returned on ${flows.routes.length} routes.`;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": summary,
    "data-testid": "flows-chart" }, s("title", {}, summary));
  flows.routes.forEach((r, i) => {
    const base = top + rowHeight * (i + 1) - 6;
    svg.append(
      s("text", { x: 0, y: base - 4, class: "chart-label" }, r.route),
      s("line", { x1: labelWidth, x2: width - 10, y1: base, y2: base, stroke: "#cbd2d9" }),
    );
    flows.months.forEach((month, j) => {
      const cell = r.months.get(month);
      if (!cell) return;
      const x = labelWidth + column * j;
      const bar = scale(cell.placed);
      svg.append(s("rect", { class: "bar", x: x + 3, y: base - bar, width: column - 6, height: bar, fill: PLACED,
        "data-route": r.route, "data-month": month, "data-workers": cell.placed },
      s("title", {}, `${r.route} ${month}: ${cell.placed} placed, ${cell.returned} returned`)));
      if (cell.returned) {
        svg.append(s("circle", { class: "point", cx: x + column / 2, cy: base - scale(cell.returned), r: 4,
          fill: RETURNED, stroke: "#fff", "data-route": r.route, "data-month": month, "data-workers": cell.returned }));
      }
    });
  });
  const axis = top + rowHeight * flows.routes.length + 14;
  const every = Math.ceil(flows.months.length / 12);
  flows.months.forEach((month, j) => {
    if (j % every) return;
    svg.append(s("text", { x: labelWidth + column * j + column / 2, y: axis, "text-anchor": "middle", class: "chart-axis" }, month));
  });
  container.replaceChildren(
    h("div", { class: "chart-scroll" }, svg),
    legend([[PLACED, "workers placed (booked month)"], [RETURNED, "returned (of those placed that month)"]]),
  );
}

/** A pair of horizontal bars per origin: benefit promised (grey) and delivered (green). */
export function drawBenefitChart(container, rows) {
  if (!rows.length) {
    container.replaceChildren(h("p", { class: "empty-chart" }, "No benefit promised in this period."));
    return;
  }
  const labelWidth = 60;
  const valueWidth = 170;
  const plot = 420;
  const rowHeight = 40;
  const width = labelWidth + plot + valueWidth;
  const height = rowHeight * rows.length + 6;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.promised, r.delivered)));
  const scale = (n) => (n / max) * plot;
  const promised = rows.reduce((t, r) => t + r.promised, 0);
  const delivered = rows.reduce((t, r) => t + r.delivered, 0);
  const summary = `Health-system benefit per origin: ${fmt.usd(delivered)} delivered of ${fmt.usd(promised)} promised `
    + `across ${rows.length} origins.`;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": summary,
    "data-testid": "benefit-chart" }, s("title", {}, summary));
  rows.forEach((r, i) => {
    const y = 4 + rowHeight * i;
    svg.append(
      s("text", { x: 0, y: y + 20, class: "chart-label" }, r.origin),
      s("rect", { class: "bar promised", x: labelWidth, y, width: scale(r.promised), height: 15, fill: PROMISED,
        "data-origin": r.origin, "data-usd": r.promised }, s("title", {}, `${r.origin} promised ${fmt.usd(r.promised)}`)),
      s("rect", { class: "bar delivered", x: labelWidth, y: y + 17, width: scale(r.delivered), height: 15, fill: DELIVERED,
        "data-origin": r.origin, "data-usd": r.delivered }, s("title", {}, `${r.origin} delivered ${fmt.usd(r.delivered)}`)),
      s("text", { x: labelWidth + plot + 8, y: y + 20, class: "chart-axis" },
        `${fmt.usd(r.delivered)} of ${fmt.usd(r.promised)}`),
    );
  });
  container.replaceChildren(
    h("div", { class: "chart-scroll" }, svg),
    legend([[PROMISED, "promised"], [DELIVERED, "delivered"]]),
  );
}

const HEADINGS = {
  origin: "Origin", destination: "Destination", cadre: "Cadre", modality: "Modality", workers: "Workers",
  g2g: "Under G2G", agreement_id: "Agreement", departed: "Departed", signed_before_departure: "Contract before departure",
  share: "Share", started: "Started", returned: "Returned", mean_months_abroad: "Mean months abroad", by: "By",
  promised_usd: "Promised (USD)", delivered_usd: "Delivered (USD)", outstanding_usd: "Outstanding (USD)",
  delivered_share: "Delivered share", relocated_12_months: "Relocated (12 months)", stock: "Stock",
};
const TEXT = new Set(["origin", "destination", "cadre", "modality", "agreement_id", "by"]);

function cell(key, value) {
  if (value === null || value === undefined) return "–";
  if (key.endsWith("_usd")) return fmt.usd(value);
  if (key === "share" || key.endsWith("_share")) return fmt.pct(value);
  if (typeof value === "number") return Number.isInteger(value) ? fmt.int(value) : String(value);
  return String(value);
}

/** One indicator: its name, definition, WHO Table 1 row, and its rows as a table. */
export function indicatorSection(indicator) {
  const keys = [...new Set(indicator.rows.flatMap((r) => Object.keys(r)))];
  const head = h("tr", {}, keys.map((k) => h("th", { scope: "col", class: TEXT.has(k) ? null : "num" }, HEADINGS[k] || k)));
  const rows = indicator.rows.map((r) => h("tr", {}, keys.map((k) =>
    h("td", { class: TEXT.has(k) ? null : "num", "data-key": k }, cell(k, r[k])))));
  const body = rows.length ? rows : [h("tr", {}, h("td", { class: "empty", colspan: Math.max(1, keys.length) }, "No value in this period."))];
  const titleId = `indicator-${indicator.id}-title`;
  return h("section", { class: "indicator", "data-indicator": indicator.id, "aria-labelledby": titleId },
    h("h2", { id: titleId }, indicator.name),
    h("p", { class: "definition", "data-testid": "definition" }, indicator.definition,
      indicator.unit ? h("span", { class: "muted" }, ` (unit: ${indicator.unit})`) : null),
    h("p", { class: "who-table1 muted small", "data-testid": "who-table1" }, `WHO Table 1: ${indicator.who_table1}`),
    h("div", { class: "table-wrap" }, h("table", { class: "data compact" },
      h("caption", { class: "visually-hidden" }, indicator.name),
      h("thead", {}, keys.length ? head : h("tr", {}, h("th", { scope: "col" }, "Value"))),
      h("tbody", {}, body))));
}

function showProblem(message) {
  const box = $("#indicators-problem");
  box.replaceChildren(h("p", {}, message));
  box.hidden = !message;
}

/** Draw the indicators, the charts and the download links for the route. */
export async function renderIndicators(ctx, route) {
  $("#indicators-from").value = route.from || "";
  $("#indicators-to").value = route.to || "";
  showProblem("");
  for (const format of ["csv", "xlsx"]) $(`#indicators-${format}`).href = indicatorsQuery(route, format);
  const placementsPath = route.country ? `/v1/placements?country=${encodeURIComponent(route.country)}` : "/v1/placements";
  const [answer, placements] = await Promise.all([api.get(indicatorsQuery(route)), getAll(placementsPath)]);
  const where = route.country ? ` for ${ctx.countryName(route.country)}` : "";
  $("#indicators-summary").textContent = `From ${answer.period_from || "the first placement"} to ${answer.period_to}${where}: `
    + `${answer.indicators.length} indicators.`;
  drawFlowsChart($("#indicators-flows"), flowsOverTime(placements, answer.period_from, answer.period_to));
  drawBenefitChart($("#indicators-benefit"), benefitByOrigin(answer.indicators));
  $("#indicators-list").replaceChildren(...answer.indicators.map(indicatorSection));
}

/** The period form's submit: go to the address of that period (empty: the API's default). */
export function submitIndicators(ctx) {
  const from = $("#indicators-from").value.trim();
  const to = $("#indicators-to").value.trim();
  const problems = [];
  if (from && !MONTH.test(from)) problems.push("From is not a month (YYYY-MM).");
  if (to && !MONTH.test(to)) problems.push("To is not a month (YYYY-MM).");
  if (from && to && MONTH.test(from) && MONTH.test(to) && from > to) problems.push("From is after To.");
  if (problems.length) {
    showProblem(problems.join(" "));
    return;
  }
  go({ view: "indicators", from: from || null, to: to || null });
}

/** A download link's click: the file fetched with the bearer token and saved under its name. */
export async function downloadIndicators(event, handleError) {
  event.preventDefault();
  const link = event.currentTarget;
  const format = new URL(link.href, location.href).searchParams.get("format");
  try {
    const response = await api.blob(link.getAttribute("href"));
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] || `hrhx-indicators.${format}`;
    const url = URL.createObjectURL(await response.blob());
    const save = h("a", { href: url, download: name, hidden: true });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    handleError(error);
  }
}
