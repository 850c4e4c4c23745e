// Review and close a proposed round (planner): the confirmation states what closing books (the
// confirmed proposals, their workers and benefit, per route) and what expires; the report of
// the close follows.

import { api, getAll } from "./api.js";
import { confirmAction } from "./dialog.js";
import { $, fmt, h, toast } from "./dom.js";

/** What closing would book, from the round's proposals as they are now. */
export function closingSummary(proposals) {
  const confirmed = proposals.filter((p) => p.status === "confirmed");
  const open = proposals.filter((p) => ["pending", "accepted_by_origin", "accepted_by_destination"].includes(p.status));
  const routes = new Map();
  for (const p of confirmed) {
    const key = `${p.origin} → ${p.destination} · ${p.cadre}`;
    const route = routes.get(key) || { key, proposals: 0, workers: 0, benefit: 0 };
    route.proposals += 1;
    route.workers += p.count;
    route.benefit += p.count * p.benefit_usd_per_worker;
    routes.set(key, route);
  }
  const workers = confirmed.reduce((sum, p) => sum + p.count, 0);
  const benefit = confirmed.reduce((sum, p) => sum + p.count * p.benefit_usd_per_worker, 0);
  return { confirmed: confirmed.length, workers, benefit, expire: open.length, routes: [...routes.values()] };
}

function summaryBody(round, s) {
  const parts = [
    h("p", { "data-testid": "close-books" },
      s.confirmed
        ? `Closing round ${round.id} books ${s.confirmed} confirmed proposal${s.confirmed === 1 ? "" : "s"}: `
          + `${fmt.int(s.workers)} worker${s.workers === 1 ? "" : "s"} and ${fmt.usd(s.benefit)} of benefit to the origins' health systems.`
        : `Closing round ${round.id} books nothing: no proposal is confirmed by both countries.`),
  ];
  if (s.routes.length) {
    parts.push(h("table", { class: "data compact" },
      h("caption", { class: "visually-hidden" }, "Confirmed proposals to be booked, by route"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Route"), h("th", { scope: "col", class: "num" }, "Proposals"),
        h("th", { scope: "col", class: "num" }, "Workers"), h("th", { scope: "col", class: "num" }, "Benefit"))),
      h("tbody", {}, s.routes.map((r) => h("tr", {}, h("th", { scope: "row" }, r.key), h("td", { class: "num" }, String(r.proposals)),
        h("td", { class: "num" }, fmt.int(r.workers)), h("td", { class: "num" }, fmt.usd(r.benefit)))))));
  }
  parts.push(h("p", { "data-testid": "close-expires" },
    `${s.expire} proposal${s.expire === 1 ? "" : "s"} still awaiting an answer will expire. `
    + "Booked workers reduce their postings' remaining, and each booking is a pair of ledger entries. This cannot be undone."));
  return parts;
}

/** Ask, then close; resolves to the close report (null when cancelled). */
export async function reviewAndClose(round) {
  const proposals = await getAll(`/v1/rounds/${round.id}/proposals`);
  const summary = closingSummary(proposals);
  const ok = await confirmAction({
    title: `Close round ${round.id}${round.name ? ` · ${round.name}` : ""}?`,
    body: summaryBody(round, summary),
    confirm: summary.confirmed ? `Close and book ${summary.confirmed}` : "Close round",
  });
  if (!ok) return null;
  const report = await api.post(`/v1/rounds/${round.id}/close`);
  toast(`Round ${round.id} closed: ${report.booked.length} booked, ${report.expired} expired.`);
  return report;
}

/** The close report of a closed round (from the close, or the round's `close_report`). */
export function renderCloseReport(report) {
  const panel = $("#close-report");
  if (!report) {
    panel.hidden = true;
    return;
  }
  const rejected = report.rejected_at_close || [];
  panel.replaceChildren(
    h("h3", {}, "Booked at close"),
    h("p", { "data-testid": "close-report" },
      `${(report.booked || []).length} proposals booked as ${fmt.int(report.ledger_entries)} ledger entries; `
      + `${fmt.int(report.expired)} expired; ${rejected.length} rejected because their postings changed.`),
    rejected.length
      ? h("ul", {}, rejected.map((r) => h("li", {}, `Proposal ${r.proposal_id} (${r.count} workers, ${r.deposit_id} → ${r.withdrawal_id}): ${r.reason}`)))
      : null,
  );
  panel.hidden = false;
}
