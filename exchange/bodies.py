"""Base classes of request bodies: JSON types taken as they are, and ``null`` on creation.

Every body a client sends (deposits, withdrawals, agreements, workforce facts, rounds, countries,
users, proposal answers) derives from ``RequestBody``: pydantic's strict mode, so an integer comes
only from a JSON integer (not ``true``, ``"5"`` or ``5.5``), a boolean only from ``true`` or
``false`` and a string only from a string; and unknown fields are refused. A body that creates
something derives from ``CreationBody`` as well: a field given as ``null`` is treated as absent, so
its MATCHING.md default applies (a required field given as ``null`` is "Field required"). Edits
(PATCH) keep their own rule: ``null`` resets a field to its default (see docs/decisions.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict, Strict, model_validator
from sqlmodel import SQLModel

FROM_TEXT = Strict(strict=False)
"""The one exception to the strict types, for enum and date-time fields: JSON can only send
them as text (``"what_if"``, ``"2027-01-31T12:00:00Z"``), which strict mode would refuse.
Written ``Annotated[RoundKind, FROM_TEXT]``."""


class RequestBody(SQLModel):
    """A JSON body: strict JSON types, unknown fields refused.

    ``FIXED`` names fields the object has but an edit may not change, each with what to do
    instead: sent in an edit, they are refused with that message rather than as unknown fields.
    """

    model_config = ConfigDict(extra="forbid", strict=True)  # type: ignore[assignment]
    FIXED: ClassVar[dict[str, str]] = {}


class CreationBody(RequestBody):
    """A JSON body that creates something: a known field given as ``null`` is absent (an unknown
    one is still refused, ``null`` or not)."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = cls.model_fields
            return {k: v for k, v in data.items() if v is not None or k not in known}
        return data
