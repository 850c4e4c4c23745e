// Forms built from field specs: a label, a control, a plain-language hint and a slot for the
// problem the API reports at that field (problem+json `errors`, `loc` and `msg`).
//
// A spec: {name, label, type, hint, required, options, placeholder, nullable}. Types:
//   text, textarea, int, number (decimal), month (YYYY-MM), datetime (a local date and time, sent
//   as ISO 8601 in UTC), bool (checkbox), select,
//   list ("NPL; PHL" -> ["NPL", "PHL"]), levels ("en:B2; de:B1" -> {en: "B2", de: "B1"}),
//   quotas ("2221:500; 2240:20" -> {"2221": 500, "2240": 20}).

import { h } from "./dom.js";

let formCount = 0;

function control(spec, id, describedBy) {
  const common = { id, name: spec.name, "aria-describedby": describedBy };
  if (spec.type === "bool") return h("input", { ...common, type: "checkbox" });
  if (spec.type === "textarea") return h("textarea", { ...common, rows: 2 });
  if (spec.type === "datetime") return h("input", { ...common, type: "datetime-local" });
  if (spec.type === "select") {
    return h("select", common, (spec.options || []).map(([value, text]) => h("option", { value }, text)));
  }
  const numeric = spec.type === "int" || spec.type === "number";
  return h("input", {
    ...common,
    type: "text",
    inputmode: numeric ? (spec.type === "int" ? "numeric" : "decimal") : null,
    placeholder: spec.placeholder || (spec.type === "month" ? "YYYY-MM" : null),
    autocomplete: "off",
    spellcheck: "false",
  });
}

