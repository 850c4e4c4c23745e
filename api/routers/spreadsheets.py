"""Spreadsheets: import deposits and withdrawals (CSV or XLSX, all rows or none), download the
import templates, export proposals, flows and ledgers as CSV or XLSX.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from api.deps import ActorDep, SessionDep
from api.idempotency import Idempotency, IdempotencyDep
from api.params import RoundFilter, RoundId, country_query
from api.problems import errors
from exchange.errors import NotFound
from exchange.spreadsheets import exports
from exchange.spreadsheets.columns import (
    LANGUAGES_SYNTAX,
    LIST_SYNTAX,
    POSTING_KINDS,
    PostingKind,
)
from exchange.spreadsheets.events_import import EventsImportResult, import_events
from exchange.spreadsheets.importing import import_postings
from exchange.spreadsheets.reading import FileFormat
from exchange.spreadsheets.schemas import ImportResult
from exchange.spreadsheets.templates import template
from exchange.spreadsheets.writing import MEDIA_TYPES, Table, render

router = APIRouter(prefix="/v1", tags=["spreadsheets"])

IMPORT_DOC = f"""Upload a CSV (``,`` or ``;`` separated, UTF-8) or XLSX file: a header row with
the template's column names, then one posting per row; an empty cell takes the field's default.
Lists: {LIST_SYNTAX}. Languages: {LANGUAGES_SYNTAX}.

