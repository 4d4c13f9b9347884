"""The procedure registry, rule-based and manual links, and their events."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from conftest import api_client
from sohoa.api.web import create_app
from sohoa.archive import checkpoints, records
from sohoa.archive.models import Document, Event, Procedure, ProcedureLink
from sohoa.iso_procedures import links, registry
from sohoa.iso_procedures.links import LinkError
from sohoa.iso_procedures.registry import ProcedureError, ProcedureSpec, UnknownProcedure
from sohoa.iso_procedures.rules import rule_links

DESIGN_SIX = {
    "QT-HT-01": ("Kiểm soát thông tin dạng văn bản", ["7.5"]),
    "QT-HT-02": ("Đánh giá nội bộ", ["9.2"]),
    "QT-HT-03": ("Xem xét của lãnh đạo", ["9.3"]),
    "QT-HT-04": ("Sự không phù hợp và hành động khắc phục", ["8.7", "10.2"]),
    "QT-HT-05": ("Rủi ro và cơ hội", ["6.1"]),
    "QT-HT-06": ("Khiếu nại và sự thỏa mãn của khách hàng", ["9.1.2"]),
}


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        registry.ensure_seeded(session)
        for number in (1, 2):
            session.add(
                Document(
                    sha256=f"{number:064x}",
                    name=f"bao-cao-{number}.pdf",
                    size=1,
                    mime="application/pdf",
                    status="ingested",
                    record_metadata={**records.empty_metadata(), "doc_type": "Báo cáo"},
                )
            )
        session.commit()
        yield session


def _events(session, action):
    rows = session.exec(select(Event).where(Event.action == action).order_by(Event.seq))
    return [(e.actor, e.object_id, json.loads(e.details)) for e in rows]


def test_a_new_archive_is_seeded_with_the_six_usual_procedures_each_an_event(session):
    seeded = {p.code: (p.title, p.clauses) for p in registry.current(session)}
    assert seeded == DESIGN_SIX
    assert all(p.record_types and p.owner and p.retention_years for p in registry.current(session))
    added = _events(session, "procedure.added")
    assert [d["code"] for _, _, d in added] == sorted(DESIGN_SIX)
    assert {actor for actor, _, _ in added} == {registry.SEED_ACTOR}
    assert registry.ensure_seeded(session) == 0  # never twice


def test_a_revision_is_a_new_version_and_the_old_one_stays_readable_as_obsolete(session):
    new = registry.revise(
        session, "qt-ht-02", {"owner": "Phó Chủ tịch", "retention_years": None}, "lan", "Lần 2"
    )
    session.commit()
    assert (new.version, new.status, new.owner, new.retention_years) == (
        2,
        "current",
        "Phó Chủ tịch",
        None,
    )
    old = registry.get(session, "QT-HT-02", version=1)
    assert (old.status, old.owner, old.retention_years) == ("obsolete", "Ban ISO", 10)
    assert old.superseded is not None
    assert registry.get(session, "QT-HT-02").version == 2
    [(actor, _, details)] = _events(session, "procedure.revised")
    assert actor == "lan" and details["obsoletes"] == 1 and details["reason"] == "Lần 2"
    assert details["changes"] == {
        "owner": {"old": "Ban ISO", "new": "Phó Chủ tịch"},
        "retention_years": {"old": 10, "new": None},
    }


@pytest.mark.parametrize(
    ("changes", "reason", "message"),
    [
        ({"owner": "Ban ISO"}, "x", "nothing would change"),
        ({"code": "QT-X"}, "x", "cannot change code"),
        ({"owner": "A"}, " ", "say why"),
        ({"clauses": ["chín"]}, "x", "not an ISO clause"),
        ({"record_types": ["thư tình"]}, "x", "unknown document type"),
        ({"retention_years": 0}, "x", "retention is 1-200 years"),
    ],
)
def test_a_bad_revision_is_refused_and_nothing_changes(session, changes, reason, message):
    with pytest.raises(ProcedureError, match=message):
        registry.revise(session, "QT-HT-02", changes, "lan", reason)
    session.rollback()
    assert [p.version for p in registry.versions(session, "QT-HT-02")] == [1]


def test_adding_checks_the_code_and_refuses_a_second_procedure_of_the_same_code(session):
    added = registry.add(
        session,
        ProcedureSpec(" qt-ht-07 ", "Đào tạo", ["7.2"], "Văn phòng", ["ke hoach"], ["tập huấn"]),
        "lan",
    )
    assert (added.code, added.version, added.record_types) == ("QT-HT-07", 1, ["Kế hoạch"])
    with pytest.raises(ProcedureError, match="exists already"):
        registry.add(session, ProcedureSpec("QT-HT-07", "Khác"), "lan")
    with pytest.raises(ProcedureError, match="not a procedure code"):
        registry.add(session, ProcedureSpec("quy trình 7", "Khác"), "lan")
    with pytest.raises(UnknownProcedure):
        registry.get(session, "QT-HT-99")


def test_a_retired_procedure_keeps_its_records_and_takes_no_new_ones(session):
    links.link(session, 1, "QT-HT-06", actor="lan", source="manual", reason="phản ánh")
    registry.retire(session, "QT-HT-06", "lan", "gộp vào QT-HT-04")
    session.commit()
    assert registry.get(session, "QT-HT-06").status == "retired"
    assert "QT-HT-06" not in {p.code for p in registry.current(session)}
    assert [link.code for link in links.links_of(session, 1)] == ["QT-HT-06"]
    with pytest.raises(ProcedureError, match="QT-HT-06 is retired"):
        links.link(session, 2, "QT-HT-06", actor="lan", source="manual", reason="x")


def test_rules_link_a_required_type_that_names_a_keyword_with_or_without_diacritics(session):
    procedures = registry.current(session)
    about = {"doc_type": "Báo cáo", "subject": "KET QUA DANH GIA NOI BO NAM 2024"}
    assert rule_links(procedures, about, "") == [("QT-HT-02", "Báo cáo về “đánh giá nội bộ”")]
    in_text = {"doc_type": "Biên bản", "subject": ""}
    page = "BIÊN BẢN\nHọp xem xét của lãnh đạo về hệ thống quản lý chất lượng"
    assert [code for code, _ in rule_links(procedures, in_text, page)] == ["QT-HT-03"]
    # a type the procedure does not require, no type, a keyword inside a longer word: no link
    assert rule_links(procedures, {**about, "doc_type": "Giấy mời"}, "") == []
    assert rule_links(procedures, {**about, "doc_type": ""}, "") == []
    near = {"doc_type": "Báo cáo", "subject": "Công tác đánh giá nội bộộ"}
    assert rule_links(procedures, near, "") == []


def test_a_link_and_an_unlink_are_events_and_the_codes_follow_in_the_metadata(session):
    made = links.link(session, 1, "qt-ht-04", actor="lan", source="manual", reason="Phiếu CAR")
    again = links.link(session, 1, "QT-HT-04", actor="lan", source="manual", reason="again")
    session.commit()
    assert made.code == "QT-HT-04" and again is None
    assert session.get(Document, 1).record_metadata["procedures"] == ["QT-HT-04"]
    assert records.metadata_of(session.get(Document, 1))["procedures"] == ["QT-HT-04"]
    records.correct(session, session.get(Document, 1), "place", "Bắc Giang", "lan")
    session.commit()
    assert session.get(Document, 1).record_metadata["procedures"] == ["QT-HT-04"]  # kept
    links.unlink(session, 1, "QT-HT-04", actor="minh", reason="nhầm hồ sơ")
    session.commit()
    assert session.get(Document, 1).record_metadata["procedures"] == []
    assert session.exec(select(ProcedureLink)).all() == []
    assert _events(session, "procedure.linked") == [
        ("lan", 1, {"code": "QT-HT-04", "version": 1, "source": "manual", "reason": "Phiếu CAR"})
    ]
    assert _events(session, "procedure.unlinked") == [
        (
            "minh",
            1,
            {"code": "QT-HT-04", "version": 1, "linked_by": "manual", "reason": "nhầm hồ sơ"},
        )
    ]


@pytest.mark.parametrize(
    ("document_id", "code", "reason", "error", "message"),
    [
        (9, "QT-HT-01", "x", LinkError, "no document with id 9"),
        (1, "QT-HT-99", "x", ProcedureError, "no procedure QT-HT-99"),
        (1, "QT-HT-01", "  ", LinkError, "say why"),
    ],
)
def test_a_bad_link_is_refused_with_the_reason(session, document_id, code, reason, error, message):
    with pytest.raises(error, match=message):
        links.link(session, document_id, code, actor="lan", source="manual", reason=reason)


def test_unlinking_what_is_not_linked_is_refused(session):
    with pytest.raises(LinkError, match="is not linked to QT-HT-01"):
        links.unlink(session, 1, "QT-HT-01", actor="lan", reason="x")


def test_the_api_manages_procedures_and_links_and_seals_each_change(settings, engine, session):
    app = create_app(settings)
    admin = api_client(app, "admin", "lan")
    client = api_client(app, "archivist", "minh")
    listed = client.get("/api/procedures").json()
    assert [p["code"] for p in listed] == sorted(DESIGN_SIX)
    spec = {"code": "QT-HT-07", "title": "Đào tạo", "clauses": ["7.2"], "retention_years": 5}
    assert admin.post("/api/procedures", json=spec).status_code == 201
    revised = admin.post(
        "/api/procedures/QT-HT-07/revisions",
        json={"reason": "bổ sung", "changes": {"owner": "Văn phòng"}},
    )
    assert revised.json()["version"] == 2
    shown = client.get("/api/procedures/QT-HT-07").json()
    assert [v["status"] for v in shown["versions"]] == ["current", "obsolete"]
    assert client.get("/api/procedures/QT-HT-07", params={"version": 1}).json()["owner"] == ""
    linked = client.post(
        "/api/documents/2/procedures", json={"code": "QT-HT-07", "reason": "tập huấn"}
    )
    assert linked.json() == {"document_id": 2, "procedures": ["QT-HT-07"]}
    assert client.get("/api/procedures/QT-HT-07").json()["documents"][0]["id"] == 2
    unlinked = client.delete("/api/documents/2/procedures/QT-HT-07", params={"reason": "nhầm"})
    assert unlinked.json()["procedures"] == []
    retired = admin.post("/api/procedures/QT-HT-07/retire", json={"reason": "bỏ"})
    assert retired.json()["status"] == "retired"
    missing = client.get("/api/procedures/QT-XX")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    refused = client.post("/api/documents/2/procedures", json={"code": "QT-HT-07", "reason": "x"})
    assert refused.status_code == 422 and "retired" in refused.json()["error"]["message"]
    with Session(engine) as fresh:
        count = len(fresh.exec(select(Event)).all())
        assert checkpoints.latest(fresh).tree_size == count
        assert len(fresh.exec(select(Procedure).where(Procedure.code == "QT-HT-07")).all()) == 2
