"""A posting body as sent: the service names exactly the fields that are wrong, whatever mix of
type, name and meaning problems the body has, and writes nothing unless there is none."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from exchange.audit.appending import queued_events
from exchange.audit.tables import AuditEvent
from exchange.errors import InvalidInput
from exchange.postings.schemas import DepositBase, DepositUpdate, WithdrawalBase, WithdrawalUpdate
from exchange.postings.service import DEPOSITS, WITHDRAWALS, PostingService
from exchange.reference.validation import parse_model
from tests.exchange.factories import ADMIN, deposit_payload, seed_reference, withdrawal_payload

# field -> wrong values of every sort: JSON type (FastAPI used to find those), meaning (the rules)
WRONG: dict[str, list[Any]] = {
    "cadre": ["9999", 2221],
    "count": ["many", 0, True],
    "country": ["XXX", None],
}
DEPOSIT_WRONG = {**WRONG, "available_from": ["2026-13", 202612], "modalities": [["teleport"]]}
WITHDRAWAL_WRONG = {**WRONG, "start_to": ["June", None], "priority": [9, "high"]}
KINDS = {
    "deposit": (DEPOSITS, deposit_payload, DEPOSIT_WRONG),
    "withdrawal": (WITHDRAWALS, withdrawal_payload, WITHDRAWAL_WRONG),
}


def _rows(session: Session, service: PostingService[Any]) -> tuple[int, int]:
    postings = session.exec(select(func.count()).select_from(service.table)).one()
    audits = session.exec(select(func.count()).select_from(AuditEvent)).one()
    return int(postings), int(audits) + len(queued_events(session))  # chained at commit


@pytest.fixture
def ref(session: Session) -> Session:
    seed_reference(session)
    return session


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_problems_name_exactly_the_wrong_fields_and_nothing_is_written(
    ref: Session, kind: str, data: st.DataObject
) -> None:
    service, valid, wrong_values = KINDS[kind]
    wrong = data.draw(st.sets(st.sampled_from(sorted(wrong_values))), label="wrong fields")
    body = valid()
    for name in sorted(wrong):
        body[name] = data.draw(st.sampled_from(wrong_values[name]), label=name)
    unknown = data.draw(st.booleans(), label="unknown field")
    if unknown:
        body["colour"] = "blue"
    before = _rows(ref, service)
    if not wrong and not unknown:
        posting = service.create(session=ref, actor=ADMIN, data=body)
        assert posting.country == body["country"]
        assert _rows(ref, service) == (before[0] + 1, before[1] + 1)
        return
    with pytest.raises(InvalidInput) as caught:
        service.create(session=ref, actor=ADMIN, data=body)
    named = {p.loc[0] for p in caught.value.problems}
    assert named == wrong | ({"colour"} if unknown else set())
    assert _rows(ref, service) == before


@pytest.mark.parametrize(
    ("base", "update"), [(DepositBase, DepositUpdate), (WithdrawalBase, WithdrawalUpdate)]
)
def test_a_patch_body_has_every_field_of_its_kind_but_the_country(
    base: type[Any], update: type[Any]
) -> None:
    assert set(update.model_fields) == set(base.model_fields) - {"country"}
    assert all(not f.is_required() and f.default is None for f in update.model_fields.values())
    problems: list[Any] = []
    assert parse_model(update, {"country": "DEU", "count": "many"}, problems) is None
    assert {p.loc: p.msg for p in problems} == {
        ("country",): "cannot be changed: withdraw this posting and post one for the other country",
        ("count",): "Input should be a valid integer",
    }
