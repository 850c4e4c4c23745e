// Countries at a date (#/countries/YYYY-MM): GET /v1/countries?as_of=YYYY-MM, each country's
// status on the WHO health workforce support and safeguards list and the edition in force then.
// A month the exchange cannot answer (before the earliest recorded edition) is its 422, shown
// as its message.

import { api, ApiError } from "./api.js";
import { $, fillTable, h } from "./dom.js";
import { go } from "./router.js";

/** This month as YYYY-MM. */
export function thisMonth(now = new Date()) {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

function showError(message) {
  const box = $("#countries-problem");
  box.replaceChildren(h("p", {}, message));
  box.hidden = false;
}

/** Draw the countries at the route's month (this month when none). */
export async function renderCountries(ctx, route) {
  const month = route.month || thisMonth();
  $("#countries-month").value = month;
  $("#countries-problem").hidden = true;
  $("#countries-summary").textContent = "";
  const listedOnly = $("#countries-listed-only").checked;
  let answer;
  try {
    answer = await api.get(`/v1/countries?as_of=${encodeURIComponent(month)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    const first = error.problem.errors?.[0]?.msg || error.message;
    showError(`${first.replace(/\.$/, "")}.`);
    fillTable($("#countries-table"), [], "Choose another month.");
    return;
  }
  const countries = answer.data || [];
  const editions = [...new Set(countries.map((c) => c.safeguard_edition).filter(Boolean))];
  const listed = countries.filter((c) => c.safeguard_listed);
  $("#countries-summary").textContent = `As of ${answer.as_of}: `
    + `${editions.length ? `the ${editions.join(", ")} edition of the safeguards list is in force` : "no edition of the safeguards list is in force"}, `
    + `listing ${listed.length} of ${countries.length} countries.`;
  const country = route.country;
  const shown = [...countries].sort((x, y) => x.name.localeCompare(y.name))
    .filter((c) => !country || c.code === country)
    .filter((c) => !listedOnly || country || c.safeguard_listed);
  const rows = shown.map((c) => h("tr", { "data-country": c.code },
    h("th", { scope: "row" }, c.name),
    h("td", {}, h("code", {}, c.code)),
    h("td", { "data-testid": "listed" }, c.safeguard_listed
      ? h("span", { class: "pill st-declined" }, "listed")
      : h("span", { class: "muted" }, "not listed")),
    h("td", { "data-testid": "edition" }, c.safeguard_edition || "–"),
    h("td", {}, c.aaah_member ? "yes" : "no")));
  fillTable($("#countries-table"), rows, "No country to show.");
}

/** The month picker's submit: go to that month's address. */
export function submitCountries(ctx) {
  const month = $("#countries-month").value.trim();
  if (!/^\d{4}-\d{2}$/.test(month)) {
    showError("Choose a month (YYYY-MM).");
    return;
  }
  go({ view: "countries", month });
}
