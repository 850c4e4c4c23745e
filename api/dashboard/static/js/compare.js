// What-if and comparison (#/compare/A[/B]): from a solved live round A a planner starts a what-if
// (POST /v1/rounds/A/what-if with the policy fields changed: the same frozen postings, solved at
// once, booking nothing), watches it solve, then sees GET /v1/rounds/A/compare?with=B: each
// objective tier side by side with its change, positions filled per destination, workers per
// route, and the postings placed differently with the reasons that held them back. A CSV of the
// comparison downloads from the same endpoint (?format=csv).

import { api, ApiError, getAll, stream } from "./api.js";
import { $, fillTable, fmt, h, pill, toast } from "./dom.js";
import { buildFields, changedValues, clearProblems, readValues, setValues, show, showProblems } from "./forms.js";
import { POLICY_DEFAULTS } from "./newround.js";
import { TIERS } from "./progress.js";
import { go, href } from "./router.js";

/** The policy fields a what-if may change (safeguard_mode may be `off` here). */
export const WHATIF_SPECS = [
  { name: "safeguard_mode", label: "Safeguards", type: "select",
    options: [["strict", "strict"], ["code", "code (WHO Code only)"], ["off", "off (no safeguards)"]],
    hint: "Strict: G2G agreement and positive list; code: the agreement only; off shows what the safeguards hold back (what-ifs only)." },
  { name: "benefit_floor_ratio", label: "Benefit floor (share of education cost)", type: "number",
    hint: "At least this share of what educating each worker cost, to the origin." },
  { name: "max_depletion_share", label: "Depletion cap (share of stock)", type: "number", placeholder: "no cap",
    hint: "At most this share of a country's stock of a cadre relocates. Empty: no cap." },
  { name: "language_months_per_level", label: "Training months per language level", type: "int",
    hint: "Months of training to raise a language by one CEFR level." },
  { name: "pair_minimum_benefit_usd", label: "Minimum benefit per country pair (USD)", type: "int",
    hint: "A pair of countries gets no flow unless its total benefit reaches this." },
];

const TIER_LABEL = Object.fromEntries(TIERS.map(([tier, label]) => [tier, label]));
const SOLVED = ["proposed", "closed"];

let watching = null; // AbortController of the what-if being watched
let form = null; // {fields, base}

/** Stop watching a what-if's solve (another view). */
export function stopCompareWatch() {
  watching?.abort();
  watching = null;
}

/** A change as people read it: "+240", "−137", "0". */
export function signed(n, format = fmt.int) {
  if (n === null || n === undefined) return "–";
  if (n > 0) return `+${format(n)}`;
  if (n < 0) return `−${format(-n)}`;
  return "0";
}

function delta(n, format = fmt.int) {
  const cls = n > 0 ? "delta delta-up" : n < 0 ? "delta delta-down" : "delta";
  return h("td", { class: `num ${cls}`, "data-testid": "delta" }, signed(n, format));
}

/** The policy of a round with the defaults filled in. */
function fullPolicy(round) {
  return { ...POLICY_DEFAULTS, ...(round?.policy || {}) };
}

/** The policy fields B sets differently from A, as "Safeguards: strict → off". */
export function policyChanges(a, b) {
  const pa = { ...POLICY_DEFAULTS, ...(a || {}) };
  const pb = { ...POLICY_DEFAULTS, ...(b || {}) };
  return WHATIF_SPECS.filter((spec) => show(pa[spec.name]) !== show(pb[spec.name]))
    .map((spec) => `${spec.label}: ${show(pa[spec.name])} → ${show(pb[spec.name])}`);
}

/** How the two rounds are named in the comparison's headings: "Round 1", "What-if 2". */
function names(base, other) {
  return { a: `Round ${base.id}`, b: other.kind === "what_if" ? `What-if ${other.id}` : `Round ${other.id}` };
}

function roundName(round) {
  return round.kind === "what_if" ? `what-if round ${round.id}` : `round ${round.id}`;
}

// ------------------------------------------------------------------ starting a what-if

