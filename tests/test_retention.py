"""Retention periods, the records past them, and disposal with a tombstone."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from conftest import run_json, run_sohoa, store_original
from databases import archive_settings, copy_archive
from sohoa.archive import checkpoints, keys, records, storage
from sohoa.archive.models import Disposal, Document, Event, Page
from sohoa.archive.verify import verify
from sohoa.iso_procedures import links, registry, retention
from sohoa.iso_procedures.retention import RetentionError

TODAY = date(2036, 6, 1)


@pytest.fixture
def session(settings, engine, tmp_path):
    """Three stored records: #1 dated 2024 proving QT-HT-02 (10 years) and QT-HT-05 (revised to
    3), #2 undated proving QT-HT-03 made permanent, #3 linked to nothing."""
    with Session(engine) as session:
        registry.ensure_seeded(session)
        for number, dated in ((1, "2024-05-10"), (2, ""), (3, "2001")):
            source = tmp_path / f"scan-{number}.png"
            sha = store_original(settings, source, f"scan {number}".encode())
            metadata = {**records.empty_metadata(), "date": dated}
            session.add(
                Document(
                    sha256=sha,
                    name=source.name,
                    size=6,
                    mime="image/png",
                    status="ingested",
                    page_count=1,
                    record_metadata=metadata,
                )
            )
            session.flush()
            session.add(
                Page(
                    document_id=number, number=1, width=1, height=1, dpi=300, raw_text="x", text="x"
                )
            )
        for document, code in ((1, "QT-HT-02"), (1, "QT-HT-05"), (2, "QT-HT-03")):
            links.link(session, document, code, actor="lan", source="manual", reason="test")
        registry.revise(session, "QT-HT-05", {"retention_years": 3}, "lan", "ngắn hơn")
        registry.revise(session, "QT-HT-03", {"retention_years": None}, "lan", "vĩnh viễn")
        session.commit()
        yield session


def test_a_record_is_kept_for_the_longest_retention_of_its_procedures(session):
    first = retention.retention_of(session, session.get(Document, 1))
    assert (first.codes, first.years, first.until) == (
        ["QT-HT-02", "QT-HT-05"],
        10,
        date(2034, 12, 31),
    )
    permanent = retention.retention_of(session, session.get(Document, 2))
    assert permanent.permanent and permanent.until is None
    unlinked = retention.retention_of(session, session.get(Document, 3))
    assert (unlinked.codes, unlinked.until, unlinked.permanent) == ([], None, False)


def test_an_undated_record_counts_from_the_year_it_was_ingested(session):
    links.unlink(session, 2, "QT-HT-03", actor="lan", reason="x")
    links.link(session, 2, "QT-HT-02", actor="lan", source="manual", reason="x")
    kept = retention.retention_of(session, session.get(Document, 2))
    assert kept.until == date(session.get(Document, 2).created.year + 10, 12, 31)


def test_only_records_past_their_retention_are_due(session):
    assert retention.due(session, date(2034, 12, 31)) == []
    assert [r.document.id for r in retention.due(session, date(2035, 1, 1))] == [1]


@pytest.mark.parametrize(
    ("document_id", "today", "reason", "message"),
    [
        (1, date(2034, 12, 31), "QĐ 12", "must be kept until 2034-12-31"),
        (2, TODAY, "QĐ 12", "kept permanently"),
        (3, TODAY, "QĐ 12", "proves no procedure"),
        (1, TODAY, " ", "say why"),
        (9, TODAY, "QĐ 12", "no document with id 9"),
    ],
)
def test_a_disposal_that_is_not_due_or_not_explained_is_refused(
    settings, session, document_id, today, reason, message
):
    with pytest.raises(RetentionError, match=message):
        retention.dispose(session, settings, document_id, "lan", reason, today)
    session.rollback()
    assert session.exec(select(Disposal)).all() == []
    assert session.get(Document, 1).status == "ingested"


