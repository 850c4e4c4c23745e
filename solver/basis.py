"""The legal basis of a match (MATCHING.md section 7): which rules made the relocation lawful.

Computed for an eligible pair (d, w) from the same facts as rules E7-E9 (`solver.eligibility`):

- ``origin_listed``: the origin is safeguard-listed at ``as_of``;
- ``g2g_agreement_id``: when E7 applied (relocation, origin listed, mode not ``off``), the active
  G2G agreement of (o, t, c) chosen like A* among those (highest benefit, ties by smallest id);
- ``positive_listed``: true when E8 applied (mode ``strict``) and held;
- ``recognition_agreement_id``: when E9 applied (relocation and ``requires_recognition``), the
  active recognition agreement of (o, t, c) chosen the same way.

A rule that did not apply gives null.  These can differ from the match's ``agreement_id`` (A*,
the agreement whose benefit counts): a G2G agreement may open a route another one pays more on.
"""

from __future__ import annotations

from collections.abc import Iterable

from solver.eligibility import Context
from solver.schema import Agreement, Basis, Deposit, Withdrawal


def best_agreement(agreements: Iterable[Agreement]) -> Agreement | None:
    """The agreement chosen like A*: highest ``benefit_usd_per_worker``, ties by smallest id."""
    return min(agreements, key=lambda a: (-a.benefit_usd_per_worker, a.id), default=None)


def legal_basis(ctx: Context, d: Deposit, w: Withdrawal) -> Basis:
    """The basis of a match on the eligible pair (d, w)."""
    o, t, c = d.country, w.country, w.cadre
    listed = ctx.listed.get(o, False)
    relocation = w.modality == "relocation"
    guarded = relocation and listed
    active = ctx.agreements_for(o, t, c)
    g2g: str | None = None
    if guarded and ctx.mode != "off":
        chosen = best_agreement(a for a in active if a.g2g)
        g2g = chosen.id if chosen else None
    positive: bool | None = None
    if guarded and ctx.mode == "strict":
        positive = ctx.positive_list.get((o, c), False)
    recognition: str | None = None
    if relocation and w.requires_recognition:
        chosen = best_agreement(a for a in active if a.recognition)
        recognition = chosen.id if chosen else None
    return Basis(
        origin_listed=listed,
        g2g_agreement_id=g2g,
        positive_listed=positive,
        recognition_agreement_id=recognition,
    )
