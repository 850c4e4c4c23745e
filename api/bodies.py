"""Request bodies that reach the service as sent, so that the service validates them once.

A route declares its body as ``Annotated[dict[str, Any], documented_as(Model)]``: FastAPI only
checks that the body is a JSON object (anything else is refused at ``["body"]``, as before) and
documents it as ``Model`` in OpenAPI (the same ``#/components/schemas/Model`` clients saw when
FastAPI parsed it); the service parses it with ``Model`` and reports every problem at once, its
types and its meaning together, as one ``InvalidInput``. The problem handler only renders that
error (``api.problems``), locating the problems of a route marked ``body_route`` under ``body``.

``checks_body`` gives the same answer for routes whose service still takes a parsed model
(rounds, users): it parses the body in the route and, when that fails, adds the service's
meaning checks of the rest of the body, run with the request's own session, before raising.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

from pydantic import BaseModel, PlainValidator
from pydantic_core import PydanticCustomError
from sqlmodel import Session

from exchange.errors import InvalidInput, Problem
from exchange.reference.validation import failed_locs, parse_model

F = TypeVar("F", bound=Callable[..., Any])
BodyCheck = Callable[..., list[Problem]]
"""A service's meaning checks of a body: ``check(session=, data=, skip=) -> problems``."""
_BODY_ROUTE = "__hrhx_body_route__"


def _json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "model_attributes_type", "Input should be a valid dictionary or object"
        )
    return value


def documented_as(model: type[BaseModel]) -> PlainValidator:
    """The metadata of ``Annotated[dict[str, Any], documented_as(Model)]``: a JSON object body,
    documented as ``Model`` and passed on unparsed."""
    return PlainValidator(_json_object, json_schema_input_type=model)


def json_object(model: type[BaseModel]) -> Any:
    """``Annotated[dict[str, Any], documented_as(model)]``, built at run time."""
    return Annotated[dict[str, Any], documented_as(model)]


def body_route(route: F) -> F:
    """Mark a route whose ``InvalidInput`` problems are its body's (rendered under ``body``)."""
    setattr(route, _BODY_ROUTE, True)
    return route


def is_body_route(endpoint: object) -> bool:
    """Whether ``endpoint`` was marked with ``body_route``."""
    return bool(getattr(endpoint, _BODY_ROUTE, False))


def _session_parameter(hints: dict[str, Any]) -> str:
    for name, hint in hints.items():
        if get_origin(hint) is Annotated and get_args(hint)[0] is Session:
            return name
    raise TypeError("checks_body needs a route with a SessionDep parameter")


def _model_parameter(hints: dict[str, Any]) -> tuple[str, type[BaseModel]]:
    for name, hint in hints.items():
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            return name, hint
    raise TypeError("checks_body needs a route with a body typed by a pydantic model")


def checks_body(check: BodyCheck) -> Callable[[F], F]:
    """Parse the route's body model in the route, reporting the type and name problems of the body
    with ``check``'s meaning problems of the rest of it (one answer names them all).

    For routes whose service takes a parsed model (rounds, users); a service that takes the body
    as sent (``documented_as``) validates it alone, and its route needs only ``body_route``.
    """

    def wrap(route: F) -> F:
        hints = get_type_hints(route, include_extras=True)
        body_name, model = _model_parameter(hints)
        session_name = _session_parameter(hints)
        signature = inspect.signature(route)
        parameters = [
            p.replace(annotation=json_object(model) if p.name == body_name else hints[p.name])
            for p in signature.parameters.values()
        ]

        @functools.wraps(route)
        def endpoint(**kwargs: Any) -> Any:
            raw = kwargs[body_name]
            problems: list[Problem] = []
            parsed = parse_model(model, raw, problems)
            if parsed is None:
                skip = failed_locs(problems)
                problems += check(session=kwargs[session_name], data=raw, skip=skip)
                raise InvalidInput(problems)
            return route(**{**kwargs, body_name: parsed})

        endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=parameters, return_annotation=hints.get("return", Any)
        )
        del endpoint.__wrapped__  # FastAPI reads the signature above, not the route's
        return body_route(endpoint)  # type: ignore[return-value]

    return wrap
