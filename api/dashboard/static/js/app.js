// The hrhx dashboard: sign in with a bearer token, then a view per hash route (router.js):
// rounds (numbers, flows, fill and benefit, proposals with Accept/Decline, unfilled postings with
// reasons, ledgers, imports; a planner runs, watches and closes a round there), a new round,
// postings, agreements, workforce facts, a what-if and its comparison, countries at a date, and
// the WHO monitoring indicators with the placements behind them.
// What is shown follows the role that GET /v1/me reports; the country filter applies everywhere.

import { api, ApiError, getAll, optional, token } from "./api.js";
import { $, fillTable, fmt, h, pill, toast } from "./dom.js";
import { cadrePalette, drawSankey } from "./sankey.js";
import { drawBars } from "./bars.js";
import { go, href, parse } from "./router.js";
import { stopWatching, watchRound } from "./progress.js";
import { renderCloseReport, reviewAndClose } from "./closing.js";
import { openNewRound, submitNewRound } from "./newround.js";
import { closePostingForm, openPostingForm, renderPostingsList, submitPosting } from "./postings.js";
import { closeAgreementForm, openAgreementForm, renderAgreementsList, submitAgreement } from "./agreements.js";
import { closeWorkforceForm, renderWorkforce, submitWorkforce } from "./workforce.js";
import { renderCompare, stopCompareWatch, submitWhatIf } from "./compare.js";
import { renderCountries, submitCountries } from "./countries.js";
import { downloadIndicators, renderIndicators, submitIndicators } from "./indicators.js";
import { askDecline } from "./decline.js";
import { basisText, reasonWords, statusCounts } from "./basis.js";

const LIVE = new Set(["pending", "accepted_by_origin", "accepted_by_destination", "confirmed"]);
const ROLE_LABEL = { admin: "admin", planner: "planner", focal_point: "focal point", viewer: "viewer" };

const state = {
  me: null,
  countries: new Map(),
  listed: new Set(), // safeguard-listed countries
  cadres: new Map(),
  route: parse(),
  progressShown: null, // {id, status} whose solve record is drawn
  rounds: [],
  roundId: null,
  view: null, // data of the selected round
  ledgerCountry: null,
};

const countryName = (code) => state.countries.get(code) || code;
const cadreName = (code) => state.cadres.get(code) || code;
const isFocal = () => state.me?.role === "focal_point";
const canAnswer = () => isFocal() || state.me?.role === "admin";
const canImport = () => isFocal() || state.me?.role === "admin";
const canPlan = () => ["planner", "admin"].includes(state.me?.role);
const canPost = () => isFocal() || state.me?.role === "admin";

/** What the view modules need from the app. */
const ctx = {
  state,
  countryName,
  cadreName,
  isFocal,
  canPlan,
  canPost,
  route: () => state.route,
  handleError: (error) => handleError(error),
  invalidate: () => { state.rounds = []; },
};

// ------------------------------------------------------------------ sign in / out

function showSignedOut(message = "") {
  state.me = null;
  stopWatching();
  state.progressShown = null;
  $("#app").hidden = true;
  $("#session").hidden = true;
  $("#signin").hidden = false;
  $("#signin-error").textContent = message;
  $("#token").value = "";
  $("#token").focus();
}

async function signIn(value) {
  token.set(value);
  try {
    state.me = await api.get("/v1/me");
  } catch (error) {
    token.clear();
    const message = error instanceof ApiError && error.status === 401
      ? "This token is not valid. Check that you pasted all of it."
      : `Could not reach the exchange: ${error.message}`;
    showSignedOut(message);
    return;
  }
  $("#signin").hidden = true;
  $("#app").hidden = false;
  $("#session").hidden = false;
  const me = state.me;
  $("#who").textContent = me.name;
  $("#role-badge").textContent = ROLE_LABEL[me.role] + (me.country ? ` · ${me.country}` : "");
  document.body.dataset.role = me.role;
  $("#import-panel").hidden = !canImport();
  $("#import-country-field").hidden = isFocal();
  $("#ledger-country-field").hidden = isFocal();
  $("#proposals-title").textContent = isFocal() ? `Proposals for ${me.country}` : "Proposals";
  $("#proposals-note").textContent = isFocal()
    ? `Accept or decline for ${countryName(me.country)}'s side. A proposal is confirmed when both countries accept.`
    : "One proposal per match; both countries' focal points answer each.";
  $("#nav-postings").textContent = isFocal() ? "My postings" : "Postings";
  document.querySelectorAll("[data-needs=plan]").forEach((el) => { el.hidden = !canPlan(); });
  $("#nav-compare").hidden = isFocal(); // comparisons are for planners and viewers
  await loadReferenceOnce();
  renderCountryFilter();
  await show(parse(), false);
}

