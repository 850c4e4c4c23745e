// The decline dialog: a country declines a proposal and may say why (a reason code of API.md,
// "Governance") with a note. The body of POST /v1/proposals/{id}/decline is built here.

import { $, h } from "./dom.js";
import { DECLINE_REASONS } from "./basis.js";

/** The request body of a decline: only what was given. */
export function declineBody(reason, note) {
  const body = {};
  if (reason) body.reason = reason;
  if (note && note.trim()) body.note = note.trim();
  return body;
}

/**
 * Ask for the reason and note of declining `proposal` (`describe`: the words naming it);
 * resolves the request body, or null when cancelled (Escape or Cancel).
 */
export function askDecline(proposal, describe) {
  const dialog = $("#decline-dialog");
  const reason = $("#decline-reason");
  const note = $("#decline-note");
  $("#decline-title").textContent = `Decline proposal ${proposal.id}?`;
  $("#decline-what").textContent = `${describe}. A declined pair is not proposed again in this round.`;
  reason.replaceChildren(
    h("option", { value: "" }, "Not said"),
    ...DECLINE_REASONS.map(([code, words]) => h("option", { value: code }, words)),
  );
  note.value = "";
  const ok = $("#decline-ok");
  return new Promise((resolve) => {
    const done = (value) => {
      ok.removeEventListener("click", onOk);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onOk = () => done(declineBody(reason.value, note.value));
    const onClose = () => done(null);
    ok.addEventListener("click", onOk);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    reason.focus();
  });
}