def test_disposal_keeps_a_tombstone_and_an_event_and_destroys_the_rest(settings, engine, session):
    sha = session.get(Document, 1).sha256
    tombstone = retention.dispose(session, settings, 1, "lan", "Quyết định số 12/QĐ-LHH", TODAY)
    assert (tombstone.sha256, tombstone.name, tombstone.procedures) == (
        sha,
        "scan-1.png",
        ["QT-HT-02", "QT-HT-05"],
    )
    assert (tombstone.retention_until, tombstone.actor) == ("2034-12-31", "lan")
    document = session.get(Document, 1)
    assert (document.status, document.page_count) == ("disposed", 0)
    assert document.record_metadata["date"] == "2024-05-10"  # what it was is kept
    assert session.exec(select(Page).where(Page.document_id == 1)).all() == []
    assert not storage.original_path(settings.originals_dir, sha).exists()
    event = session.exec(select(Event).where(Event.action == "document.disposed")).one()
    assert json.loads(event.details)["reason"] == "Quyết định số 12/QĐ-LHH"
    with pytest.raises(RetentionError, match="disposed of already"):
        retention.dispose(session, settings, 1, "lan", "again", TODAY)
    checkpoints.seal_archive(settings, engine)
    result = verify(session, keys.load_public(settings.keys_dir), settings.originals_dir)
    assert result.ok, result.problems
    assert (result.originals_checked, result.originals_disposed) == (2, 1)
    for statement in ("UPDATE disposal SET reason = 'x'", "DELETE FROM disposal"):
        with pytest.raises(DatabaseError, match="kept for good"), engine.begin() as connection:
            connection.execute(text(statement))


def test_the_command_line_lists_due_records_disposes_and_refuses_them_back(
    sample_archive, tmp_path
):
    home = tmp_path / "archive"
    copy_archive(sample_archive[0], home)
    ids = {d["name"].rsplit("/", 1)[-1]: d["id"] for d in sample_archive[1]["documents"]}
    decision = ids["quyet-dinh-thanh-lap-doan-danh-gia.jpg"]  # linked to QT-HT-02 by rule
    assert run_json(home, "retention", "due", "--on", "2034-12-31") == []
    run_sohoa(home, "procedures", "revise", "QT-HT-02", "--retention", "1", "--reason", "thử")
    [due] = run_json(home, "retention", "due")
    assert (due["id"], due["retention"]["until"]) == (decision, "2025-12-31")
    # A correction leaves two PDF/A copies of the record stored: the disposal destroys both.
    first_copy = run_json(home, "show", str(decision))["preservation"]["sha256"]
    run_sohoa(home, "edit", str(decision), "signer", "Nguyễn Văn An")
    second_copy = run_json(home, "pdf", str(decision), "--out", str(tmp_path / "c.pdf"))["sha256"]
    copies = [
        storage.original_path(archive_settings(home=home).preservation_dir, sha)
        for sha in (first_copy, second_copy)
    ]
    assert first_copy != second_copy and all(copy.exists() for copy in copies)
    disposed = run_json(home, "retention", "dispose", str(decision), "--reason", "QĐ 12/QĐ-LHH")
    assert not any(copy.exists() for copy in copies)
    refused = run_sohoa(home, "pdf", str(decision), "--out", str(tmp_path / "d.pdf"), check=False)
    assert refused.returncode == 1 and "disposed" in refused.stderr
    assert disposed["procedures"] == ["QT-HT-02"]
    assert run_json(home, "show", str(decision))["disposal"]["reason"] == "QĐ 12/QĐ-LHH"
    hits = run_json(home, "search", "doan danh gia noi bo")["hits"]
    assert decision not in [h["document_id"] for h in hits]
    assert run_json(home, "trail", "verify")["originals"]["disposed"] == 1
    original = next(p for p in sample_archive[1]["documents"] if p["id"] == decision)["name"]
    again = run_json(home, "ingest", original)["documents"][0]
    assert again["status"] == "failed" and "disposed of on" in again["error"]
    bad = run_sohoa(home, "retention", "due", "--on", "tomorrow", check=False)
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