function handleError(error) {
  if (error instanceof ApiError && error.status === 401) {
    token.clear();
    showSignedOut("Your session has ended: sign in again.");
    return;
  }
  console.error(error);
  toast(error.message || String(error), true);
}

// ------------------------------------------------------------------ loading

async function loadReference() {
  const [countries, cadres] = await Promise.all([
    optional(api.get("/v1/countries"), { data: [] }),
    optional(api.get("/v1/cadres"), []),
  ]);
  state.countries = new Map((countries.data || countries).map((c) => [c.code, c.name]));
  state.listed = new Set((countries.data || countries).filter((c) => c.safeguard_listed).map((c) => c.code));
  state.cadres = new Map(cadres.map((c) => [c.code, c.name]));
}

async function loadReferenceOnce() {
  if (!state.countries.size) await loadReference();
}

async function loadAll() {
  await loadReferenceOnce();
  state.rounds = await getAll("/v1/rounds");
  const known = state.rounds.some((r) => r.id === state.roundId);
  if (!known) {
    const solved = state.rounds.filter((r) => ["proposed", "closed"].includes(r.status));
    const withResult = solved.find((r) => r.kind !== "what_if") || solved[0];
    state.roundId = (withResult || state.rounds[0] || {}).id ?? null;
  }
  renderRoundSelect();
  renderRounds();
  await loadRound();
  await loadLedger();
}

async function loadRound() {
  const round = state.rounds.find((r) => r.id === state.roundId) || null;
  if (!round) {
    state.view = null;
    renderRound();
    return;
  }
  const id = round.id;
  const [fresh, flows, proposals, result, scenario] = await Promise.all([
    api.get(`/v1/rounds/${id}`),
    optional(api.get(`/v1/dashboard/flows?round=${id}`), { data: [] }),
    optional(getAll(`/v1/rounds/${id}/proposals`), []),
    optional(api.get(`/v1/rounds/${id}/result`), null),
    isFocal() ? null : optional(api.get(`/v1/rounds/${id}/scenario`), null),
  ]);
  let postings = null;
  if (scenario) {
    postings = { deposits: scenario.deposits || [], withdrawals: scenario.withdrawals || [] };
  } else if (isFocal()) {
    const [deposits, withdrawals] = await Promise.all([
      optional(getAll("/v1/deposits"), []),
      optional(getAll("/v1/withdrawals"), []),
    ]);
    postings = { deposits, withdrawals };
  }
  Object.assign(round, fresh);
  state.view = { round, all: { flows: flows.data || [], proposals }, flows: [], proposals: [], result, postings };
  renderRound();
}

// ------------------------------------------------------------------ rounds

function roundLabel(r) {
  const parts = [`Round ${r.id}`];
  if (r.kind === "what_if") parts.push(`what-if${r.base_round_id ? ` of round ${r.base_round_id}` : ""}`);
  if (r.name && !parts.includes(r.name)) parts.push(r.name);
  return parts.join(" · ");
}

function renderRoundSelect() {
  const select = $("#round-select");
  select.replaceChildren(
    ...(state.rounds.length
      ? state.rounds.map((r) => h("option", { value: r.id, selected: r.id === state.roundId },
        `${roundLabel(r)} (${fmt.status(r.status)})`))
      : [h("option", { value: "" }, "No rounds yet")]),
  );
  select.disabled = !state.rounds.length;
}

