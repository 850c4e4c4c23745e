// Postings: a focal point's own deposits and withdrawals (everyone else's list, with the country
// filter), with status and remaining; the form to post, edit (If-Match: the version it was
// opened on; a stale edit is explained field by field) and withdraw one.

import { api, ApiError, getAll } from "./api.js";
import { confirmAction } from "./dialog.js";
import { $, fillTable, fmt, h, pill, toast } from "./dom.js";
import { buildFields, changedValues, clearProblems, readValues, setValues, showProblems } from "./forms.js";
import { go, href } from "./router.js";
import { staleNotice } from "./stale.js";

const KINDS = {
  deposits: { one: "deposit", title: "Deposit", unit: "workers" },
  withdrawals: { one: "withdrawal", title: "Withdrawal", unit: "positions" },
};

const cadreOptions = (ctx) => [["", "Choose a cadre"], ...[...ctx.state.cadres].map(([code, name]) => [code, `${code} ${name}`])];

/** The fields of a deposit or a withdrawal, with MATCHING.md's defaults in the hints. */
export function postingSpecs(kind, ctx) {
  const country = ctx.isFocal() ? [] : [{ name: "country", label: "Country", type: "text", required: true,
    placeholder: "ISO3, e.g. PHL", hint: "The country that posts it (ISO 3166 alpha-3). It cannot change later." }];
  if (kind === "deposits") {
    return [
      ...country,
      { name: "cadre", label: "Cadre", type: "select", options: cadreOptions(ctx), required: true,
        hint: "The ISCO-08 occupation of the workers you offer." },
      { name: "count", label: "Workers", type: "int", required: true, hint: "How many interchangeable workers you offer (1 or more)." },
      { name: "available_from", label: "Available from", type: "month", required: true, hint: "First month they can start (YYYY-MM)." },
      { name: "available_to", label: "Available until", type: "month", required: true, hint: "Last month they can start (YYYY-MM)." },
      { name: "modalities", label: "Modalities", type: "list", placeholder: "relocation; remote",
        hint: "relocation, remote, or both (separated by ;). Empty: relocation." },
      { name: "max_duration_months", label: "Longest stay (months)", type: "int", hint: "Empty: any duration." },
      { name: "languages", label: "Languages", type: "levels", placeholder: "en:B2; tl:C2", wide: true,
        hint: "Each language the workers speak with its CEFR level (A1..C2)." },
      { name: "min_benefit_usd_per_worker", label: "Minimum benefit (USD per worker)", type: "int",
        hint: "The least your health system must receive per worker placed. Empty: 0." },
      { name: "excluded_destinations", label: "Excluded destinations", type: "list", upper: true, placeholder: "ISO3; ISO3",
        hint: "Countries the workers must never be sent to." },
      { name: "preferred_destinations", label: "Preferred destinations", type: "list", upper: true, placeholder: "ISO3; ISO3",
        hint: "Used only to break ties between equally good matches." },
      { name: "notes", label: "Notes", type: "textarea", wide: true, hint: "For people; the matching ignores it." },
    ];
  }
  return [
    ...country,
    { name: "cadre", label: "Cadre", type: "select", options: cadreOptions(ctx), required: true,
      hint: "The ISCO-08 occupation of the positions you need filled." },
    { name: "count", label: "Positions", type: "int", required: true, hint: "How many positions to fill (1 or more)." },
    { name: "priority", label: "Priority", type: "int", hint: "1 (default) to 5: the matching fills higher priorities first." },
    { name: "start_from", label: "Start from", type: "month", required: true, hint: "Earliest start month (YYYY-MM)." },
    { name: "start_to", label: "Start until", type: "month", required: true, hint: "Latest start month (YYYY-MM)." },
    { name: "modality", label: "Modality", type: "select", options: [["relocation", "relocation"], ["remote", "remote"]],
      hint: "Relocation: the worker moves to your country. Remote: works from home." },
    { name: "duration_months", label: "Duration (months)", type: "int", hint: "Length of the contract. Empty: 12." },
    { name: "required_languages", label: "Required languages", type: "levels", placeholder: "en:B2", wide: true,
      hint: "Languages and CEFR levels the job needs; your licensing languages are added for relocation." },
    { name: "language_training_months", label: "Language training you pay (months)", type: "int",
      hint: "Months of language training you fund to bridge a gap. Empty: 0." },
    { name: "benefit_usd_per_worker", label: "Benefit (USD per worker)", type: "int",
      hint: "What you invest in the origin's health system per worker (never wages or remittances). Empty: 0." },
    { name: "requires_recognition", label: "Needs recognition of qualifications", type: "bool",
      hint: "Only origins with a recognition agreement with you qualify (relocation)." },
    { name: "preferred_origins", label: "Preferred origins", type: "list", upper: true, placeholder: "ISO3; ISO3",
      hint: "Used only to break ties between equally good matches." },
    { name: "notes", label: "Notes", type: "textarea", wide: true, hint: "For people; the matching ignores it." },
  ];
}

