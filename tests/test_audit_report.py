"""The auditor's report: records in the period, gaps, the trail excerpt with inclusion proofs,
and the verification, as built, as rendered, and through `sohoa audit report`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from conftest import run_json, run_sohoa, store_original
from databases import archive_settings, copy_archive, drop_append_only
from sohoa.archive import checkpoints, keys, merkle, records
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Event
from sohoa.iso_procedures import links, registry, report


@pytest.fixture
def session(settings, engine, tmp_path):
    """Internal-audit records of 2023 and 2024 linked to QT-HT-02 (a plan and a report in 2024,
    a report in 2023), sealed."""
    with Session(engine) as session:
        registry.ensure_seeded(session)
        for number, (doc_type, dated, subject) in enumerate(
            [
                ("Kế hoạch", "2024-03", "Kế hoạch đánh giá nội bộ năm 2024"),
                ("Báo cáo", "2024-11-20", "Báo cáo kết quả đánh giá nội bộ năm 2024"),
                ("Báo cáo", "2023-11-02", "Báo cáo kết quả đánh giá nội bộ năm 2023"),
            ],
            start=1,
        ):
            metadata = {
                **records.empty_metadata(),
                "doc_type": doc_type,
                "date": dated,
                "subject": subject,
                "number": f"{number}/LHH",
            }
            source = tmp_path / f"hs-{number}.pdf"
            sha = store_original(settings, source, subject.encode())
            session.add(
                Document(
                    sha256=sha,
                    name=source.name,
                    size=1,
                    mime="application/pdf",
                    status="ingested",
                    record_metadata=metadata,
                )
            )
            session.flush()
            links.link(session, number, "QT-HT-02", actor="lan", source="manual", reason="ĐGNB")
        session.commit()
        checkpoints.seal_archive(settings, engine)
        yield session


def test_the_report_holds_the_period_s_records_and_the_missing_types(settings, session):
    built = report.build(
        session, settings, "qt-ht-02", date(2024, 1, 1), date(2024, 12, 31), "auditor"
    )
    assert [d.id for d, _, _ in built.records] == [1, 2]
    assert built.gaps == ["Quyết định", "Biên bản"]
    whole = report.build(session, settings, "QT-HT-02", None, None, "auditor")
    assert [d.id for d, _, _ in whole.records] == [3, 1, 2]  # by the records' dates
    march = report.build(session, settings, "QT-HT-02", date(2024, 3, 31), date(2024, 4, 1), "a")
    assert [d.id for d, _, _ in march.records] == [1]  # "2024-03" covers the whole month


def test_every_excerpted_event_carries_a_proof_that_checks_against_the_signed_root(
    settings, session
):
    built = report.build(session, settings, "QT-HT-02", None, None, "auditor")
    assert built.verification.ok
    actions = [e.action for e in built.events]
    assert actions.count("procedure.linked") == 3 and actions[0] == "procedure.added"
    size, root = built.checkpoint.tree_size, bytes.fromhex(built.checkpoint.root)
    for event in built.events:
        assert event.included is True
        proof = [bytes.fromhex(h) for h in event.proof]
        merkle.check_inclusion(bytes.fromhex(event.leaf_hash), event.seq - 1, size, proof, root)


def test_the_rendered_report_names_the_procedure_root_and_key(settings, session):
    built = report.build(session, settings, "QT-HT-02", date(2024, 1, 1), None, "auditor")
    page = report.render(built)
    assert "QT-HT-02 — Đánh giá nội bộ" in page
    assert built.verification.root in page
    assert keys.load_public(settings.keys_dir).fingerprint in page
    assert "Toàn vẹn" in page and "Quyết định, Biên bản" in page
    assert "Báo cáo kết quả đánh giá nội bộ năm 2024" in page
    assert "năm 2023" not in page.split("Trích nhật ký")[0]  # out of the period
    assert "<script" not in page


def test_a_report_on_a_tampered_archive_says_so(settings, engine, session):
    with engine.begin() as connection:
        drop_append_only(connection, "event")
        connection.execute(text("UPDATE event SET actor = 'x' WHERE action = 'procedure.linked'"))
    built = report.build(session, settings, "QT-HT-02", None, None, "auditor")
    assert not built.verification.ok
    page = report.render(built)
    assert "KHÔNG toàn vẹn" in page


def test_the_command_writes_the_report_and_records_that_it_did(sample_archive, tmp_path):
    home = tmp_path / "archive"
    copy_archive(sample_archive[0], home)
    written = tmp_path / "qt-ht-02.html"
    result = run_sohoa(
        home,
        "audit",
        "report",
        "QT-HT-02",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--out",
        str(written),
    )
    assert "QT-HT-02: 1 record(s), 3 missing type(s); the trail verifies" in result.stdout
    page = written.read_text(encoding="utf-8")
    assert "38/QĐ-LHH" in page and "Kế hoạch, Biên bản, Báo cáo" in page
    assert run_json(home, "trail", "verify")["ok"] is True
    with Session(open_database(archive_settings(home=home))) as session:
        event = session.exec(select(Event).where(Event.action == "audit.reported")).one()
    assert json.loads(event.details)["records"] == 1
    unknown = run_sohoa(home, "audit", "report", "QT-X", "--out", str(written), check=False)
    assert unknown.returncode == 1 and "no procedure QT-X" in unknown.stderr
    bad = run_sohoa(
        home, "audit", "report", "QT-HT-02", "--from", "2024", "--out", "x", check=False
    )
    assert bad.returncode == 1 and "--from is a day" in bad.stderr