function renderRounds() {
  const rows = state.rounds.map((r) => {
    const o = r.objective || {};
    const select = h("button", { type: "button", class: "link-button", "aria-pressed": String(r.id === state.roundId),
      onclick: () => selectRound(r.id) }, roundLabel(r));
    return h("tr", { class: r.id === state.roundId ? "selected" : "", "data-round": r.id },
      h("th", { scope: "row" }, select),
      h("td", {}, pill(r.status)),
      h("td", {}, r.solver_status ? pill(r.solver_status) : "–"),
      h("td", { class: "num" }, fmt.int(o.priority_fill)),
      h("td", { class: "num" }, fmt.permille(o.min_fill_permille)),
      h("td", { class: "num" }, fmt.usd(o.benefit_usd)),
      h("td", { class: "num" }, fmt.int(r.matches_count)),
      h("td", { class: "num" }, r.deposits_count === null ? "–" : `${fmt.int(r.deposits_count)} / ${fmt.int(r.withdrawals_count)}`),
      h("td", { class: "num" }, fmt.seconds(r.solve_seconds)));
  });
  fillTable($("#rounds-table"), rows, "No rounds yet. A planner creates and runs one.");
}

function selectRound(id) {
  go({ view: "rounds", id });
}

function kpi(label, value, hint, testid) {
  return h("div", { class: "kpi", "data-testid": testid },
    h("span", { class: "kpi-label" }, label),
    h("span", { class: "kpi-value" }, value),
    hint ? h("span", { class: "kpi-hint" }, hint) : null);
}

/** Keep the flows and proposals of the filtered country (as origin or destination). */
function applyCountryFilter(view) {
  if (!view) return;
  const country = state.route.country;
  const mine = (x) => !country || x.origin === country || x.destination === country;
  view.flows = view.all.flows.filter(mine);
  view.proposals = view.all.proposals.filter(mine);
}

function renderRound() {
  const view = state.view;
  applyCountryFilter(view);
  const round = view?.round;
  renderRoundWork(round);
  $("#round-status").replaceChildren();
  $("#round-status").className = "pill";
  if (round) {
    $("#round-status").textContent = fmt.status(round.status);
    $("#round-status").classList.add(`st-${round.status}`);
  }
  $("#round-meta").textContent = round
    ? [round.kind === "what_if" && `what-if of round ${round.base_round_id}`,
      round.as_of && `as of ${round.as_of}`,
      round.finished_at && `solved ${fmt.date(round.finished_at)}`, round.closed_at && `closed ${fmt.date(round.closed_at)}`,
      round.answer_by && `answers by ${fmt.date(round.answer_by)}`,
      round.failure_reason && `failed: ${round.failure_reason}`].filter(Boolean).join(" · ")
    : "";
  const o = round?.objective || {};
  const proposals = view?.proposals || [];
  const confirmed = proposals.filter((p) => p.status === "confirmed").length;
  const workers = (view?.flows || []).reduce((sum, f) => sum + f.workers, 0);
  $("#kpis").replaceChildren(
    kpi("Priority fill", fmt.int(o.priority_fill), "priority × workers placed", "kpi-priority-fill"),
    kpi("Min fill", fmt.permille(o.min_fill_permille), "worst-served destination", "kpi-min-fill"),
    kpi("Benefit", fmt.usdShort(o.benefit_usd), o.benefit_usd != null ? fmt.usd(o.benefit_usd) : "to origins' health systems", "kpi-benefit"),
    kpi("Workers matched", fmt.int(round ? workers : null), round ? `${fmt.int(round.matches_count)} matches` : "", "kpi-workers"),
    kpi("Confirmed", round ? `${confirmed} / ${proposals.length}` : "–", "proposals both sides accepted", "kpi-confirmed"),
  );
  renderFlows();
  renderBarsPanels();
  renderProposals();
  renderUnfilled();
}

// ------------------------------------------------------------------ flows and bars

function renderFlows() {
  const flows = state.view?.flows || [];
  const colour = cadrePalette(flows.map((f) => f.cadre));
  drawSankey($("#sankey"), flows, { colour, countryName, cadreName });
  $("#cadre-legend").replaceChildren(
    ...[...new Set(flows.map((f) => f.cadre))].sort().map((code) => {
      const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = colour(code);
      return h("li", {}, swatch, `${code} ${cadreName(code)}`);
    }),
  );
  $("#flows-note").textContent = state.view
    ? "Proposed and confirmed matches of the selected round (declined and expired ones are left out)."
    : "";
  fillTable($("#flows-table"), flows.map((f) => h("tr", {},
    h("td", {}, `${f.origin} ${countryName(f.origin)}`),
    h("td", {}, `${f.destination} ${countryName(f.destination)}`),
    h("td", {}, `${f.cadre} ${cadreName(f.cadre)}`),
    h("td", { class: "num" }, fmt.int(f.workers)),
    h("td", { class: "num" }, fmt.usd(f.benefit_usd)))), "No flows.");
}