function openWhatIfForm(ctx, base) {
  const panel = $("#whatif-panel");
  const allowed = ctx.canPlan() && base.kind !== "what_if" && SOLVED.includes(base.status);
  panel.hidden = !allowed;
  if (!allowed) {
    form = null;
    return;
  }
  const { element, fields } = buildFields(WHATIF_SPECS);
  form = { fields, base };
  $("#whatif-fields").replaceChildren(element);
  setValues(fields, fullPolicy(base));
  clearProblems(fields, $("#whatif-problems"));
  $("#whatif-base").textContent = `Round ${base.id}'s policy is filled in; change what the what-if should try.`;
}

/** Start the what-if of the form's round: only the fields changed are sent. */
export async function submitWhatIf(ctx) {
  if (!form) return;
  const { fields, base } = form;
  const summary = $("#whatif-problems");
  const { values, problems } = readValues(fields);
  if (problems.length) {
    showProblems(fields, summary, problems, "Nothing was started: fix the fields below.");
    return;
  }
  const policy = changedValues(values, fullPolicy(base));
  if (!Object.keys(policy).length) {
    showProblems(fields, summary, [{ loc: [], msg: "Change at least one field: the what-if would be the same round." }],
      "Nothing was started.");
    return;
  }
  const button = $("#whatif-submit");
  button.disabled = true;
  try {
    const whatIf = await api.post(`/v1/rounds/${base.id}/what-if`, { policy });
    toast(`What-if round ${whatIf.id} started from round ${base.id}.`);
    ctx.invalidate();
    go({ view: "compare", id: base.id, other: whatIf.id });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      const list = (error.problem.errors || []).map((p) => ({ ...p, loc: (p.loc || []).filter((x) => x !== "policy") }));
      showProblems(fields, summary, list.length ? list : [{ loc: [], msg: error.message }], "Nothing was started.");
    } else {
      ctx.handleError(error);
    }
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ choosing and watching

function renderChooser(ctx, base, rounds, otherId) {
  const choices = rounds.filter((r) => r.id !== base.id && SOLVED.includes(r.status))
    .sort((x, y) => Number(y.base_round_id === base.id) - Number(x.base_round_id === base.id) || y.id - x.id);
  const select = $("#compare-with");
  select.replaceChildren(
    h("option", { value: "" }, choices.length ? "Choose a round" : "No other solved round yet"),
    ...choices.map((r) => h("option", { value: r.id, selected: r.id === otherId },
      [r.kind === "what_if" ? `What-if ${r.id} of round ${r.base_round_id}` : `Round ${r.id}`,
        r.name && !r.name.startsWith("what-if of round") ? r.name : null, fmt.status(r.status)].filter(Boolean).join(" · "))),
  );
  select.disabled = !choices.length;
  select.onchange = () => go({ view: "compare", id: base.id, other: select.value ? Number(select.value) : null });
}

/** Follow a what-if's solve; resolves its final status. */
function watchWhatIf(other) {
  stopCompareWatch();
  const controller = new AbortController();
  watching = controller;
  const status = $("#compare-status");
  status.textContent = `What-if round ${other.id} is solving…`;
  return new Promise((resolve, reject) => {
    let final = null;
    stream(`/v1/rounds/${other.id}/events`, (kind, data) => {
      if (kind === "end") {
        final = data.status;
        return;
      }
      if (data.kind === "progress" && data.tier) {
        status.textContent = `What-if round ${other.id} is solving: ${TIER_LABEL[data.tier] || data.tier}, `
          + `${fmt.int(data.incumbent)} so far, ${fmt.seconds(data.elapsed_s)} elapsed.`;
      }
    }, controller.signal).then(() => {
      if (watching === controller) watching = null;
      resolve(final);
    }, (error) => {
      if (error.name === "AbortError") resolve(null);
      else reject(error);
    });
  });
}

// ------------------------------------------------------------------ the comparison

function tiersTable(comparison) {
  return comparison.tiers.map((t) => h("tr", { "data-tier": t.tier },
    h("th", { scope: "row" }, TIER_LABEL[t.tier] || t.tier),
    h("td", { class: "num" }, t.tier === "min_fill_permille" ? fmt.permille(t.a) : t.tier === "benefit_usd" ? fmt.usd(t.a) : fmt.int(t.a)),
    h("td", { class: "num" }, t.tier === "min_fill_permille" ? fmt.permille(t.b) : t.tier === "benefit_usd" ? fmt.usd(t.b) : fmt.int(t.b)),
    t.tier === "min_fill_permille"
      ? delta(t.delta, (n) => `${(n / 10).toFixed(1)} pt`)
      : t.tier === "benefit_usd" ? delta(t.delta, fmt.usd) : delta(t.delta)));
}

function pairBars(a, b, max) {
  const bar = (value, cls) => {
    const fill = h("span", { class: `cmp-bar ${cls}` });
    fill.style.width = `${max ? Math.min(100, (100 * value) / max).toFixed(1) : 0}%`;
    return h("span", { class: "cmp-track" }, fill);
  };
  return h("div", { class: "cmp-bars", "aria-hidden": "true" }, bar(a, "cmp-a"), bar(b, "cmp-b"));
}

function destinationRows(ctx, destinations) {
  return destinations.map((d) => h("tr", { "data-destination": d.destination, class: d.delta ? "changed" : "" },
    h("th", { scope: "row" }, h("abbr", { title: ctx.countryName(d.destination) }, d.destination), ` ${ctx.countryName(d.destination)}`),
    h("td", { class: "num" }, fmt.int(d.requested)),
    h("td", { class: "num", "data-testid": "filled-a" }, fmt.int(d.filled_a)),
    h("td", { class: "num", "data-testid": "filled-b" }, fmt.int(d.filled_b)),
    delta(d.delta),
    h("td", {}, pairBars(d.filled_a, d.filled_b, d.requested))));
}

function routeRows(ctx, routes) {
  return routes.map((r) => h("tr", { "data-route": `${r.origin}-${r.destination}-${r.cadre}`, class: r.delta ? "changed" : "" },
    h("th", { scope: "row" }, h("abbr", { title: ctx.countryName(r.origin) }, r.origin), " → ",
      h("abbr", { title: ctx.countryName(r.destination) }, r.destination)),
    h("td", {}, h("abbr", { title: ctx.cadreName(r.cadre) }, r.cadre), ` ${ctx.cadreName(r.cadre)}`),
    h("td", { class: "num" }, fmt.int(r.workers_a)),
    h("td", { class: "num" }, fmt.int(r.workers_b)),
    delta(r.delta)));
}

function postingRows(ctx, postings, label) {
  return postings.map((p) => h("tr", { "data-posting": p.id },
    h("th", { scope: "row" }, h("code", {}, p.id)),
    h("td", {}, p.side === "withdrawal" ? "position" : "deposit"),
    h("td", {}, h("abbr", { title: ctx.countryName(p.country) }, p.country)),
    h("td", { class: "num" }, fmt.int(p.placed_a)),
    h("td", { class: "num" }, fmt.int(p.placed_b)),
    delta(p.delta),
    h("td", {}, label[p.less_in]),
    h("td", {}, h("ul", { class: "reasons" }, p.reasons.map((r) => h("li", {},
      h("span", { class: "reason", title: r.workers === undefined ? null : `${r.workers} blocked` }, r.code), r.detail || ""))))));
}

function renderComparison(ctx, base, other, comparison) {
  const country = ctx.route().country;
  const mine = (...codes) => !country || codes.includes(country);
  const label = names(base, other);
  $("#comparison").hidden = false;
  $("#comparison-title").textContent = `${label.a} against ${roundName(other)}`;
  const changes = policyChanges(base.policy, other.policy);
  $("#comparison-policy").textContent = changes.length
    ? `Policy changed: ${changes.join("; ")}.`
    : "Same policy fields; the rounds differ in their postings or settings.";
  $("#comparison-note").textContent = other.kind === "what_if"
    ? `${label.b} books nothing: its proposals cannot be answered and it cannot be closed. Changes are ${label.b} minus ${label.a}.`
    : `Changes are ${label.b} minus ${label.a}.`;
  document.querySelectorAll("[data-cmp=a]").forEach((el) => { el.textContent = label.a; });
  document.querySelectorAll("[data-cmp=b]").forEach((el) => { el.textContent = label.b; });
  fillTable($("#cmp-tiers"), tiersTable(comparison), "No objective values.");
  fillTable($("#cmp-destinations"), destinationRows(ctx, comparison.destinations.filter((d) => mine(d.destination))),
    "No destination to show.");
  const routes = comparison.routes.filter((r) => mine(r.origin, r.destination))
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  fillTable($("#cmp-routes"), routeRows(ctx, routes), "No workers on any route in either round.");
  fillTable($("#cmp-postings"), postingRows(ctx, comparison.postings.filter((p) => mine(p.country)), label),
    "Every posting is placed the same in both rounds.");
  const csv = $("#compare-csv");
  csv.onclick = () => downloadCsv(ctx, base.id, other.id);
}

async function downloadCsv(ctx, a, b) {
  try {
    const response = await api.blob(`/v1/rounds/${a}/compare?with=${b}&format=csv`);
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: `hrhx-round-${a}-compare-${b}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    ctx.handleError(error);
  }
}

// ------------------------------------------------------------------ the view

function showIntro(base, other) {
  const intro = $("#compare-round");
  if (!base) {
    intro.replaceChildren("Choose a solved round under ", h("a", { href: href({ view: "rounds" }) }, "Rounds"),
      " and press What-if… to start here from it.");
    return;
  }
  intro.replaceChildren("Starting from ", h("a", { href: href({ view: "rounds", id: base.id }) }, roundName(base)),
    ` (${fmt.status(base.status)})`,
    ...(other ? [" and ", h("a", { href: href({ view: "rounds", id: other.id }) }, roundName(other)), " ", pill(other.status)] : []),
    ".");
}

/** Draw #/compare/A[/B]: the what-if form, the choice of the other round, and the comparison. */
export async function renderCompare(ctx, route) {
  stopCompareWatch();
  $("#comparison").hidden = true;
  $("#compare-status").textContent = "";
  $("#compare-choose").hidden = true;
  $("#whatif-panel").hidden = true;
  if (!route.id) {
    showIntro(null, null);
    return;
  }
  const base = await api.get(`/v1/rounds/${route.id}`);
  if (base.kind === "what_if" && !route.other && base.base_round_id) {
    go({ view: "compare", id: base.base_round_id, other: base.id });
    return;
  }
  const other = route.other ? await api.get(`/v1/rounds/${route.other}`) : null;
  showIntro(base, other);
  openWhatIfForm(ctx, base);
  if (!SOLVED.includes(base.status)) {
    $("#compare-status").textContent = `Round ${base.id} is ${fmt.status(base.status)}: a what-if and a comparison need a solved round.`;
    return;
  }
  $("#compare-choose").hidden = false;
  renderChooser(ctx, base, await getAll("/v1/rounds"), other?.id ?? null);
  if (!other) return;
  if (["running", "draft"].includes(other.status)) {
    const final = await watchWhatIf(other);
    if (final === null) return; // left the view
    return renderCompare(ctx, route);
  }
  if (!SOLVED.includes(other.status)) {
    $("#compare-status").textContent = `${roundName(other)} is ${fmt.status(other.status)}`
      + `${other.failure_reason ? `: ${other.failure_reason}` : ""}; there is nothing to compare.`;
    return;
  }
  let comparison;
  try {
    comparison = await api.get(`/v1/rounds/${base.id}/compare?with=${other.id}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    $("#compare-status").textContent = "Comparisons are for planners and viewers: the exchange refused it for your role.";
    return;
  }
  $("#compare-status").textContent = `${names(base, other).b} is solved: the comparison is below.`;
  renderComparison(ctx, base, other, comparison);
}
