// A stale edit (412): someone changed the object since it was opened. Explain what changed by
// comparing the version the form was opened on with the one the API has now.

import { h } from "./dom.js";
import { same, show } from "./forms.js";

/** The fields of `specs` whose value differs between `opened` and `current`. */
export function differences(specs, opened, current) {
  return specs
    .filter((spec) => !same(opened?.[spec.name], current?.[spec.name]))
    .map((spec) => ({ name: spec.name, label: spec.label, was: opened?.[spec.name], now: current?.[spec.name] }));
}

/**
 * The explanation shown above the form: who changed what since version N, as a table of the
 * fields that differ, and a button that starts again from the current version.
 */
export function staleNotice({ what, opened, current, specs, extra = [], onReload }) {
  const changed = [...differences(specs, opened, current), ...extra.filter((e) => !same(e.was, e.now))];
  const by = current?.created_by && current?.updated_at ? ` (last saved ${new Date(current.updated_at).toLocaleString("en-GB")})` : "";
  const rows = changed.map((c) => h("tr", { "data-changed": c.name },
    h("th", { scope: "row" }, c.label),
    h("td", {}, show(c.was)),
    h("td", {}, show(c.now))));
  const reload = h("button", { type: "button", class: "btn btn-small" }, "Start again from the current version");
  // (the caller keeps the person's own changes on top of the current version)
  reload.addEventListener("click", () => onReload(current));
  return h("div", { class: "notice notice-warn", "data-testid": "stale-notice", tabindex: "-1", role: "alert" },
    h("p", { class: "problem-title" },
      `Not saved: ${what} was changed by someone else since you opened it (version ${opened?.version} is now version ${current?.version})${by}.`),
    changed.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "data compact" },
        h("caption", {}, "What changed meanwhile"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"),
          h("th", { scope: "col" }, `When you opened it (v${opened?.version})`),
          h("th", { scope: "col" }, `Now (v${current?.version})`))),
        h("tbody", {}, rows)))
      : h("p", {}, "None of the fields you can edit differ; only its bookkeeping changed."),
    h("p", { class: "small" }, "Your changes are still in the form. Start again from the current version: "
      + "the form then shows it with your own changes on top, for you to check and save."),
    reload);
}