// ------------------------------------------------------------------ the list

function postingRow(kind, p, ctx) {
  const info = KINDS[kind];
  const actions = [];
  if (ctx.canPost() && p.status === "open") {
    actions.push(h("a", { class: "btn btn-small", href: href({ view: "postings", mode: "edit", kind, id: p.id }),
      "aria-label": `Edit ${info.one} ${p.id}` }, "Edit"));
    const withdraw = h("button", { type: "button", class: "btn btn-small btn-decline",
      "aria-label": `Withdraw ${info.one} ${p.id}` }, "Withdraw");
    withdraw.addEventListener("click", () => withdrawPosting(kind, p, ctx));
    actions.push(withdraw);
  }
  const window = kind === "deposits" ? `${p.available_from} – ${p.available_to}` : `${p.start_from} – ${p.start_to}`;
  return h("tr", { "data-posting": p.id, "data-kind": kind },
    h("th", { scope: "row" }, h("code", {}, p.id)),
    h("td", {}, info.one),
    h("td", {}, h("abbr", { title: ctx.countryName(p.country) }, p.country)),
    h("td", {}, h("abbr", { title: ctx.cadreName(p.cadre) }, p.cadre)),
    h("td", { class: "num" }, fmt.int(p.count)),
    h("td", { class: "num", "data-testid": "remaining" }, fmt.int(p.remaining)),
    h("td", {}, pill(p.status, "posting-status")),
    h("td", {}, window),
    h("td", { class: "num" }, String(p.version)),
    h("td", {}, h("div", { class: "row-actions" }, actions)));
}

/** Draw the list of postings (a focal point's own; others filtered by the country filter). */
export async function renderPostingsList(ctx, route) {
  const status = $("#postings-status").value;
  const params = new URLSearchParams();
  if (status) params.set("status", status);
  if (!ctx.isFocal() && route.country) params.set("country", route.country);
  const query = params.toString() ? `?${params}` : "";
  const [deposits, withdrawals] = await Promise.all([
    getAll(`/v1/deposits${query}`),
    getAll(`/v1/withdrawals${query}`),
  ]);
  const rows = [
    ...withdrawals.map((p) => postingRow("withdrawals", p, ctx)),
    ...deposits.map((p) => postingRow("deposits", p, ctx)),
  ];
  const who = ctx.isFocal() ? ctx.countryName(ctx.state.me.country) : route.country ? ctx.countryName(route.country) : "every country";
  $("#postings-title").textContent = ctx.isFocal() ? "My postings" : "Postings";
  $("#postings-note").textContent = `${withdrawals.length} withdrawals and ${deposits.length} deposits of ${who}`
    + `${status ? ` with status ${status}` : ""}. Remaining is what rounds have not booked yet.`;
  $("#postings-actions").hidden = !ctx.canPost();
  fillTable($("#postings-table"), rows, "No postings here yet.");
}

async function withdrawPosting(kind, posting, ctx) {
  const info = KINDS[kind];
  const ok = await confirmAction({
    title: `Withdraw ${info.one} ${posting.id}?`,
    body: [`Its ${fmt.int(posting.remaining)} remaining ${info.unit} (${posting.cadre} ${ctx.cadreName(posting.cadre)}) leave the exchange: `
      + "no later round will match them. The posting stays on record with status withdrawn."],
    confirm: `Withdraw ${info.one}`,
    danger: true,
  });
  if (!ok) return;
  try {
    await api.del(`/v1/${kind}/${encodeURIComponent(posting.id)}`, posting.version);
    toast(`${info.title} ${posting.id} withdrawn.`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      toast(`${info.title} ${posting.id} changed meanwhile: nothing was withdrawn. Check it and try again.`, true);
    } else {
      ctx.handleError(error);
    }
  }
  await renderPostingsList(ctx, ctx.route()).catch(ctx.handleError);
}

// ------------------------------------------------------------------ the form

let editor = null; // {kind, specs, fields, opened}