function renderBarsPanels() {
  const view = state.view;
  const flows = view?.flows || [];
  // Requested positions per destination: matched + unfilled of every withdrawal in the result.
  const destinationOf = new Map();
  for (const w of view?.postings?.withdrawals || []) destinationOf.set(w.id, w.country);
  for (const p of view?.proposals || []) destinationOf.set(p.withdrawal_id, p.destination);
  const requested = new Map();
  const add = (country, n) => country && requested.set(country, (requested.get(country) || 0) + n);
  for (const m of view?.result?.matches || []) add(destinationOf.get(m.withdrawal_id), m.count);
  for (const u of view?.result?.unmatched?.withdrawals || []) add(destinationOf.get(u.id), u.unfilled);
  const filled = new Map();
  for (const p of view?.proposals || []) {
    if (LIVE.has(p.status)) filled.set(p.destination, (filled.get(p.destination) || 0) + p.count);
  }
  const fillItems = [...requested.entries()].map(([code, want]) => {
    const got = filled.get(code) || 0;
    const ratio = want ? got / want : 0;
    return { code, name: countryName(code), value: ratio, max: 1, low: ratio < 0.5,
      text: `${fmt.pct(ratio)} · ${fmt.int(got)}/${fmt.int(want)}` };
  }).sort((a, b) => b.value - a.value || a.code.localeCompare(b.code));
  drawBars($("#fill-bars"), fillItems, { empty: "No positions requested in this round (or none you may see)." });

  const benefit = new Map();
  for (const f of flows) benefit.set(f.origin, (benefit.get(f.origin) || 0) + f.benefit_usd);
  const maxBenefit = Math.max(0, ...benefit.values());
  const benefitItems = [...benefit.entries()].map(([code, usd]) => ({
    code, name: countryName(code), value: usd, max: maxBenefit, text: fmt.usd(usd),
  })).sort((a, b) => b.value - a.value);
  drawBars($("#benefit-bars"), benefitItems, { kind: "benefit", empty: "No benefit flows yet." });
}

// ------------------------------------------------------------------ proposals

function actionable(p) {
  const round = state.view?.round;
  if (!round || round.status !== "proposed" || round.kind === "what_if") return false;
  const me = state.me;
  if (me.role === "admin") return ["pending", "accepted_by_origin", "accepted_by_destination"].includes(p.status);
  if (me.role !== "focal_point") return false;
  const origin = me.country === p.origin;
  const destination = me.country === p.destination;
  return (p.status === "pending" && (origin || destination))
    || (p.status === "accepted_by_origin" && destination)
    || (p.status === "accepted_by_destination" && origin);
}

async function answer(proposal, verb, buttons) {
  let body;
  if (verb === "decline") {
    const what = `${proposal.count} ${proposal.cadre} ${cadreName(proposal.cadre)} from ${countryName(proposal.origin)} `
      + `to ${countryName(proposal.destination)}`;
    body = await askDecline(proposal, what);
    if (!body) return;
  }
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const updated = await api.post(`/v1/proposals/${proposal.id}/${verb}`, body);
    Object.assign(proposal, updated);
    toast(`Proposal ${proposal.id} ${verb === "accept" ? "accepted" : "declined"}: now ${fmt.status(updated.status)}.`);
    await refresh();
  } catch (error) {
    buttons.forEach((b) => { b.disabled = false; });
    handleError(error);
  }
}

/** Why a declined proposal was declined, under its status. */
function declineWords(p) {
  if (p.status !== "declined" || !(p.decline_reason || p.decline_note)) return null;
  const parts = [p.decline_reason && reasonWords(p.decline_reason), p.decline_note].filter(Boolean);
  return h("span", { class: "decline-why small muted", "data-testid": "decline-why" }, parts.join(": "));
}

