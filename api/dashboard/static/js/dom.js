// Small DOM helpers: elements are built with textContent, never from HTML strings.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.setAttribute("class", value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h("td", {class: "num"}, "42"). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const s = (tag, attrs, ...children) =>
  build(document.createElementNS(SVG_NS, tag), attrs, children);

export const $ = (selector, root = document) => root.querySelector(selector);

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

export const fmt = {
  int: (n) => (n === null || n === undefined ? "–" : integer.format(n)),
  usd: (n) => (n === null || n === undefined ? "–" : `$${integer.format(n)}`),
  usdShort: (n) => (n === null || n === undefined ? "–" : `$${compact.format(n)}`),
  permille: (n) => (n === null || n === undefined ? "–" : `${(n / 10).toFixed(1)}%`),
  pct: (ratio) => `${Math.round(ratio * 1000) / 10}%`,
  seconds: (s) => (s === null || s === undefined ? "–" : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`),
  date: (iso) => (iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "–"),
  status: (value) => (value || "").replaceAll("_", " "),
};

/** A status pill: class `pill st-<status>`. */
export const pill = (status, testid) =>
  h("span", { class: `pill st-${status}`, "data-testid": testid }, fmt.status(status));

/** Replace the rows of a table body; `emptyText` fills one wide cell when there are none. */
export function fillTable(table, rows, emptyText) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows);
  if (!rows.length && emptyText) {
    const columns = table.tHead.rows[0].cells.length;
    body.append(h("tr", {}, h("td", { class: "empty", colspan: columns }, emptyText)));
  }
}

let toastTimer = null;
/** A short message in the corner (announced to screen readers). */
export function toast(message, isError = false) {
  const element = $("#toast");
  element.textContent = message;
  element.classList.toggle("error", isError);
  element.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => element.classList.remove("show"), 4500);
}
