"""RFC 9457 problem details: the one place where domain exceptions become HTTP responses.

Services raise ``ExchangeError`` subclasses (exchange/errors.py); request validation raises
FastAPI's ``RequestValidationError``; unknown routes raise Starlette's ``HTTPException``. Each is
rendered here as ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and,
for validation problems, ``errors: [{loc, msg}]`` listing every problem at once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.bodies import is_body_route
from api.limits import UNMETERED_PATHS
from api.params import CADRE_PATTERN, COUNTRY_PATTERN
from exchange.errors import (
    Conflict,
    ExchangeError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    TooMany,
    Unauthorized,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://hrhx.org/problems/"


IF_MATCH_REQUIRED = "If-Match: <version> is required (see the ETag of a GET)"
"""The problem of a conditional write (PATCH, DELETE) sent without ``If-Match``."""


PATTERN_MEANINGS = {
    COUNTRY_PATTERN: "must be an ISO 3166-1 alpha-3 country code (3 letters)",
    CADRE_PATTERN: "must be an ISCO-08 unit group code (4 digits)",
}
"""What a parameter of ``api.params`` must look like, said instead of its regular expression."""


STATUS_OF: dict[type[ExchangeError], tuple[int, str]] = {
    InvalidInput: (422, "invalid-input"),
    NotFound: (404, "not-found"),
    Forbidden: (403, "forbidden"),
    Unauthorized: (401, "unauthorized"),
    Conflict: (409, "conflict"),
    PreconditionFailed: (412, "precondition-failed"),
    TooMany: (429, "too-many-requests"),
}


_REQUEST_PARTS = ("body", "query", "path", "header", "row")


def _in_body_route(request: Request) -> bool:
    return is_body_route(getattr(request.scope.get("route"), "endpoint", None))


def _under_body(loc: Collection[str | int]) -> list[str | int]:
    parts = list(loc)
    return parts if parts and parts[0] in _REQUEST_PARTS else ["body", *parts]


class ValidationProblem(BaseModel):
    """One validation problem: where in the request and what is wrong."""

    loc: list[str | int]
    msg: str


class ProblemDetails(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ValidationProblem] | None = None


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _status_of(exc: ExchangeError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400, "bad-request"


async def _exchange_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ExchangeError)
    status, slug = _status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooMany):
        headers["Retry-After"] = str(exc.retry_after_s)
    errors = None
    detail = exc.detail
    if isinstance(exc, PreconditionRequired):
        return _precondition_required(request, exc)
    if isinstance(exc, InvalidInput):
        if not _in_body_route(request):
            errors = [{"loc": list(p.loc), "msg": p.msg} for p in exc.problems]
        else:  # the body's problems, located under ``body`` as FastAPI's own are
            errors = [{"loc": _under_body(p.loc), "msg": p.msg} for p in exc.problems]
            detail = _summary(errors)
    return problem_response(
        status,
        slug,
        exc.title,
        detail,
        instance=request.url.path,
        errors=errors,
        headers=headers or None,
    )


def _summary(errors: list[dict[str, Any]]) -> str:
    """``N problem(s): loc: msg; ...`` for the ``detail`` of a validation problem."""
    listed = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    return f"{len(errors)} problem(s): {listed}"


def _if_match_missing(error: dict[str, Any]) -> bool:
    return error.get("type") == "missing" and tuple(error.get("loc", ())) == ("header", "if-match")


def _msg(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    if _if_match_missing(error):
        return IF_MATCH_REQUIRED
    if error.get("type") == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        if pattern in PATTERN_MEANINGS:
            return PATTERN_MEANINGS[pattern]
    if error.get("type") == "json_invalid":
        where = error.get("loc", ())[1:]
        reason = (error.get("ctx") or {}).get("error", "invalid")
        return f"malformed JSON at character {where[0]}: {reason}" if where else "malformed JSON"
    return str(error.get("msg", "invalid"))


def _loc(error: dict[str, Any]) -> list[Any]:
    """Where a problem is; a JSON syntax error is the body's, not a 'field' named by its offset."""
    loc = list(error.get("loc", ()))
    return loc[:1] if error.get("type") == "json_invalid" else loc


def _not_json(request: Request, raw: Sequence[Any]) -> str | None:
    """The media type of a body refused whole because it was not sent as JSON, else None."""
    if not any(tuple(e.get("loc", ())) == ("body",) for e in raw):
        return None
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json") or media.startswith("multipart/"):
        return None
    return media or "none"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if (media := _not_json(request, raw)) is not None:  # RFC 9110 15.5.16
        return problem_response(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"the body must be JSON sent with Content-Type: application/json (got {media})",
            instance=request.url.path,
            headers={"Accept": "application/json"},
        )
    errors = [{"loc": _loc(e), "msg": _msg(e)} for e in raw]
    missing_if_match = sum(1 for e in raw if _if_match_missing(e))
    if missing_if_match and missing_if_match == len(errors):  # the one problem: RFC 6585's 428
        return _if_match_required(request)
    return _invalid(request, errors)