function renderProposals() {
  const proposals = state.view?.proposals || [];
  const rows = proposals.map((p) => {
    const cells = [];
    if (canAnswer() && actionable(p)) {
      const accept = h("button", { type: "button", class: "btn btn-small btn-accept", "data-action": "accept",
        "aria-label": `Accept proposal ${p.id}: ${p.count} workers ${p.origin} to ${p.destination}` }, "Accept");
      const decline = h("button", { type: "button", class: "btn btn-small btn-decline", "data-action": "decline",
        "aria-label": `Decline proposal ${p.id}` }, "Decline");
      accept.addEventListener("click", () => answer(p, "accept", [accept, decline]));
      decline.addEventListener("click", () => answer(p, "decline", [accept, decline]));
      cells.push(accept, decline);
    }
    return h("tr", { "data-proposal": p.id },
      h("th", { scope: "row" }, String(p.id)),
      h("td", {}, h("abbr", { title: countryName(p.origin) }, p.origin)),
      h("td", {}, h("abbr", { title: countryName(p.destination) }, p.destination)),
      h("td", {}, h("abbr", { title: cadreName(p.cadre) }, p.cadre)),
      h("td", { class: "num" }, fmt.int(p.count)),
      h("td", { class: "num" }, fmt.usd(p.benefit_usd_per_worker)),
      h("td", { class: "num" }, p.language_training_months ? `${p.language_training_months} mo` : "–"),
      h("td", { class: "basis", "data-testid": "basis" }, basisText(p.basis)),
      h("td", {}, pill(p.status, "proposal-status"), declineWords(p)),
      h("td", {}, h("div", { class: "row-actions" }, cells)));
  });
  const pending = proposals.filter(actionable).length;
  const title = $("#proposals-title");
  title.replaceChildren(isFocal() ? `Proposals for ${state.me.country}` : "Proposals");
  if (canAnswer() && pending) title.append(" ", h("span", { class: "pill st-pending" }, `${pending} awaiting you`));
  fillTable($("#proposals-table"), rows, state.view ? "No proposals in this round." : "Select a round.");
}

// ------------------------------------------------------------------ unfilled

function renderUnfilled() {
  const view = state.view;
  const unmatched = view?.result?.unmatched || { withdrawals: [], deposits: [] };
  const info = new Map();
  for (const d of view?.postings?.deposits || []) info.set(`d:${d.id}`, d);
  for (const w of view?.postings?.withdrawals || []) info.set(`w:${w.id}`, w);
  const row = (u, side, left) => {
    const posting = info.get(`${side[0]}:${u.id}`) || {};
    const reasons = (u.reasons || []).map((r) => h("li", {},
      h("span", { class: "reason", title: `${r.workers} blocked` }, r.code), r.detail));
    return h("tr", {},
      h("th", { scope: "row" }, h("code", {}, u.id)),
      h("td", {}, side === "withdrawal" ? "position" : "deposit"),
      h("td", {}, posting.country ? h("abbr", { title: countryName(posting.country) }, posting.country) : "–"),
      h("td", {}, posting.cadre ? h("abbr", { title: cadreName(posting.cadre) }, posting.cadre) : "–"),
      h("td", { class: "num" }, fmt.int(left)),
      h("td", {}, h("ul", { class: "reasons" }, reasons)));
  };
  const country = state.route.country;
  const shown = (u, side) => !country || info.get(`${side[0]}:${u.id}`)?.country === country;
  const rows = [
    ...unmatched.withdrawals.filter((u) => shown(u, "withdrawal")).map((u) => row(u, "withdrawal", u.unfilled)),
    ...unmatched.deposits.filter((u) => shown(u, "deposit")).map((u) => row(u, "deposit", u.unplaced)),
  ];
  const none = view?.result ? "Every posting in this round was matched in full." : "This round has no result yet.";
  fillTable($("#unfilled-table"), rows, view ? none : "Select a round.");
}

// ------------------------------------------------------------------ ledger

function ledgerCountries() {
  const codes = new Set();
  for (const f of state.view?.all.flows || []) { codes.add(f.origin); codes.add(f.destination); }
  for (const p of state.view?.all.proposals || []) { codes.add(p.origin); codes.add(p.destination); }
  return [...codes].sort();
}

