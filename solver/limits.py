"""How large a round the solver takes on, and the error it raises beyond that.

The model's columns are the eligible class pairs (a deposit class x a withdrawal class of one
cadre); memory and time grow with them: about 0.7 KB each at the peak (3.2 GB for 5 million with
a 60 s time limit, which it kept, answering FEASIBLE; 1.6 GB for the 2.2 million of an
all-distinct L round frozen by the exchange). Postings that differ in some attribute never
merge, so a round of tens of thousands of such postings of one cadre has hundreds of millions of
class pairs to check and, when many are eligible, would exhaust the machine's memory long before
its time limit.
``enumerate_pairs`` therefore refuses, with ``RoundTooLarge`` and a message that says what to do:

- before evaluating anything, a round with more than ``MAX_CLASS_PAIRS_CONSIDERED`` class pairs
  of the same cadre to check (the compiled check, on both cores, takes about 14 ns a pair on
  a 2-core host: a billion are some 14 s);
- as soon as more than ``max_class_pairs`` (default ``MAX_CLASS_PAIRS``) are eligible.

Both are counts, not clocks: the same round always gets the same answer.
"""

from __future__ import annotations

MAX_CLASS_PAIRS = 5_000_000
"""Default cap on a round's eligible class pairs (about 3.3 GB at the peak)."""

MAX_CLASS_PAIRS_CONSIDERED = 1_000_000_000
"""Cap on the class pairs of the same cadre whose eligibility is checked.  Hard XL rounds
(100,000 postings that seldom merge, `fixtures.hard`) have 493.0-501.6 million of them (seeds
0-29); at 500 million, the cap until the thirty-third session, seeds 22, 23 and 27 were refused
before any check, though their 501.6 million took 6.7 s to check (docs/benchmarks-solver.md)."""


class RoundTooLarge(Exception):
    """The round cannot be solved within the solver's limits; the message says why and how to
    narrow it."""

    @classmethod
    def past(cls, limit: str, deposit_classes: int, withdrawal_classes: int) -> RoundTooLarge:
        """The error for a round past ``limit`` (which limit, and by how much), with what a
        class is, how many the round has and what to do."""
        return cls(
            f"{limit} (postings alike in every attribute form a class; this round has"
            f" {deposit_classes:,} deposit and {withdrawal_classes:,} withdrawal classes);"
            " narrow the round with countries or cadres"
        )