/** A form's fields as a grid; returns `{element, fields}` where `fields` maps name to parts. */
export function buildFields(specs) {
  formCount += 1;
  const fields = new Map();
  const cells = specs.map((spec) => {
    const id = `f${formCount}-${spec.name}`;
    const hint = h("span", { class: "hint", id: `${id}-hint` }, spec.hint || "");
    const error = h("span", { class: "field-problem", id: `${id}-problem`, "data-problem-for": spec.name });
    const input = control(spec, id, `${id}-hint ${id}-problem`);
    if (spec.required) input.setAttribute("aria-required", "true");
    const label = h("label", { for: id }, spec.label, spec.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
    const cell = spec.type === "bool"
      ? h("div", { class: "field field-check", "data-field": spec.name }, h("div", { class: "check-row" }, input, label), hint, error)
      : h("div", { class: `field${spec.wide ? " wide" : ""}`, "data-field": spec.name }, label, input, hint, error);
    fields.set(spec.name, { spec, input, error, cell });
    return cell;
  });
  return { element: h("div", { class: "form-grid" }, cells), fields };
}

/** Show a value in its control. */
export function setValues(fields, values) {
  for (const [name, { spec, input }] of fields) {
    const value = values?.[name];
    if (spec.type === "bool") input.checked = Boolean(value);
    else if (spec.type === "list") input.value = (value || []).join("; ");
    else if (spec.type === "levels" || spec.type === "quotas") input.value = Object.entries(value || {}).map(([k, v]) => `${k}:${v}`).join("; ");
    else input.value = value === null || value === undefined ? "" : String(value);
  }
}

/**
 * The values of the controls as the API takes them, and the problems found before sending
 * (`{values, problems}`; a problem is `{loc: ["body", name], msg}` like the API's). An empty
 * control is `null` (absent on creation: the default applies).
 */
export function readValues(fields) {
  const values = {};
  const problems = [];
  const bad = (name, msg) => problems.push({ loc: ["body", name], msg });
  for (const [name, { spec, input }] of fields) {
    const raw = spec.type === "bool" ? input.checked : input.value.trim();
    if (spec.type === "bool") {
      values[name] = raw;
    } else if (raw === "") {
      values[name] = spec.type === "list" ? [] : spec.type === "levels" || spec.type === "quotas" ? {} : null;
    } else if (spec.type === "int" || spec.type === "number") {
      const number = Number(raw.replaceAll(",", ""));
      if (!Number.isFinite(number) || (spec.type === "int" && !Number.isInteger(number))) {
        bad(name, spec.type === "int" ? `"${raw}" is not a whole number` : `"${raw}" is not a number`);
      } else {
        values[name] = number;
      }
    } else if (spec.type === "datetime") {
      const when = new Date(raw);
      if (Number.isNaN(when.getTime())) bad(name, `"${raw}" is not a date and time`);
      else values[name] = when.toISOString();
    } else if (spec.type === "list") {
      values[name] = raw.split(/[;,\s]+/).filter(Boolean).map((x) => (spec.upper ? x.toUpperCase() : x));
    } else if (spec.type === "levels") {
      let out = {};
      for (const item of raw.split(/[;,]+/).map((x) => x.trim()).filter(Boolean)) {
        const match = /^([A-Za-z]{2})\s*[:=]\s*([A-Ca-c][12])$/.exec(item);
        if (!match) {
          bad(name, `"${item}" is not a language and level such as en:B2`);
          out = null;
          break;
        }
        out[match[1].toLowerCase()] = match[2].toUpperCase();
      }
      if (out) values[name] = out;
    } else if (spec.type === "quotas") {
      let out = {};
      for (const item of raw.split(/[;,]+/).map((x) => x.trim()).filter(Boolean)) {
        const match = /^(\d{4})\s*[:=]\s*(\d+)$/.exec(item);
        if (!match) {
          bad(name, `"${item}" is not a cadre and a number of workers such as 2221:500`);
          out = null;
          break;
        }
        out[match[1]] = Number(match[2]);
      }
      if (out) values[name] = out;
    } else {
      values[name] = raw;
    }
  }
  return { values, problems };
}

/** Only the fields that differ from `base` (a PATCH body). */
export function changedValues(values, base) {
  const out = {};
  for (const [name, value] of Object.entries(values)) {
    if (!same(value, base?.[name])) out[name] = value;
  }
  return out;
}

/** Equal as the API sees them (an absent value and `null` are the same; key order ignored). */
export function same(a, b) {
  return canonical(a) === canonical(b);
}

function canonical(value) {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Text of a value for people: lists joined, mappings as `en:B2`, booleans yes/no. */
export function show(value) {
  if (value === null || value === undefined || value === "") return "–";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") {
    const entries = Object.entries(value);
    return entries.length ? entries.map(([k, v]) => `${k}:${v}`).join(", ") : "none";
  }
  return String(value);
}

/** Remove every problem shown in a form. */
export function clearProblems(fields, summary) {
  for (const { input, error, cell } of fields.values()) {
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    cell.classList.remove("has-problem");
  }
  summary.replaceChildren();
  summary.hidden = true;
}

/**
 * Show each problem beside its field (the first name in `loc` that is a field of the form) and
 * list them all in the summary above the form, each linked to its field; problems of no field
 * (a header, the whole body) are listed in the summary only. Focus moves to the summary.
 */
export function showProblems(fields, summary, problems, heading) {
  clearProblems(fields, summary);
  const items = [];
  for (const problem of problems) {
    const loc = problem.loc || [];
    const name = loc.find((part) => fields.has(String(part)));
    const field = name === undefined ? null : fields.get(String(name));
    const where = loc.filter((part) => part !== "body").join(".");
    if (field) {
      const detail = loc.slice(loc.indexOf(name) + 1).join(".");
      const text = detail ? `${detail}: ${problem.msg}` : problem.msg;
      field.error.textContent = field.error.textContent ? `${field.error.textContent}; ${text}` : text;
      field.input.setAttribute("aria-invalid", "true");
      field.cell.classList.add("has-problem");
      const link = h("a", { href: `#${field.input.id}` }, field.spec.label);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        field.input.focus();
      });
      items.push(h("li", {}, link, `: ${text}`));
    } else {
      items.push(h("li", {}, where ? `${where}: ${problem.msg}` : problem.msg));
    }
  }
  summary.replaceChildren(
    h("p", { class: "problem-title" }, heading || `Nothing was saved: ${problems.length} problem${problems.length === 1 ? "" : "s"} to fix.`),
    h("ul", {}, items),
  );
  summary.hidden = false;
  summary.focus();
}