async function loadLedger() {
  let country = state.ledgerCountry;
  if (isFocal()) {
    country = state.me.country;
  } else {
    const codes = ledgerCountries();
    const all = codes.length ? codes : [...state.countries.keys()].sort();
    if (state.route.country) {
      country = state.route.country;
      if (!all.includes(country)) all.unshift(country);
    }
    if (!country || !all.includes(country)) country = all[0] || null;
    $("#ledger-country").replaceChildren(...all.map((c) => h("option", { value: c, selected: c === country },
      `${c} ${countryName(c)}`)));
  }
  state.ledgerCountry = country;
  $("#ledger-title").textContent = country ? `Ledger of ${countryName(country)}` : "Ledger";
  if (!country) return;
  const ledger = await optional(api.get(`/v1/ledger/${country}?limit=500`), null);
  const b = ledger?.balances || {};
  $("#ledger-balances").replaceChildren(
    kpi("Workers placed out", fmt.int(b.workers_out), null, "balance-out"),
    kpi("Workers received", fmt.int(b.workers_in), null, "balance-in"),
    kpi("Benefit receivable", fmt.usd(b.benefit_receivable), null, "balance-receivable"),
    kpi("Benefit payable", fmt.usd(b.benefit_payable), null, "balance-payable"),
  );
  const rows = (ledger?.data || []).map((e) => h("tr", {},
    h("th", { scope: "row" }, String(e.id)),
    h("td", {}, String(e.round_id)),
    h("td", {}, String(e.proposal_id)),
    h("td", {}, fmt.status(e.kind)),
    h("td", {}, h("abbr", { title: countryName(e.counterparty) }, e.counterparty)),
    h("td", {}, e.cadre),
    h("td", { class: "num" }, e.kind.startsWith("benefit") ? fmt.usd(e.amount) : fmt.int(e.amount)),
    h("td", {}, fmt.date(e.created_at))));
  fillTable($("#ledger-table"), rows,
    ledger ? "No entries yet: entries are booked when a round with confirmed proposals closes." : "This ledger is not visible to you.");
}

// ------------------------------------------------------------------ exports and imports

async function download(kind, format) {
  const round = state.roundId;
  const paths = {
    flows: `/v1/exports/flows?format=${format}${round ? `&round=${round}` : ""}`,
    proposals: round && `/v1/exports/rounds/${round}/proposals?format=${format}`,
    ledger: state.ledgerCountry && `/v1/exports/ledger/${state.ledgerCountry}?format=${format}`,
  };
  if (!paths[kind]) return toast("Select a round or a country first.", true);
  try {
    const response = await api.blob(paths[kind]);
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] || `hrhx-${kind}.${format}`;
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    handleError(error);
  }
}

async function importFile(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const file = $("#import-file").files[0];
  const out = $("#import-result");
  if (!file) {
    out.replaceChildren(h("p", { class: "import-bad" }, "Choose a file first."));
    return;
  }
  const params = new URLSearchParams();
  if ($("#import-kind").value) params.set("kind", $("#import-kind").value);
  if (!isFocal() && $("#import-country").value.trim()) params.set("country", $("#import-country").value.trim());
  const data = new FormData();
  data.append("file", file);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const result = await api.upload(`/v1/postings/import?${params}`, data);
    out.replaceChildren(h("p", { class: "import-ok", "data-testid": "import-ok" },
      `Imported ${result.imported} ${result.kind} (${fmt.int(result.workers)} ${result.kind === "deposits" ? "workers" : "positions"})`
      + `${result.country ? ` for ${result.country}` : ""}.`));
    form.reset();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) {
      handleError(error);
    } else {
      const problems = error.problem.errors || [];
      const rows = problems.map((p) => {
        const [where, n, column, ...rest] = p.loc;
        const row = where === "row" ? String(n) : "–";
        const col = where === "row" ? [column, ...rest].join(".") : [n, column, ...rest].filter((x) => x !== undefined).join(".");
        return h("tr", {}, h("td", { class: "num" }, row), h("td", {}, h("code", {}, col || where)), h("td", {}, p.msg));
      });
      const table = h("table", { class: "data" },
        h("caption", { class: "visually-hidden" }, "Problems found in the file"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "num" }, "Row"),
          h("th", { scope: "col" }, "Column"), h("th", { scope: "col" }, "Problem"))),
        h("tbody", {}, rows));
      out.replaceChildren(
        h("p", { class: "import-bad", "data-testid": "import-bad" }, `Nothing was imported. ${(error.problem.detail || "").replace(/;? nothing was imported\.?$/, ".")}`),
        h("div", { class: "table-wrap" }, table));
    }
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ run, watch and close

