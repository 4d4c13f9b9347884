"""The examples the OpenAPI description shows are real answers: each recorded example
(`api/examples.json`, made by `scripts/make_api_examples.py`) has the fields the same call
answers with today, and the description carries it on the operation's success answer."""

from __future__ import annotations

import sys

import pytest
from fastapi.testclient import TestClient

from conftest import REPO, api_client
from databases import archive_settings, copy_archive
from sohoa.api import examples
from sohoa.api.web import create_app

sys.path.insert(0, str(REPO / "scripts"))
from make_api_examples import CALLS  # noqa: E402  (a script, not a package)


@pytest.fixture(scope="module")
def app(sample_archive, tmp_path_factory):
    home = tmp_path_factory.mktemp("examples") / "archive"
    copy_archive(sample_archive[0], home)
    return create_app(archive_settings(home=home))


def fields(value) -> dict:
    """An answer's fields, and those of the first item of each of its lists of objects."""
    if isinstance(value, list):
        return {"[]": fields(value[0]) if value else {}}
    if not isinstance(value, dict):
        return {}
    shown = {}
    for key, item in value.items():
        if isinstance(item, list) and item and isinstance(item[0], dict):
            shown[key] = sorted(item[0])
        else:
            shown[key] = None
    return shown


def test_every_call_has_its_example():
    assert sorted(examples.recorded()) == sorted(f"{m} {t}" for _, m, t, _, _ in CALLS)


def test_each_example_has_the_fields_of_the_live_answer(app, sample_archive):
    plan = next(d["id"] for d in sample_archive[1]["documents"] if "ke-hoach" in d["name"])
    clients: dict[str, TestClient] = {}
    for role, method, template, path, body in CALLS:
        client = clients.setdefault(role, api_client(app, role))
        answer = client.request(method, path.format(plan=plan), json=body)
        assert answer.status_code < 300, (template, answer.text)
        recorded = examples.recorded()[f"{method} {template}"]
        assert fields(recorded) == fields(answer.json()), (
            f"{method} {template}: run make_api_examples"
        )


def test_the_description_shows_the_examples(app):
    described = TestClient(app).get("/openapi.json").json()
    search = described["paths"]["/api/search"]["get"]["responses"]["200"]["content"]
    assert search["application/json"]["example"]["query"] == "ke hoach so hoa"
    document = described["paths"]["/api/documents/{document_id}"]["get"]["responses"]["200"]
    assert "metadata" in document["content"]["application/json"]["example"]