/** Open the form: a new posting (`route.mode` "new") or an existing one to edit. */
export async function openPostingForm(ctx, route) {
  const kind = KINDS[route.kind] ? route.kind : "withdrawals";
  const info = KINDS[kind];
  const opened = route.mode === "edit" ? await api.get(`/v1/${kind}/${encodeURIComponent(route.id)}`) : null;
  // The country of a posting never changes: only an admin's new posting names it.
  const specs = postingSpecs(kind, ctx).filter((spec) => !(opened && spec.name === "country"));
  const { element, fields } = buildFields(specs);
  editor = { kind, specs, fields, opened };
  $("#posting-form-title").textContent = opened
    ? `Edit ${info.one} ${opened.id} (version ${opened.version})`
    : `Post a ${info.one}${ctx.isFocal() ? ` for ${ctx.countryName(ctx.state.me.country)}` : ""}`;
  $("#posting-form-note").textContent = opened
    ? `Status ${fmt.status(opened.status)}, ${fmt.int(opened.remaining)} of ${fmt.int(opened.count)} ${info.unit} remaining. `
      + "Saving sends the version you opened: if someone saved it meanwhile, nothing is overwritten and you see what changed."
    : `Fields marked * are required; the others take the exchange's defaults when left empty.`;
  $("#posting-fields").replaceChildren(element);
  setValues(editor.fields, opened || { modality: "relocation" });
  $("#posting-stale").replaceChildren();
  clearProblems(editor.fields, $("#posting-problems"));
  $("#posting-submit").textContent = opened ? "Save changes" : `Post ${info.one}`;
  $("#posting-editor").hidden = false;
}

/** Submit the open form: POST a new posting or PATCH the changed fields with If-Match. */
export async function submitPosting(ctx) {
  if (!editor) return;
  const { kind, fields, opened } = editor;
  const info = KINDS[kind];
  const summary = $("#posting-problems");
  const { values, problems } = readValues(fields);
  $("#posting-stale").replaceChildren();
  if (problems.length) {
    showProblems(fields, summary, problems);
    return;
  }
  const button = $("#posting-submit");
  button.disabled = true;
  try {
    let saved;
    if (opened) {
      const body = changedValues(values, opened);
      if (!Object.keys(body).length) {
        showProblems(fields, summary, [{ loc: [], msg: "Nothing to save: no field differs from the stored posting." }], "Nothing changed.");
        return;
      }
      saved = await api.patch(`/v1/${kind}/${encodeURIComponent(opened.id)}`, body, opened.version);
      toast(`${info.title} ${saved.id} saved (version ${saved.version}).`);
    } else {
      const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== ""));
      if (ctx.isFocal()) body.country = ctx.state.me.country;
      saved = await api.post(`/v1/${kind}`, body);
      toast(`${info.title} ${saved.id} posted: ${fmt.int(saved.count)} ${info.unit} of ${saved.cadre}.`);
    }
    clearProblems(fields, summary);
    editor = null;
    go({ view: "postings" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      showProblems(fields, summary, error.problem.errors?.length ? error.problem.errors : [{ loc: [], msg: error.message }]);
    } else if (error instanceof ApiError && error.status === 412 && opened) {
      await explainStale(ctx);
    } else {
      ctx.handleError(error);
    }
  } finally {
    button.disabled = false;
  }
}

async function explainStale(ctx) {
  const { kind, specs, opened } = editor;
  const current = await api.get(`/v1/${kind}/${encodeURIComponent(opened.id)}`);
  const extra = [
    { name: "status", label: "Status", was: opened.status, now: current.status },
    { name: "remaining", label: "Remaining", was: opened.remaining, now: current.remaining },
  ];
  const notice = staleNotice({
    what: `${KINDS[kind].one} ${opened.id}`, opened, current, specs, extra,
    onReload: (fresh) => {
      // The current version with this person's own changes on top of it.
      const mine = changedValues(readValues(editor.fields).values, editor.opened);
      editor.opened = fresh;
      setValues(editor.fields, { ...fresh, ...mine });
      $("#posting-stale").replaceChildren();
      $("#posting-form-title").textContent = `Edit ${KINDS[kind].one} ${fresh.id} (version ${fresh.version})`;
      toast(`Form reloaded from version ${fresh.version}.`);
      $("#posting-form-title").focus();
    },
  });
  clearProblems(editor.fields, $("#posting-problems"));
  $("#posting-stale").replaceChildren(notice);
  notice.focus();
  await renderPostingsList(ctx, ctx.route()); // the list shows the current version too
}

/** Close the form (the list stays). */
export function closePostingForm() {
  editor = null;
  $("#posting-editor").hidden = true;
}
