// A modal confirmation (the page's one <dialog>): focus is trapped while it is open, Escape
// cancels, and the promise says whether the person confirmed.

import { $, h } from "./dom.js";

/** Ask before an action that cannot be undone; resolves true when confirmed. */
export function confirmAction({ title, body, confirm, danger = false }) {
  const dialog = $("#confirm-dialog");
  $("#confirm-title").textContent = title;
  $("#confirm-body").replaceChildren(...[body].flat().map((part) => (typeof part === "string" ? h("p", {}, part) : part)));
  const ok = $("#confirm-ok");
  ok.textContent = confirm;
  ok.className = `btn ${danger ? "btn-danger" : "btn-primary"}`;
  return new Promise((resolve) => {
    const done = (value) => {
      ok.removeEventListener("click", onOk);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onOk = () => done(true);
    const onClose = () => done(false);
    ok.addEventListener("click", onOk);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    $("#confirm-cancel").focus();
  });
}