A focal point imports for its own country (the ``country`` column may be left empty); an admin
names ``country`` or fills the column on every row. If any row is bad, nothing is imported and the
422 problem lists every problem as ``{{"loc": ["row", 7, "count"], "msg": ...}}`` (row numbers as in
the spreadsheet, the header being row 1); header problems are ``["header", column]``.
"""

Upload = Annotated[UploadFile, File(description="a .csv or .xlsx file")]
CountryQuery = Annotated[
    str | None, country_query("the country the rows are for (default: the focal point's own)")
]
FormatQuery = Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx")]
_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
        "description": "The file, as an attachment",
    }
}


def _import(
    kind: PostingKind | None,
    file: UploadFile,
    session: SessionDep,
    actor: ActorDep,
    country: str | None,
    idem: Idempotency,
) -> JSONResponse:
    """Import all rows or none; with an ``Idempotency-Key``, a retried upload of the same file
    (same bytes, name, kind and country) replays the first answer instead of importing again."""
    content = file.file.read()
    upload = {
        "sha256": hashlib.sha256(content).hexdigest(),
        "filename": file.filename,
        "kind": kind,
        "country": country,
    }
    replay = idem.replay_or_claim(upload)
    if replay is not None:
        return replay
    result = import_postings(
        session=session,
        actor=actor,
        content=content,
        filename=file.filename,
        kind=kind,
        country=country,
    )
    return idem.respond(201, result.model_dump(mode="json"), {})


def _import_route(kind: PostingKind) -> None:
    """``POST /v1/{kind}/import``: the import of one kind of posting."""

    def import_kind(
        file: Upload,
        session: SessionDep,
        actor: ActorDep,
        idem: IdempotencyDep,
        country: CountryQuery = None,
    ) -> JSONResponse:
        return _import(kind, file, session, actor, country, idem)

    router.add_api_route(
        f"/{kind}/import",
        import_kind,
        methods=["POST"],
        name=f"import_{kind}",
        status_code=201,
        response_model=ImportResult,
        responses=errors(401, 403, 404, 422),
        summary=f"Import {kind} from a CSV or XLSX file (all rows or none)",
        description=IMPORT_DOC,
        tags=[kind],
    )


for _kind in POSTING_KINDS:
    _import_route(_kind)


@router.post(
    "/postings/import",
    status_code=201,
    response_model=ImportResult,
    responses=errors(401, 403, 404, 422),
    summary="Import deposits or withdrawals; the kind is named or read from the sheet",
    description=IMPORT_DOC
    + "\nWithout ``kind``, an XLSX sheet named deposits/withdrawals or the columns decide.",
)
def import_any(
    file: Upload,
    session: SessionDep,
    actor: ActorDep,
    idem: IdempotencyDep,
    country: CountryQuery = None,
    kind: Annotated[PostingKind | None, Query()] = None,
) -> JSONResponse:
    return _import(kind, file, session, actor, country, idem)


def _attachment(content: bytes, filename: str, file_format: FileFormat) -> Response:
    return Response(
        content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


TEMPLATE_NAMES: dict[str, tuple[PostingKind, FileFormat]] = {
    f"{kind}.{fmt}": (kind, fmt) for kind in ("deposits", "withdrawals") for fmt in ("csv", "xlsx")
}


@router.get(
    "/templates/{name}",
    responses={**_FILE_RESPONSES, **errors(404)},
    summary="An empty import template: deposits.csv, deposits.xlsx, withdrawals.csv or "
    "withdrawals.xlsx (the XLSX has a help sheet); no token needed",
)
def get_template(name: str) -> Response:
    if name not in TEMPLATE_NAMES:
        raise NotFound(f"no template {name!r}; one of {', '.join(TEMPLATE_NAMES)}")
    kind, file_format = TEMPLATE_NAMES[name]
    return _attachment(template(kind, file_format), f"hrhx-{name}", file_format)


def _export(table: Table, stem: str, file_format: FileFormat) -> Response:
    return _attachment(render(table, file_format), f"{stem}.{file_format}", file_format)


@router.get(
    "/exports/rounds/{round_id}/proposals",
    responses={**_FILE_RESPONSES, **errors(401, 404)},
    summary="A round's proposals as CSV or XLSX (focal points: their own)",
)
def export_proposals(
    round_id: RoundId, session: SessionDep, actor: ActorDep, format: FormatQuery = "csv"
) -> Response:
    table = exports.proposals_table(session=session, actor=actor, round_id=round_id)
    return _export(table, f"hrhx-round-{round_id}-proposals", format)


@router.get(
    "/exports/flows",
    responses={**_FILE_RESPONSES, **errors(401, 404)},
    summary="Flows origin -> destination by cadre as CSV or XLSX (confirmed; with ?round=, "
    "that round's live proposals)",
)
def export_flows(
    session: SessionDep,
    actor: ActorDep,
    round: RoundFilter = None,
    format: FormatQuery = "csv",
) -> Response:
    table = exports.flows_table(session=session, actor=actor, round_id=round)
    stem = f"hrhx-round-{round}-flows" if round is not None else "hrhx-flows"
    return _export(table, stem, format)


@router.get(
    "/exports/ledger/{country}",
    responses={**_FILE_RESPONSES, **errors(401, 404)},
    summary="A country's ledger entries as CSV or XLSX (XLSX adds a balances sheet)",
)
def export_ledger(
    country: str, session: SessionDep, actor: ActorDep, format: FormatQuery = "csv"
) -> Response:
    table = exports.ledger_table(session=session, actor=actor, country=country)
    return _export(table, f"hrhx-ledger-{country.upper()}", format)


@router.post(
    "/placements/events/import",
    status_code=201,
    response_model=EventsImportResult,
    responses=errors(401, 403, 404, 422),
    summary="Record placement events from a CSV or XLSX file (all rows or none)",
    description="Columns `placement_id`, `kind` (contract_signed, departed, started, returned, "
    "ended, cancelled), `workers`, `month` (YYYY-MM) and optionally `note`; one row per event, "
    "checked in order against each placement's counts. Every bad row is named; nothing is "
    "recorded unless every row is right. Focal points of the origin or destination, planners.",
    tags=["placements"],
)
def import_placement_events(
    file: Upload, session: SessionDep, actor: ActorDep, idem: IdempotencyDep
) -> JSONResponse:
    content = file.file.read()
    upload = {"sha256": hashlib.sha256(content).hexdigest(), "filename": file.filename}
    replay = idem.replay_or_claim(upload)
    if replay is not None:
        return replay
    result = import_events(session=session, actor=actor, content=content, filename=file.filename)
    return idem.respond(201, result.model_dump(mode="json"), {})


@router.get(
    "/exports/placements",
    responses={**_FILE_RESPONSES, **errors(401, 422)},
    summary="Placements with their counts by stage as CSV or XLSX (focal points: their own)",
)
def export_placements(
    session: SessionDep,
    actor: ActorDep,
    country: Annotated[str | None, country_query("origin or destination")] = None,
    format: FormatQuery = "csv",
) -> Response:
    table = exports.placements_table(session=session, actor=actor, country=country)
    return _export(table, "hrhx-placements", format)
