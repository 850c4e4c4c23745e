// Hash routes: every view and every round has its own URL (`#/rounds/12?country=PHL`), so a link
// can be shared, bookmarked, and the browser's Back button works.
//
//   #/rounds[/ID]                     rounds overview (a round's numbers, progress, close)
//   #/rounds/new                      a planner's new round
//   #/agreements[/new|/ID]            agreements, a new one, one to edit
//   #/postings[/new/KIND|/KIND/ID]    postings (a focal point's own), a new one, one to edit
//   #/workforce                       a country's workforce facts
//   #/compare[/A[/B]]                 a what-if from round A, and A compared with round B
//   #/countries[/YYYY-MM]             countries and their safeguard status at a month
//   #/indicators[?from=&to=]          WHO monitoring indicators and placements over a period
//
// The query keeps the filter that applies to every view: `country` (and the indicators' period).

export const VIEWS = ["rounds", "new-round", "agreements", "postings", "workforce", "compare", "countries", "indicators"];

/** The current route: `{view, id, kind, mode, country}`, with `other` (compare), `month` (countries), `from` and `to` (indicators). */
export function parse(hash = location.hash) {
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  const country = (params.get("country") || "").toUpperCase() || null;
  const [head, a, b] = parts;
  const route = { view: "rounds", id: null, kind: null, mode: null, country };
  if (head === "rounds" && a === "new") return { ...route, view: "new-round" };
  if (head === "rounds") return { ...route, id: a ? Number(a) : null };
  if (head === "agreements") {
    return { ...route, view: "agreements", mode: a === "new" ? "new" : a ? "edit" : null, id: a && a !== "new" ? a : null };
  }
  if (head === "postings") {
    if (a === "new") return { ...route, view: "postings", mode: "new", kind: b || "withdrawals" };
    if (a && b) return { ...route, view: "postings", mode: "edit", kind: a, id: b };
    return { ...route, view: "postings" };
  }
  if (head === "workforce") return { ...route, view: "workforce" };
  if (head === "compare") return { ...route, view: "compare", id: a ? Number(a) : null, other: b ? Number(b) : null };
  if (head === "countries") return { ...route, view: "countries", month: a || null };
  if (head === "indicators") {
    return { ...route, view: "indicators", from: params.get("from") || null, to: params.get("to") || null };
  }
  return route;
}

/** The hash of a route: `href({view: "rounds", id: 3})` is `#/rounds/3`, with the country kept. */
export function href(route, current = parse()) {
  const country = route.country === undefined ? current.country : route.country;
  const paths = {
    rounds: ["rounds", route.id],
    "new-round": ["rounds", "new"],
    agreements: ["agreements", route.mode === "new" ? "new" : route.id],
    postings: route.mode === "new" ? ["postings", "new", route.kind] : ["postings", route.kind, route.id],
    workforce: ["workforce"],
    compare: ["compare", route.id, route.id ? route.other : null],
    countries: ["countries", route.month],
    indicators: ["indicators"],
  };
  const path = (paths[route.view] || ["rounds"])
    .filter((x) => x !== null && x !== undefined && x !== "")
    .map((x) => encodeURIComponent(String(x)))
    .join("/");
  const query = new URLSearchParams();
  if (route.view === "indicators" && route.from) query.set("from", route.from);
  if (route.view === "indicators" && route.to) query.set("to", route.to);
  if (country) query.set("country", country);
  return `#/${path}${query.size ? `?${query}` : ""}`;
}

/** Go to a route (a new history entry, so Back returns). The page is marked not loaded at
 * once: the URL changes now but the hashchange handler that redraws runs later, and until it
 * does the previous drawing must not pass for the new route's. */
export function go(route) {
  const target = href(route);
  document.body.dataset.loaded = "false";
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}
