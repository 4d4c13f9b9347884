"""The HTTP API against its own OpenAPI description, fuzzed by Schemathesis: for every operation,
generated requests (valid and not) never make a server error, every status and body the API
answers is one it documents, and refusals have the `{"error": {"code", "message"}}` shape.

Runs as an admin over a throwaway archive (the fuzz adds users and procedures to it).
Schema-valid requests the archive's own rules refuse (a procedure code that is not like QT-HT-02,
a query that only leaves words out) are answered 422 or 400 as documented; Schemathesis's
`positive_data_acceptance` check, which expects every schema-valid request to succeed, is left
out for that reason.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from sqlmodel import Session

from sohoa.api.web import create_app
from sohoa.archive import users
from sohoa.archive.settings import Settings

# Schemathesis reads the schema when the module is collected (its fixture-based loader does not
# work with pytest 9), so the app is made then, over an archive removed when the tests end.
_HOME = tempfile.TemporaryDirectory(prefix="sohoa-openapi-")
api_app = create_app(Settings(home=Path(_HOME.name)))
with Session(api_app.state.engine) as _session:
    users.add_user(_session, "fuzz-admin", "admin", "mật khẩu thử nghiệm", "test")
    _session.commit()
schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {_fresh_token(api_app)}"},
        excluded_checks=[positive_data_acceptance],
    )


def test_refusals_have_the_error_shape():
    from fastapi.testclient import TestClient

    client = TestClient(api_app, headers={"Authorization": f"Bearer {_fresh_token(api_app)}"})
    for response, status in [
        (client.get("/api/documents/9223372036854775808"), 422),
        (client.post("/api/users", content=b"{not json", headers=JSON), 422),
        (client.request("OPTIONS", "/api/users"), 405),
    ]:
        assert response.status_code == status, response.text
        assert set(response.json()["error"]) == {"code", "message"}
    assert client.request("OPTIONS", "/api/users").headers["allow"] == "GET, POST"


JSON = {"content-type": "application/json"}


def _fresh_token(app) -> str:
    """A token for the fuzzing admin, issued for each request: the fuzz may revoke tokens, change
    roles or deactivate users, its own included."""
    with Session(app.state.engine) as session:
        admin = users.find(session, "fuzz-admin")
        admin.active, admin.role = True, "admin"
        session.add(admin)
        token = users.issue_token(session, admin, "fuzz", "test")
        session.commit()
    return token
