// A round's solve as it happens: the events stream (GET /v1/rounds/{id}/events, server-sent
// events) drawn as one row per objective tier with its incumbent, bound, gap and elapsed time.
// A finished round replays its stored events, so the same view explains a past solve.

import { stream } from "./api.js";
import { $, fmt, h } from "./dom.js";

export const TIERS = [
  ["priority_fill", "1. Priority fill", "priority × workers placed"],
  ["min_fill_permille", "2. Worst destination's fill", "‰ of positions filled"],
  ["benefit_usd", "3. Benefit", "US dollars to origins"],
  ["tie_break", "4. Tie-break", "training months and preferences"],
];

let watching = null; // {roundId, controller}

/** Stop watching (another round or view). */
export function stopWatching() {
  watching?.controller.abort();
  watching = null;
}

function tierRow([tier, label, unit]) {
  return h("tr", { "data-tier": tier, class: "tier-waiting" },
    h("th", { scope: "row" }, label, h("span", { class: "hint" }, unit)),
    h("td", { class: "num", "data-testid": "incumbent" }, "–"),
    h("td", { class: "num", "data-testid": "bound" }, "–"),
    h("td", {}, h("div", { class: "meter", "aria-hidden": "true" }, h("span", { class: "meter-fill" })),
      h("span", { class: "small muted", "data-testid": "tier-state" }, "waiting")),
    h("td", { class: "num", "data-testid": "elapsed" }, "–"));
}

function showEvent(event, status) {
  if (event.kind !== "progress" || !event.tier) {
    if (event.message) $("#progress-log").append(h("li", {}, `${fmt.date(event.created_at)}: ${event.message}`));
    return;
  }
  const index = TIERS.findIndex(([tier]) => tier === event.tier);
  const rows = $("#progress-table").tBodies[0].rows;
  for (let i = 0; i < index; i += 1) {
    if (rows[i].classList.contains("tier-waiting")) rows[i].className = "tier-done";
  }
  const row = rows[index];
  if (!row) return;
  const proven = event.bound !== null && event.incumbent === event.bound;
  const ratio = event.bound ? Math.min(1, Math.abs(event.incumbent / event.bound)) : proven ? 1 : 0;
  row.className = proven ? "tier-done" : "tier-active";
  row.querySelector("[data-testid=incumbent]").textContent = fmt.int(event.incumbent);
  row.querySelector("[data-testid=bound]").textContent = event.bound === null ? "–" : fmt.int(event.bound);
  row.querySelector(".meter-fill").style.width = `${Math.round(ratio * 100)}%`;
  row.querySelector("[data-testid=tier-state]").textContent = proven
    ? "proven optimal"
    : event.bound ? `gap ${fmt.pct(1 - ratio)}` : "searching";
  row.querySelector("[data-testid=elapsed]").textContent = fmt.seconds(event.elapsed_s);
  $("#progress-status").textContent = `${status === "running" ? "Solving" : "Solved"}: ${TIERS[index][1]}, ${fmt.seconds(event.elapsed_s)} elapsed.`;
}

/**
 * Watch a round: draw its progress from the stream until the server ends it, then call
 * `onEnd(status)`. Watching another round stops this one.
 */
export function watchRound(round, { onEnd, onError }) {
  if (watching?.roundId === round.id && round.status === "running") return;
  stopWatching();
  const controller = new AbortController();
  watching = { roundId: round.id, controller };
  $("#progress-panel").hidden = false;
  $("#progress-panel").dataset.state = "streaming";
  $("#progress-table").tBodies[0].replaceChildren(...TIERS.map(tierRow));
  $("#progress-log").replaceChildren();
  $("#progress-status").textContent = round.status === "running" ? "Waiting for the solver…" : "Reading the solve's record…";
  let seen = 0;
  let lastElapsed = null;
  stream(`/v1/rounds/${round.id}/events`, (kind, data) => {
    if (kind === "end") {
      $("#progress-panel").dataset.state = data.status;
      const rows = [...$("#progress-table").tBodies[0].rows];
      const proven = rows.filter((row) => row.querySelector("[data-testid=tier-state]").textContent === "proven optimal").length;
      const how = proven === rows.length
        ? "every tier proven optimal"
        : `${proven} of ${rows.length} tiers proven optimal; the best matching found is kept`;
      $("#progress-status").textContent = seen
        ? `Solver finished in ${fmt.seconds(lastElapsed)}: ${how}. Round ${fmt.status(data.status)}.`
        : `No solver progress was recorded. Round ${fmt.status(data.status)}.`;
      for (const row of rows) {
        if (row.classList.contains("tier-active")) row.className = "tier-done";
      }
      if (watching?.controller === controller) watching = null;
      onEnd(data.status);
      return;
    }
    seen += 1;
    if (data.elapsed_s !== null && data.elapsed_s !== undefined) lastElapsed = data.elapsed_s;
    showEvent(data, round.status);
  }, controller.signal).catch((error) => {
    if (error.name !== "AbortError") onError(error);
  });
}
