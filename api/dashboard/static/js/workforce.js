// A country's workforce facts (stock, education cost, positive list) per cadre, read by
// everyone; the form PUTs /v1/workforce/{country}/{cadre} with If-Match. Planners and admins may
// write any country's; a focal point declares its own country's (they are that country's
// declarations); the API's refusal (403 for a viewer, 404 for another country) is shown as meant.

import { api, ApiError } from "./api.js";
import { $, fillTable, fmt, h, toast } from "./dom.js";
import { buildFields, clearProblems, readValues, setValues, showProblems } from "./forms.js";

export const WORKFORCE_SPECS = [
  { name: "stock", label: "Stock (workers)", type: "int",
    hint: "Workers of this cadre in the country's health system. Empty: unknown (no depletion cap applies)." },
  { name: "education_cost_usd", label: "Education cost (USD)", type: "int",
    hint: "Cost of educating one worker; a round's benefit floor is a share of it. Empty: unknown." },
  { name: "positive_list", label: "On the positive list", type: "bool",
    hint: "The country allows this cadre to relocate (needed under the strict safeguard mode when it is safeguard-listed)." },
  { name: "source", label: "Source", type: "text", wide: true, hint: "Where the figures come from (publication, year)." },
];

let editor = null; // {country, cadre, fields, opened}

/** The country the view shows: a focal point's own, otherwise the country filter. */
export function workforceCountry(ctx, route) {
  return ctx.isFocal() ? ctx.state.me.country : route.country;
}

/** Draw the facts of every cadre of the country (one GET per cadre: the API has no list). */
export async function renderWorkforce(ctx, route) {
  const country = workforceCountry(ctx, route);
  $("#workforce-editor").hidden = true;
  editor = null;
  if (!country) {
    $("#workforce-title").textContent = "Workforce facts";
    $("#workforce-note").textContent = "Choose a country in the filter above to see its workforce facts.";
    fillTable($("#workforce-table"), [], "No country chosen.");
    return;
  }
  $("#workforce-title").textContent = `Workforce facts of ${ctx.countryName(country)}`;
  const cadres = [...ctx.state.cadres.keys()].sort();
  const facts = await Promise.all(cadres.map((cadre) => api.get(`/v1/workforce/${country}/${cadre}`)));
  const listed = ctx.state.listed.has(country);
  $("#workforce-note").textContent = `${ctx.countryName(country)} is ${listed ? "" : "not "}on the WHO health workforce support and safeguards list.`
    + (listed ? " Relocation from it needs a G2G agreement and, under the strict mode, the cadre on its positive list." : "");
  const rows = facts.map((fact) => {
    const edit = h("button", { type: "button", class: "btn btn-small", "aria-label": `Edit ${fact.cadre} ${ctx.cadreName(fact.cadre)}` }, "Edit");
    edit.addEventListener("click", () => openWorkforceForm(ctx, country, fact));
    return h("tr", { "data-cadre": fact.cadre },
      h("th", { scope: "row" }, `${fact.cadre} ${ctx.cadreName(fact.cadre)}`),
      h("td", { class: fact.stock === null ? "num unknown" : "num" }, fact.stock === null ? "unknown" : fmt.int(fact.stock)),
      h("td", { class: fact.education_cost_usd === null ? "num unknown" : "num" },
        fact.education_cost_usd === null ? "unknown" : fmt.usd(fact.education_cost_usd)),
      h("td", {}, fact.positive_list ? "yes" : "no"),
      h("td", {}, fact.source || "–"),
      h("td", { class: "num" }, String(fact.version)),
      h("td", {}, h("div", { class: "row-actions" }, edit)));
  });
  fillTable($("#workforce-table"), rows, "No cadres known.");
}

function openWorkforceForm(ctx, country, fact) {
  const { element, fields } = buildFields(WORKFORCE_SPECS);
  editor = { country, cadre: fact.cadre, fields, opened: fact };
  $("#workforce-form-title").textContent = `${country} · ${fact.cadre} ${ctx.cadreName(fact.cadre)} (version ${fact.version})`;
  $("#workforce-fields").replaceChildren(element);
  setValues(fields, fact);
  clearProblems(fields, $("#workforce-problems"));
  $("#workforce-editor").hidden = false;
  $("#workforce-form-title").focus();
}

/** PUT the fact with If-Match (version 0: nothing known yet, so the PUT creates it). */
export async function submitWorkforce(ctx) {
  if (!editor) return;
  const { country, cadre, fields, opened } = editor;
  const summary = $("#workforce-problems");
  const { values, problems } = readValues(fields);
  if (problems.length) {
    showProblems(fields, summary, problems);
    return;
  }
  try {
    const saved = await api.put(`/v1/workforce/${country}/${cadre}`, values, opened.version);
    toast(`${country} ${cadre} saved (version ${saved.version}).`);
    await renderWorkforce(ctx, ctx.route());
  } catch (error) {
    if (!(error instanceof ApiError)) {
      ctx.handleError(error);
    } else if (error.status === 422) {
      showProblems(fields, summary, error.problem.errors?.length ? error.problem.errors : [{ loc: [], msg: error.message }]);
    } else if (error.status === 403 || error.status === 404) {
      const why = error.status === 403
        ? "Your role may not change workforce facts: a country's focal point declares its own, and planners record any."
        : "These facts are not yours to change (another country's, or unknown to the exchange).";
      showProblems(fields, summary, [{ loc: [], msg: error.message }], `Not saved. ${why}`);
    } else if (error.status === 412) {
      showProblems(fields, summary, [{ loc: [], msg: error.message }],
        "Not saved: someone changed these facts since you opened them. Close the form and open it again to see the current values.");
    } else {
      ctx.handleError(error);
    }
  }
}

export function closeWorkforceForm() {
  editor = null;
  $("#workforce-editor").hidden = true;
}
