"""Schemathesis against ``/openapi.json``: every operation, as each role, derandomized.

Shared by the CI test (tests/reliability/test_fuzz.py, a few examples per operation) and the long
run (bench/fuzz_api.py, 200+ per operation). A failure is a server error (5xx), a response body
that does not match its documented schema, or a content type that is not documented.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from api.app import create_app
from exchange.config import Settings
from exchange.db import make_engine
from exchange.migrate import upgrade
from tests.api.conftest import Api, seed

ROLES = {"admin": "admin", "planner": "planner", "focal_point": "phl", "viewer": "viewer"}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@dataclass
class FuzzReport:
    examples: int = 0
    operations: int = 0
    runs: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "operations": self.operations,
            "runs (operation x role)": self.runs,
            "seconds": round(self.seconds, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": self.failures,
        }


CREDENTIAL_PATHS = ("/v1/me/token", "/v1/users/{user_id}/")
"""Operations that change the fuzzers' own credentials."""


def fuzz_app(tmp: Path) -> tuple[Any, dict[str, str]]:
    """The app on a fresh SQLite file with the reference rows, one user per role and one
    proposed round (so that some ids exist); no rate limit. Returns the app and the tokens."""
    from tests.reliability.conftest import build_world

    url = f"sqlite:///{(tmp / 'fuzz.sqlite3').as_posix()}"
    upgrade(url)
    engine = make_engine(url)
    tokens = seed(engine)
    app = create_app(Settings(rate_limit_per_minute=0), engine=engine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with TestClient(app) as client:
        build_world(Api(client=client, tokens=tokens, engine=engine))
    return app, tokens


def run_fuzz(tmp: Path, *, max_examples: int, roles: dict[str, str] | None = None) -> FuzzReport:
    """Fuzz every operation as every role; failures are collected, not raised."""
    app, tokens = fuzz_app(tmp)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    report = FuzzReport()
    started = time.monotonic()
    operations = [op.ok() for op in schema.get_all_operations()]
    report.operations = len(operations)
    # operations that revoke users or replace tokens would lock the later roles out: they run
    # last, after every role has run the others
    last = [op for op in operations if op.path.startswith(CREDENTIAL_PATHS)]
    first = [op for op in operations if not op.path.startswith(CREDENTIAL_PATHS)]
    for phase, role, user in [
        (ops, role, user) for ops in (first, last) for role, user in (roles or ROLES).items()
    ]:
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        for operation in phase:
            report.runs += 1
            name = f"{operation.method.upper()} {operation.path} as {role}"

            def make_check(headers: dict[str, str], operation: Any = operation) -> Any:
                @given(case=operation.as_strategy())
                @hypothesis.settings(
                    max_examples=max_examples,
                    derandomize=True,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                )
                def check(case: Any) -> None:
                    response = case.call(headers=headers)
                    report.examples += 1
                    report.statuses[response.status_code] += 1
                    case.validate_response(response, checks=CHECKS, headers=headers)

                return check

            try:
                make_check(headers)()
            except (Exception, BaseExceptionGroup) as exc:  # a failed check: fuzz on
                first = str(exc).strip().splitlines()
                report.failures.append(f"{name}: {' / '.join(first[:6])[:600]}")
    report.seconds = time.monotonic() - started
    return report