const WORK_NOTE = {
  draft: "A draft: running it freezes the open postings it covers and solves them in the background.",
  running: "Solving now: the solver proves each objective tier in turn. The page follows it live.",
  proposed: "Solved: countries answer the proposals. Closing books the confirmed ones and expires the rest.",
  closed: "Closed: its confirmed proposals are booked in the ledgers.",
  failed: "The solve failed (the reason is above); a planner may run it again.",
};

function renderRoundWork(round) {
  $("#round-work").hidden = !round;
  if (!round) {
    stopWatching();
    state.progressShown = null;
    return;
  }
  $("#round-work-title").textContent = `${roundLabel(round)}: ${fmt.status(round.status)}`;
  const whatIf = round.kind === "what_if";
  $("#round-work-note").textContent = whatIf
    ? `A what-if of round ${round.base_round_id}: the same frozen postings under a changed policy. It books nothing: `
      + "its proposals cannot be accepted or declined and it cannot be closed."
    : WORK_NOTE[round.status] || "";
  $("#round-work").classList.toggle("what-if", whatIf);
  const counts = statusCounts(round.proposals);
  $("#round-proposals").textContent = counts ? `Proposals: ${counts}.` : "";
  $("#run-round").hidden = !(canPlan() && ["draft", "failed"].includes(round.status));
  $("#run-round").textContent = round.status === "failed" ? "Run again" : "Run round";
  $("#close-round").hidden = !(canPlan() && round.status === "proposed" && !whatIf);
  $("#whatif-link").href = whatIf
    ? href({ view: "compare", id: round.base_round_id, other: round.id })
    : href({ view: "compare", id: round.id });
  $("#whatif-link").textContent = whatIf ? `Compare with round ${round.base_round_id}` : "What-if…";
  $("#whatif-link").hidden = isFocal() || !["proposed", "closed"].includes(round.status) || (whatIf && !round.base_round_id);
  renderCloseReport(round.status === "closed" ? round.close_report : null);
  if (round.status === "draft") {
    stopWatching();
    state.progressShown = null;
    $("#progress-panel").hidden = true;
    return;
  }
  const shown = state.progressShown;
  if (shown && shown.id === round.id && shown.status === round.status) return;
  state.progressShown = { id: round.id, status: round.status };
  watchRound(round, {
    onEnd: (status) => {
      // the panel now shows the whole solve: the refresh below must not replay it again
      if (state.progressShown?.id === round.id) state.progressShown = { id: round.id, status };
      if (status !== round.status && state.roundId === round.id && state.route.view === "rounds") {
        toast(`Round ${round.id} is ${fmt.status(status)}.`);
        refresh();
      }
    },
    onError: handleError,
  });
}

async function runSelectedRound() {
  const round = state.view?.round;
  if (!round) return;
  $("#run-round").disabled = true;
  try {
    await api.post(`/v1/rounds/${round.id}/run`);
    toast(`Round ${round.id} is running.`);
    await refresh();
  } catch (error) {
    handleError(error);
  } finally {
    $("#run-round").disabled = false;
  }
}

async function closeSelectedRound() {
  const round = state.view?.round;
  if (!round) return;
  try {
    const report = await reviewAndClose(round);
    if (!report) return;
    await refresh();
    renderCloseReport(report);
    $("#close-report").focus();
  } catch (error) {
    handleError(error);
  }
}

// ------------------------------------------------------------------ views and the country filter

function renderCountryFilter() {
  const codes = [...state.countries.keys()].sort((a, b) => countryName(a).localeCompare(countryName(b)));
  $("#country-filter").replaceChildren(
    h("option", { value: "" }, "All countries"),
    ...codes.map((code) => h("option", { value: code }, `${countryName(code)} (${code})`)),
  );
}

