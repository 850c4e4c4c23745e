// A proposal's legal basis (MATCHING.md section 7) in plain words, and the reasons a country may
// give for declining a proposal (API.md, "Governance"). Pure functions: no DOM.

/** The reasons a decline may carry, with the words shown for each. */
export const DECLINE_REASONS = [
  ["conditions", "Conditions of the position"],
  ["timing", "Timing"],
  ["language", "Language"],
  ["benefit", "Benefit to the origin"],
  ["capacity", "Capacity to receive or release"],
  ["other", "Other"],
];

const REASON_WORDS = Object.fromEntries(DECLINE_REASONS);

/** The words of a decline reason code (the code itself when unknown). */
export function reasonWords(code) {
  return REASON_WORDS[code] || code || "";
}

/**
 * The legal basis as a list of plain phrases: "origin on the WHO safeguards list", "opened by
 * G2G agreement X", "cadre on the origin's positive list", "qualification recognised under
 * agreement Y". A basis with nothing to say (no rule applied) is "origin not on the WHO
 * safeguards list"; no basis at all is an empty list.
 */
export function basisPhrases(basis) {
  if (!basis) return [];
  const phrases = [];
  if (basis.origin_listed === true) phrases.push("origin on the WHO safeguards list");
  else if (basis.origin_listed === false) phrases.push("origin not on the WHO safeguards list");
  if (basis.g2g_agreement_id) phrases.push(`opened by G2G agreement ${basis.g2g_agreement_id}`);
  if (basis.positive_listed === true) phrases.push("cadre on the origin's positive list");
  if (basis.recognition_agreement_id) {
    phrases.push(`qualification recognised under agreement ${basis.recognition_agreement_id}`);
  }
  return phrases;
}

/** The legal basis as one sentence part, phrases joined by "; " ("–" when none). */
export function basisText(basis) {
  const phrases = basisPhrases(basis);
  return phrases.length ? phrases.join("; ") : "–";
}

/** Proposals by status (`{status: count}` of GET /v1/rounds/{id}) as "3 pending · 1 declined". */
export function statusCounts(counts) {
  const order = ["pending", "accepted_by_origin", "accepted_by_destination", "confirmed", "declined", "expired",
    "rejected_at_close"];
  const keys = Object.keys(counts || {}).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || a.localeCompare(b);
  });
  return keys.filter((k) => counts[k]).map((k) => `${counts[k]} ${k.replaceAll("_", " ")}`).join(" · ");
}
