"""Examples in the API's OpenAPI description: real answers of the API over the bundled samples,
recorded by `scripts/make_api_examples.py` into `examples.json` and put on each operation's
success response when the description is made (routes give examples of their refusals only).

`tests/test_api_examples.py` keeps them true: every example must have the fields the live
answer has.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI

EXAMPLES = Path(__file__).with_name("examples.json")


@cache
def recorded() -> dict[str, Any]:
    """`"METHOD /path/{template}"` → the answer recorded for it."""
    return json.loads(EXAMPLES.read_text(encoding="utf-8"))


def install(app: FastAPI) -> None:
    """Make the app's OpenAPI description carry the recorded examples."""
    made_by_fastapi = app.openapi

    def described() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = made_by_fastapi()  # made once, then kept on the app
        if fresh:
            for operation, example in recorded().items():
                method, path = operation.split(" ", 1)
                found = schema["paths"].get(path, {}).get(method.lower())
                if found is not None:
                    _set_example(found, example)
        return schema

    app.openapi = described


def _set_example(operation: dict[str, Any], example: Any) -> None:
    """On the operation's success answer (200, 201 or 202), as JSON."""
    for status in ("200", "201", "202"):
        answer = operation.get("responses", {}).get(status)
        if answer is not None:
            content = answer.setdefault("content", {}).setdefault("application/json", {})
            content["example"] = example
            return
