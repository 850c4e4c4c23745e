"""Request bodies that reach the service as sent, so that the service validates them once.

A route declares its body as ``Annotated[dict[str, Any], documented_as(Model)]``: FastAPI only
checks that the body is a JSON object (anything else is refused at ``["body"]``, as before) and
documents it as ``Model`` in OpenAPI (the same ``#/components/schemas/Model`` clients saw when
FastAPI parsed it); the service parses it with ``Model`` and reports every problem at once, its
types and its meaning together, as one ``InvalidInput``. The problem handler only renders that
error (``api.problems``), locating the problems of a route marked ``body_route`` under ``body``.

Every route with a body works this way: rounds and users too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, PlainValidator
from pydantic_core import PydanticCustomError

F = TypeVar("F", bound=Callable[..., Any])
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


def body_route(route: F) -> F:
    """Mark a route whose ``InvalidInput`` problems are its body's (rendered under ``body``)."""
    setattr(route, _BODY_ROUTE, True)
    return route


def is_body_route(endpoint: object) -> bool:
    """Whether ``endpoint`` was marked with ``body_route``."""
    return bool(getattr(endpoint, _BODY_ROUTE, False))
