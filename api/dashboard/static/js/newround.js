// A planner's new round: the policy of MATCHING.md section 1 with its defaults filled in and a
// plain-language hint per field, the month it is taken as of and the time answers are due, an
// optional scope, then create (a draft) or create and run. A live round's safeguards cannot be
// off (the API refuses it): switching them off is a what-if's job (compare.js).

import { api, ApiError } from "./api.js";
import { $, toast } from "./dom.js";
import { buildFields, clearProblems, readValues, setValues, showProblems } from "./forms.js";
import { go } from "./router.js";

/** MATCHING.md's defaults for a policy field that is absent. */
export const POLICY_DEFAULTS = {
  safeguard_mode: "strict",
  benefit_floor_ratio: 0,
  max_depletion_share: null,
  language_months_per_level: 6,
  pair_minimum_benefit_usd: 0,
  time_limit_s: 30,
  seed: 0,
};

export const ROUND_SPECS = [
  { name: "name", label: "Name", type: "text", wide: true, placeholder: "e.g. Q1 2027 nurses",
    hint: "How people will call this round." },
  { name: "safeguard_mode", label: "Safeguards", type: "select",
    options: [["strict", "strict: WHO Code and AAAH positive lists"], ["code", "code: the WHO Code as written"]],
    hint: "Strict (default): relocation from a safeguard-listed country needs a G2G agreement and the cadre on its positive list. Code: the G2G agreement only. To see the round without safeguards, start a what-if from it once solved." },
  { name: "benefit_floor_ratio", label: "Benefit floor (share of education cost)", type: "number",
    hint: "Each worker must bring the origin at least this share of what educating them cost, e.g. 0.5 for half. Default 0: no floor." },
  { name: "max_depletion_share", label: "Depletion cap (share of stock)", type: "number", placeholder: "no cap",
    hint: "At most this share of a country's stock of a cadre may relocate in the round, e.g. 0.05 for 5%. Empty (default): no cap." },
  { name: "language_months_per_level", label: "Training months per language level", type: "int",
    hint: "Months of training to raise a language by one CEFR level (B1 to B2). Default 6." },
  { name: "pair_minimum_benefit_usd", label: "Minimum benefit per country pair (USD)", type: "int",
    hint: "A pair of countries gets no flow at all unless its total benefit reaches this. Default 0: any." },
  { name: "time_limit_s", label: "Time limit (seconds)", type: "number",
    hint: "How long the solver may search. Default 30; when it stops early the best matching found is kept and marked FEASIBLE." },
  { name: "seed", label: "Seed", type: "int",
    hint: "Fixes the solver's tie-breaking: the same postings and seed give the same matches. Default 0." },
  { name: "as_of", label: "As of (month)", type: "month", placeholder: "YYYY-MM: the month it runs",
    hint: "The month whose agreements in force, safeguards-list edition and earlier placements apply. Empty: the month the round runs." },
  { name: "answer_by", label: "Answers due by", type: "datetime",
    hint: "Proposals still pending then expire. Empty: they wait until the round is closed." },
  { name: "countries", label: "Only these countries", type: "list", upper: true, placeholder: "empty: every country",
    hint: "ISO3 codes separated by ; to limit the round to postings of these countries." },
  { name: "cadres", label: "Only these cadres", type: "list", placeholder: "empty: every cadre",
    hint: "ISCO-08 codes separated by ; to limit the round to these cadres." },
];

const POLICY_FIELDS = Object.keys(POLICY_DEFAULTS);

let form = null;

/** Show the form with the defaults. */
export function openNewRound() {
  const { element, fields } = buildFields(ROUND_SPECS);
  form = { fields };
  $("#round-fields").replaceChildren(element);
  setValues(fields, { ...POLICY_DEFAULTS, name: "" });
  clearProblems(fields, $("#round-problems"));
}

/** The request body: the policy as set, scope lists only when given. */
export function roundBody(values) {
  const policy = {};
  for (const name of POLICY_FIELDS) if (values[name] !== null) policy[name] = values[name];
  const body = { policy };
  if (values.name) body.name = values.name;
  if (values.as_of) body.as_of = values.as_of;
  if (values.answer_by) body.answer_by = values.answer_by;
  if (values.countries?.length) body.countries = values.countries;
  if (values.cadres?.length) body.cadres = values.cadres;
  return body;
}

/** Create the round; with `run`, run it at once. Then its page, where its progress shows. */
export async function submitNewRound(ctx, run) {
  if (!form) return;
  const { fields } = form;
  const summary = $("#round-problems");
  const { values, problems } = readValues(fields);
  if (problems.length) {
    showProblems(fields, summary, problems);
    return;
  }
  const buttons = [$("#round-create"), $("#round-create-run")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const round = await api.post("/v1/rounds", roundBody(values));
    if (run) await api.post(`/v1/rounds/${round.id}/run`);
    toast(run ? `Round ${round.id} created and running.` : `Round ${round.id} created as a draft.`);
    form = null;
    ctx.invalidate();
    go({ view: "rounds", id: round.id });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      showProblems(fields, summary, error.problem.errors?.length ? error.problem.errors : [{ loc: [], msg: error.message }]);
    } else {
      ctx.handleError(error);
    }
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}
