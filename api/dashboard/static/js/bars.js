// Horizontal bar charts in HTML (a list of labelled rows), readable without the bars.

import { h } from "./dom.js";

/**
 * Render `items` ([{code, name, value, max, text, low}]) as bars into `container`; each row is
 * a list item whose accessible name says the label and the value.
 */
export function drawBars(container, items, { kind = "fill", empty = "Nothing to show yet." } = {}) {
  if (!items.length) {
    container.replaceChildren(h("p", { class: "empty-chart", role: "listitem" }, empty));
    return;
  }
  const rows = items.map((item) => {
    const fill = h("div", { class: `bar-fill ${kind === "benefit" ? "benefit" : ""} ${item.low ? "low" : ""}` });
    const share = item.max > 0 ? Math.min(1, item.value / item.max) : 0;
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    return h("div", { class: "bar-row", role: "listitem", "aria-label": `${item.name}: ${item.text}`,
      "data-code": item.code },
      h("span", { class: "bar-label", title: item.name }, h("span", { class: "code" }, item.code), item.name),
      h("div", { class: "bar-track", "aria-hidden": "true" }, fill),
      h("span", { class: "bar-value" }, item.text));
  });
  container.replaceChildren(...rows);
}
