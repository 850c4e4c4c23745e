"""The server's configured limits written into its OpenAPI document.

The page size's maximum is a setting (``HRHX_MAX_PAGE_SIZE``), so it cannot be a constant of the
``limit`` parameter's declaration; `document_page_size` adds it to every ``limit`` query
parameter of the generated document, so that generated clients and fuzzers stay within it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def document_page_size(app: FastAPI, max_page_size: int) -> None:
    """Make ``app.openapi()`` state ``maximum: max_page_size`` on every ``limit`` parameter."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for parameter in operation.get("parameters", []):
                        if parameter.get("in") == "query" and parameter.get("name") == "limit":
                            parameter.setdefault("schema", {})["maximum"] = max_page_size
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