function renderNav(route) {
  document.querySelectorAll("[data-view-link]").forEach((link) => {
    const view = link.dataset.viewLink;
    link.href = href({ view, id: view === "compare" ? route.id && route.view === "compare" ? route.id : null : null });
    if (view === route.view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  document.querySelectorAll("a[data-keep-country]").forEach((link) => {
    link.href = href({ view: link.getAttribute("href").split("/")[1] });
  });
  $("#new-withdrawal").href = href({ view: "postings", mode: "new", kind: "withdrawals" });
  $("#new-deposit").href = href({ view: "postings", mode: "new", kind: "deposits" });
  $("#new-agreement").href = href({ view: "agreements", mode: "new" });
  $("#country-filter").value = route.country && state.countries.has(route.country) ? route.country : "";
}

async function refresh() {
  await show(state.route, false);
}

/** Show the view of a route; `focus` moves the keyboard focus to its title. */
async function show(route, focus = true) {
  if (!state.me) return;
  state.route = route;
  document.querySelectorAll("[data-view]").forEach((view) => { view.hidden = view.dataset.view !== route.view; });
  document.body.dataset.currentView = route.view;
  renderNav(route);
  if (route.view !== "rounds") {
    stopWatching();
    state.progressShown = null;
  }
  if (route.view !== "compare") stopCompareWatch();
  document.body.dataset.loaded = "false";
  let title = $(`[data-view="${route.view}"] [data-view-title]`);
  try {
    if (route.view === "rounds") {
      if (route.id) state.roundId = route.id;
      await loadAll();
    } else if (route.view === "new-round") {
      openNewRound();
      if (!canPlan()) toast("Only planners create rounds: the exchange will refuse it for your role.", true);
    } else if (route.view === "postings") {
      closePostingForm();
      if (route.mode) {
        await openPostingForm(ctx, route);
        title = $("#posting-form-title");
      }
      await renderPostingsList(ctx, route);
    } else if (route.view === "agreements") {
      closeAgreementForm();
      if (route.mode) {
        await openAgreementForm(ctx, route);
        title = $("#agreement-form-title");
      }
      await renderAgreementsList(ctx, route);
    } else if (route.view === "workforce") {
      await renderWorkforce(ctx, route);
    } else if (route.view === "compare") {
      await renderCompare(ctx, route);
    } else if (route.view === "countries") {
      await renderCountries(ctx, route);
    } else if (route.view === "indicators") {
      await renderIndicators(ctx, route);
    }
  } catch (error) {
    handleError(error);
  } finally {
    if (focus && title) title.focus();
    document.body.dataset.loaded = "true"; // every panel of the view is drawn (tests wait for this)
  }
}

// ------------------------------------------------------------------ wiring

function onSubmit(selector, handler) {
  $(selector).addEventListener("submit", (event) => {
    event.preventDefault();
    handler(event);
  });
}

function start() {
  $("#signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("#token").value.trim();
    if (!value) {
      $("#signin-error").textContent = "Paste a token first.";
      return;
    }
    signIn(value);
  });
  $("#sign-out").addEventListener("click", () => {
    token.clear();
    state.roundId = null;
    showSignedOut("Signed out.");
  });
  window.addEventListener("hashchange", () => show(parse()));
  $("#country-filter").addEventListener("change", (e) => go({ ...state.route, country: e.target.value || null }));
  $("#refresh").addEventListener("click", () => refresh());
  $("#round-select").addEventListener("change", (e) => selectRound(Number(e.target.value)));
  $("#run-round").addEventListener("click", runSelectedRound);
  $("#close-round").addEventListener("click", closeSelectedRound);
  $("#ledger-country").addEventListener("change", (e) => {
    state.ledgerCountry = e.target.value;
    loadLedger().catch(handleError);
  });
  document.querySelectorAll("[data-export]").forEach((button) => {
    button.addEventListener("click", () => download(button.dataset.export, button.dataset.format));
  });
  $("#import-form").addEventListener("submit", importFile);
  onSubmit("#round-form", (event) => submitNewRound(ctx, event.submitter?.dataset.run === "true"));
  onSubmit("#posting-form", () => submitPosting(ctx));
  onSubmit("#agreement-form", () => submitAgreement(ctx));
  onSubmit("#workforce-form", () => submitWorkforce(ctx));
  onSubmit("#whatif-form", () => submitWhatIf(ctx));
  onSubmit("#countries-form", () => submitCountries(ctx));
  onSubmit("#indicators-form", () => submitIndicators(ctx));
  document.querySelectorAll("[data-indicators-download]").forEach((link) => {
    link.addEventListener("click", (event) => downloadIndicators(event, handleError));
  });
  $("#countries-listed-only").addEventListener("change", () => renderCountries(ctx, state.route).catch(handleError));
  $("#workforce-cancel").addEventListener("click", closeWorkforceForm);
  $("#postings-status").addEventListener("change", () => renderPostingsList(ctx, state.route).catch(handleError));
  const saved = token.get();
  if (saved) signIn(saved);
  else showSignedOut();
}

start();
