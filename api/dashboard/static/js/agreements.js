// Agreements between an origin and a destination (planners write them): the list (with the
// country filter), a form to create or edit one (If-Match: the version it was opened on; a
// stale edit is explained field by field) and ending one.

import { api, ApiError, getAll } from "./api.js";
import { confirmAction } from "./dialog.js";
import { $, fillTable, fmt, h, toast } from "./dom.js";
import { buildFields, changedValues, clearProblems, readValues, setValues, show, showProblems } from "./forms.js";
import { go, href } from "./router.js";
import { staleNotice } from "./stale.js";

/** The fields of an agreement (MATCHING.md section 1), with the defaults in the hints. */
export const AGREEMENT_SPECS = [
  { name: "origin", label: "Origin", type: "text", required: true, placeholder: "ISO3, e.g. NPL",
    hint: "The country whose workers move (ISO 3166 alpha-3)." },
  { name: "destination", label: "Destination", type: "text", required: true, placeholder: "ISO3, e.g. GBR",
    hint: "The country that receives them." },
  { name: "name", label: "Name", type: "text", hint: "How people call it, e.g. the MoU's title." },
  { name: "valid_from", label: "Valid from", type: "month", required: true, hint: "First month it applies (YYYY-MM)." },
  { name: "valid_to", label: "Valid until", type: "month", required: true, hint: "Last month it applies (YYYY-MM)." },
  { name: "cadres", label: "Cadres", type: "list", placeholder: "2221; 2240",
    hint: "ISCO-08 codes it covers. Empty: every cadre." },
  { name: "quotas", label: "Quotas per round", type: "quotas", placeholder: "2221:500",
    hint: "Most workers of a cadre relocated in one round. Empty: no cap." },
  { name: "benefit_usd_per_worker", label: "Benefit (USD per worker)", type: "int",
    hint: "What the destination invests in the origin's health system per worker, on top of the posting's. Empty: 0." },
  { name: "g2g", label: "Government-to-government", type: "bool",
    hint: "Signed by both governments: opens relocation from a country on the WHO safeguard list." },
  { name: "recognition", label: "Recognises qualifications", type: "bool",
    hint: "Serves withdrawals that need recognition of qualifications." },
  { name: "notes", label: "Notes", type: "textarea", wide: true, hint: "For people; the matching ignores it." },
];

const upper = (values) => {
  for (const key of ["origin", "destination"]) if (values[key]) values[key] = values[key].toUpperCase();
  return values;
};

/** Draw the list of agreements (filtered by the country filter: as origin or destination). */
export async function renderAgreementsList(ctx, route) {
  const query = route.country ? `?country=${route.country}` : "";
  const agreements = await getAll(`/v1/agreements${query}`);
  const canWrite = ctx.canPlan();
  const rows = agreements.map((a) => {
    const actions = [];
    if (canWrite) {
      actions.push(h("a", { class: "btn btn-small", href: href({ view: "agreements", id: a.id }),
        "aria-label": `Edit agreement ${a.id}` }, "Edit"));
      const end = h("button", { type: "button", class: "btn btn-small btn-decline", "aria-label": `End agreement ${a.id}` }, "End");
      end.addEventListener("click", () => endAgreement(a, ctx));
      actions.push(end);
    }
    return h("tr", { "data-agreement": a.id },
      h("th", { scope: "row" }, h("code", {}, a.id), a.name ? h("div", { class: "small muted" }, a.name) : null),
      h("td", { class: "nowrap" }, h("abbr", { title: ctx.countryName(a.origin) }, a.origin), " → ",
        h("abbr", { title: ctx.countryName(a.destination) }, a.destination)),
      h("td", {}, a.cadres.length ? a.cadres.join(", ") : "all"),
      h("td", { class: "nowrap" }, `${a.valid_from} – ${a.valid_to}`),
      h("td", {}, [a.g2g ? "G2G" : null, a.recognition ? "recognition" : null].filter(Boolean).join(", ") || "–"),
      h("td", {}, show(a.quotas) === "none" ? "no cap" : show(a.quotas)),
      h("td", { class: "num" }, fmt.usd(a.benefit_usd_per_worker)),
      h("td", { class: "num" }, String(a.version)),
      h("td", {}, h("div", { class: "row-actions" }, actions)));
  });
  $("#agreements-note").textContent = `${agreements.length} agreements`
    + `${route.country ? ` of ${ctx.countryName(route.country)}` : ""}. `
    + "A round uses those valid in the month it runs.";
  $("#agreements-actions").hidden = !canWrite;
  fillTable($("#agreements-table"), rows, "No agreements yet.");
}

