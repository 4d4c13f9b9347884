#!/usr/bin/env python3
"""Record the HTTP API's answers over the bundled samples as the examples its OpenAPI
description shows (`api/examples.json`, read by `api/examples.py`).

The samples are ingested into a temporary archive, each operation below is called as a user of
the role that may call it, and each answer is kept, trimmed (long text cut, long lists shortened)
so the description stays small. `tests/test_api_examples.py` checks that every example still has
the fields the live answer has: run this again when an object gains or loses a field.

Usage::

    .venv/bin/python scripts/make_api_examples.py [--out api/examples.json]

Takes about a minute (the OCR of the six sample pages).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from sohoa.api.web import create_app
from sohoa.archive import users
from sohoa.archive.settings import Settings
from sohoa.ingest.pipeline import Ingester

REPO = Path(__file__).resolve().parent.parent
LONGEST_TEXT = 160  # characters of a string kept
LONGEST_LIST = 2  # items of a list kept

# (role, method, path template, the path to call, body); the document is the plan (2 pages).
CALLS = [
    ("staff", "GET", "/api/me", "/api/me", None),
    ("staff", "GET", "/api/documents", "/api/documents?limit=2", None),
    ("staff", "GET", "/api/documents/{document_id}", "/api/documents/{plan}", None),
    (
        "staff",
        "GET",
        "/api/documents/{document_id}/pages/{number}",
        "/api/documents/{plan}/pages/1",
        None,
    ),
    (
        "staff",
        "GET",
        "/api/documents/{document_id}/pages/{number}/matches",
        "/api/documents/{plan}/pages/1/matches?q=ke+hoach",
        None,
    ),
    ("staff", "GET", "/api/search", "/api/search?q=ke+hoach+so+hoa&limit=2", None),
    (
        "staff",
        "GET",
        "/api/documents/{document_id}/similar",
        "/api/documents/{plan}/similar?limit=2",
        None,
    ),
    ("staff", "GET", "/api/procedures", "/api/procedures", None),
    ("staff", "GET", "/api/procedures/{code}", "/api/procedures/QT-HT-01", None),
    ("archivist", "GET", "/api/batches", "/api/batches", None),
    ("archivist", "GET", "/api/batches/{batch_id}", "/api/batches/1", None),
    ("archivist", "GET", "/api/review", "/api/review?limit=1", None),
    (
        "archivist",
        "PATCH",
        "/api/documents/{document_id}/metadata",
        "/api/documents/{plan}/metadata",
        {"place": "Bắc Giang"},
    ),
    ("admin", "GET", "/api/users", "/api/users", None),
    ("auditor", "GET", "/api/trail", "/api/trail?limit=2", None),
    ("auditor", "POST", "/api/trail/verify", "/api/trail/verify", {"originals": False}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "api" / "examples.json")
    out = parser.parse_args().out
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sohoa-examples-") as home:
        settings = Settings(home=Path(home))
        app = create_app(settings)
        samples = str(REPO / "samples")
        ingester = Ingester(settings, app.state.engine, app.state.index, workers=2)
        report = ingester.run([samples], shown_as={samples: "samples"})
        plan = next(f.document_id for f in report.files if "ke-hoach" in f.name)
        clients = {role: _client(app, role) for role in users.ROLES}
        examples = {}
        for role, method, template, path, body in CALLS:
            answer = clients[role].request(method, path.format(plan=plan), json=body)
            if answer.status_code >= 300:
                sys.exit(f"{method} {path}: {answer.status_code} {answer.text}")
            examples[f"{method} {template}"] = trimmed(answer.json())
    out.write_text(json.dumps(examples, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(examples)} examples to {out} in {time.monotonic() - started:.0f} s")


def _client(app, role: str) -> TestClient:
    with Session(app.state.engine) as session:
        user = users.add_user(session, f"vi-du-{role}", role, "mật khẩu ví dụ dài", "examples")
        token = users.issue_token(session, user, "examples", "examples")
        session.commit()
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def trimmed(value):
    """The value with long strings cut and long lists shortened, all the way down."""
    if isinstance(value, dict):
        return {key: trimmed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [trimmed(item) for item in value[:LONGEST_LIST]]
    if isinstance(value, str) and len(value) > LONGEST_TEXT:
        return value[:LONGEST_TEXT] + "…"
    return value


if __name__ == "__main__":
    main()