def _invalid(request: Request, errors: list[dict[str, Any]]) -> JSONResponse:
    return problem_response(
        422,
        "invalid-input",
        "Invalid input",
        _summary(errors),
        instance=request.url.path,
        errors=errors,
    )


def _if_match_required(request: Request) -> JSONResponse:
    return problem_response(
        428,
        "precondition-required",
        "Precondition required",
        IF_MATCH_REQUIRED,
        instance=request.url.path,
    )


def _precondition_required(request: Request, exc: PreconditionRequired) -> JSONResponse:
    """RFC 6585's 428 when the missing ``If-Match`` is the request's one problem; else a 422
    listing it with the body's problems, which the service found without reaching the object."""
    if not exc.problems:
        return _if_match_required(request)
    header = {"loc": ["header", "if-match"], "msg": IF_MATCH_REQUIRED}
    return _invalid(
        request, [header, *({"loc": _under_body(p.loc), "msg": p.msg} for p in exc.problems)]
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request", 413: "Too large"}
    title = titles.get(exc.status_code, "HTTP error")
    slug = title.lower().replace(" ", "-")
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(
        exc.status_code,
        slug,
        title,
        detail,
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error of ``app`` as problem details (and document them so)."""
    app.add_exception_handler(ExchangeError, _exchange_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _overflow)
    _document_problems(app)


async def _overflow(request: Request, exc: Exception) -> JSONResponse:
    # SQLite's driver refuses integers beyond 64 bits (an id or ``?round=`` of 2**64): a 422, as
    # for any other input out of range, not a 500
    return problem_response(
        422,
        "invalid-input",
        "Invalid input",
        "a number in the request is out of range (at most 2**63 - 1)",
        instance=request.url.path,
        errors=[{"loc": ["request"], "msg": "number out of range"}],
    )


HTTP_METHODS = frozenset({"get", "head", "options", "post", "put", "patch", "delete"})
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def _app_wide_errors(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The errors an operation may meet outside its route, which no route declares.

    413: a body over ``HRHX_MAX_BODY_BYTES`` (``api.limits``), on any write; 400: a body the
    framework cannot parse (nested too deeply, a broken multipart form), on operations that take
    one; 415: a JSON body sent as another media type; 429: the per-caller rate limit
    (``api.limits``), on every path it meters.
    """
    statuses: dict[str, Any] = {}
    if method in WRITE_METHODS:
        statuses["413"] = {"description": _DESCRIPTIONS[413]}
    if "requestBody" in operation:
        statuses["400"] = {"description": _DESCRIPTIONS[400]}
        if "application/json" in operation["requestBody"].get("content", {}):
            statuses["415"] = {"description": _DESCRIPTIONS[415]}
    if path not in UNMETERED_PATHS:
        retry_after = {"description": "Seconds to wait", "schema": {"type": "integer"}}
        statuses["429"] = {
            "description": _DESCRIPTIONS[429],
            "headers": {"Retry-After": retry_after},
        }
    return statuses


def _if_match_required_in_docs(operation: dict[str, Any]) -> None:
    """A PATCH reads ``If-Match`` as optional so that a missing one reaches the service with the
    body (``api.deps.get_edit_if_match``), yet it is required: the document says so."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == "if-match":
            parameter["required"] = True
            schema = parameter.setdefault("schema", {})
            schema.pop("anyOf", None)
            schema["type"] = "string"


def _document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the API sends: every error response is
    ``application/problem+json`` with the ProblemDetails schema, including the 422 that FastAPI
    documents by itself (as ``application/json`` HTTPValidationError, which no route sends), and
    the errors of the request limits and body parsing that apply to every route.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ProblemDetails" not in components:
            model = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model.pop("$defs", {}))
            components["ProblemDetails"] = model
        problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                if method == "patch":
                    _if_match_required_in_docs(operation)
                responses = operation.setdefault("responses", {})
                for status, added in _app_wide_errors(path, method, operation).items():
                    responses.setdefault(status, added)
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = dict(problem)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_DESCRIPTIONS = {
    400: "The body could not be parsed (for instance JSON nested too deeply)",
    401: "No bearer token, or an unknown one",
    403: "The caller's role lacks the right",
    404: "No such object (or the caller may not learn that it exists)",
    409: "Conflicts with the object's current state",
    412: "The If-Match version is stale",
    413: "The body is larger than the server accepts (HRHX_MAX_BODY_BYTES)",
    415: "The body was not sent as JSON (Content-Type: application/json)",
    422: "Invalid input: every problem is listed in `errors`",
    428: "If-Match is required",
    429: "Too many requests from this caller: retry after `Retry-After` seconds",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting the problem details a route may answer with."""
    return {
        status: {
            "model": ProblemDetails,
            "description": _DESCRIPTIONS.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


READ = (401, 403, 404)
WRITE = (401, 403, 404, 409, 422)