async function endAgreement(agreement, ctx) {
  const ok = await confirmAction({
    title: `End agreement ${agreement.id}?`,
    body: [`${agreement.origin} → ${agreement.destination}${agreement.name ? ` (${agreement.name})` : ""} leaves every later round: `
      + "its quotas, benefit and G2G or recognition basis no longer apply. Rounds already closed keep it on record."],
    confirm: "End agreement",
    danger: true,
  });
  if (!ok) return;
  try {
    await api.del(`/v1/agreements/${encodeURIComponent(agreement.id)}`, agreement.version);
    toast(`Agreement ${agreement.id} ended.`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      toast(`Agreement ${agreement.id} changed meanwhile: it was not ended. Check it and try again.`, true);
    } else {
      ctx.handleError(error);
    }
  }
  await renderAgreementsList(ctx, ctx.route()).catch(ctx.handleError);
}

let editor = null; // {fields, opened}

/** Open the form: a new agreement or one to edit (`route.id`). */
export async function openAgreementForm(ctx, route) {
  const opened = route.mode === "edit" ? await api.get(`/v1/agreements/${encodeURIComponent(route.id)}`) : null;
  const { element, fields } = buildFields(AGREEMENT_SPECS);
  editor = { fields, opened };
  $("#agreement-form-title").textContent = opened
    ? `Edit agreement ${opened.id} (version ${opened.version})`
    : "New agreement";
  $("#agreement-fields").replaceChildren(element);
  setValues(fields, opened || {});
  $("#agreement-stale").replaceChildren();
  clearProblems(fields, $("#agreement-problems"));
  $("#agreement-submit").textContent = opened ? "Save changes" : "Create agreement";
  $("#agreement-editor").hidden = false;
}

/** Submit the open form: POST or PATCH (changed fields, If-Match). */
export async function submitAgreement(ctx) {
  if (!editor) return;
  const { fields, opened } = editor;
  const summary = $("#agreement-problems");
  const { values, problems } = readValues(fields);
  $("#agreement-stale").replaceChildren();
  if (problems.length) {
    showProblems(fields, summary, problems);
    return;
  }
  upper(values);
  const button = $("#agreement-submit");
  button.disabled = true;
  try {
    if (opened) {
      const body = changedValues(values, opened);
      if (!Object.keys(body).length) {
        showProblems(fields, summary, [{ loc: [], msg: "Nothing to save: no field differs from the stored agreement." }], "Nothing changed.");
        return;
      }
      const saved = await api.patch(`/v1/agreements/${encodeURIComponent(opened.id)}`, body, opened.version);
      toast(`Agreement ${saved.id} saved (version ${saved.version}).`);
    } else {
      const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== ""));
      const saved = await api.post("/v1/agreements", body);
      toast(`Agreement ${saved.id} created.`);
    }
    editor = null;
    go({ view: "agreements" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      showProblems(fields, summary, error.problem.errors?.length ? error.problem.errors : [{ loc: [], msg: error.message }]);
    } else if (error instanceof ApiError && error.status === 412 && opened) {
      const current = await api.get(`/v1/agreements/${encodeURIComponent(opened.id)}`);
      const notice = staleNotice({
        what: `agreement ${opened.id}`, opened, current, specs: AGREEMENT_SPECS,
        onReload: (fresh) => {
          const mine = changedValues(readValues(fields).values, editor.opened);
          editor.opened = fresh;
          setValues(fields, { ...upper(fresh), ...mine });
          $("#agreement-stale").replaceChildren();
          $("#agreement-form-title").textContent = `Edit agreement ${fresh.id} (version ${fresh.version})`;
          $("#agreement-form-title").focus();
        },
      });
      clearProblems(fields, summary);
      $("#agreement-stale").replaceChildren(notice);
      notice.focus();
      await renderAgreementsList(ctx, ctx.route());
    } else {
      ctx.handleError(error);
    }
  } finally {
    button.disabled = false;
  }
}

/** Close the form (the list stays). */
export function closeAgreementForm() {
  editor = null;
  $("#agreement-editor").hidden = true;
}
