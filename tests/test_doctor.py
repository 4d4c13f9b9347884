"""`sohoa doctor`: the database, the stored originals, the pages and the index are compared,
each difference is reported, and `--repair` fixes what the database can rebuild without
touching an original or an event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from conftest import one_line_page, run_json, run_sohoa, store_original
from databases import archive_settings, copy_archive, drop_append_only, new_archive
from sohoa.archive import storage
from sohoa.archive.database import open_database
from sohoa.archive.models import Batch, Derivative, Document, Event, IngestJob, Page, utcnow
from sohoa.search import open_index

WORDS = ["Biên bản kiểm tra", "Quyết định thành lập"]


@pytest.fixture(scope="module")
def archive(backend, tmp_path_factory) -> Path:
    """Two one-page documents, ingested."""
    scans = tmp_path_factory.mktemp("scans")
    for number, words in enumerate(WORDS, 1):
        one_line_page(words).save(scans / f"scan-{number}.png", dpi=(200, 200))
    home = tmp_path_factory.mktemp("archive")
    with new_archive(backend, home):
        run_sohoa(home, "ingest", str(scans))
        yield home


@pytest.fixture
def home(archive, tmp_path) -> Path:
    """A copy of the archive for one test to damage."""
    return copy_archive(archive, tmp_path / "archive")


def _events(home: Path) -> list[tuple[int, str]]:
    with Session(open_database(archive_settings(home=home))) as session:
        return [(e.seq, e.leaf_hash) for e in session.exec(select(Event).order_by(Event.seq))]


def _doctor(home: Path, *args: str) -> dict:
    """`sohoa doctor --json`, which exits 1 while anything is left wrong."""
    result = run_sohoa(home, "doctor", *args, "--json", check=False)
    report = json.loads(result.stdout)
    assert result.returncode == (0 if report["ok"] else 1), result.stderr
    return report


def _parts(report: dict) -> list[str]:
    return sorted(f["part"] for f in report["findings"])


def test_a_whole_archive_has_nothing_to_report(home):
    report = _doctor(home)
    assert report["findings"] == []
    assert report["ok"] is True


def test_a_trail_table_no_longer_append_only_is_reported(home):
    with open_database(archive_settings(home)).begin() as connection:
        drop_append_only(connection, "checkpoint")
    report = _doctor(home)
    assert report["ok"] is False
    assert [(f["part"], f["repair"]) for f in report["findings"]] == [("database", None)]
    assert "the checkpoint table is no longer append-only" in report["findings"][0]["problem"]


def test_index_differences_are_found_and_rebuilt_from_the_database(home):
    settings = archive_settings(home=home)
    with Session(open_database(settings)) as session:
        first, second = session.exec(select(Document.id).order_by(Document.id)).all()
    index = open_index(settings)
    index.delete(first)  # the index lost a document
    events = _events(home)
    found = run_sohoa(home, "doctor", "--json", check=False)
    assert found.returncode == 1
    assert "index" in found.stdout and f"document #{first}" in found.stdout
    repaired = _doctor(home, "--repair")
    assert [f["repaired"] for f in repaired["findings"]] == [True]
    assert _doctor(home)["findings"] == []
    assert open_index(settings).pages_by_document() == {first: 1, second: 1}
    assert _events(home) == events  # an index repair is not a change to any record


def test_lost_pages_are_read_again_from_the_stored_original(home):
    settings = archive_settings(home=home)
    engine = open_database(settings)
    with Session(engine, expire_on_commit=False) as session:
        document = session.exec(select(Document).order_by(Document.id)).first()
        text_before = session.exec(select(Page.text).where(Page.document_id == document.id)).one()
        session.exec(text(f"DELETE FROM page WHERE document_id = {document.id}"))
        session.commit()
    original = storage.original_path(settings.originals_dir, document.sha256)
    bytes_before = original.read_bytes()
    report = _doctor(home)
    assert "pages" in _parts(report)
    _doctor(home, "--repair")
    with Session(engine) as session:
        pages = session.exec(select(Page).where(Page.document_id == document.id)).all()
        actions = [e.action for e in session.exec(select(Event).order_by(Event.seq))]
    assert [p.text for p in pages] == [text_before]
    assert "document.reread" in actions
    assert original.read_bytes() == bytes_before
    assert _doctor(home)["findings"] == []


def test_a_changed_original_is_reported_and_never_touched(home):
    settings = archive_settings(home=home)
    with Session(open_database(settings)) as session:
        document = session.exec(select(Document).order_by(Document.id)).first()
    original = storage.original_path(settings.originals_dir, document.sha256)
    original.chmod(0o644)
    original.write_bytes(b"altered")
    events = _events(home)
    report = _doctor(home, "--repair")
    assert _parts(report) == ["originals"]
    assert "no longer matches its SHA-256" in report["findings"][0]["problem"]
    assert report["findings"][0]["repaired"] is False and report["ok"] is False
    assert original.read_bytes() == b"altered"
    assert _events(home) == events


def test_a_damaged_lost_or_never_made_pdfa_copy_is_made_again(home):
    settings = archive_settings(home=home)
    engine = open_database(settings)
    with Session(engine, expire_on_commit=False) as session:
        first, second = session.exec(select(Derivative).order_by(Derivative.document_id)).all()
        session.delete(second)  # as in an archive ingested before copies were made
        session.commit()
    damaged = storage.original_path(settings.preservation_dir, first.sha256)
    damaged.chmod(0o644)
    damaged.write_bytes(b"damaged")
    report = _doctor(home)
    assert _parts(report) == ["preservation", "preservation"]
    problems = " ".join(f["problem"] for f in report["findings"])
    assert "no longer matches its SHA-256" in problems and "has no PDF/A copy" in problems
    repaired = _doctor(home, "--repair")
    assert [f["repaired"] for f in repaired["findings"]] == [True, True]
    assert _doctor(home)["findings"] == []
    with Session(engine) as session:
        made = {d.document_id: d.sha256 for d in session.exec(select(Derivative))}
    # Made again from the same original and text: the same copies, byte for byte.
    assert made == {first.document_id: first.sha256, second.document_id: second.sha256}
    assert storage.sha256_of(damaged) == first.sha256


def test_leftovers_of_a_killed_ingest_are_reported_and_cleared(home, tmp_path):
    settings = archive_settings(home=home)
    incoming = settings.originals_dir / storage.INCOMING
    incoming.mkdir(exist_ok=True)
    (incoming / "copy-x").write_bytes(b"half")
    (settings.work_dir / "job-9").mkdir(parents=True)
    orphan = store_original(settings, tmp_path / "orphan.bin", b"stored, never saved")
    with Session(open_database(settings)) as session:
        session.exec(text("UPDATE document SET index_pending = true"))
        # Two batches cut short: one with a file still to read, one whose file a later batch
        # took (as `sohoa watch` does after a restart), which is not reported.
        for paths in (["scans"], ["watched/taken.png"]):
            batch = Batch(actor="test", paths=paths)
            session.add(batch)
            session.flush()
            session.add(IngestJob(batch_id=batch.id, path=f"{paths[0]}/x.png"))
        later = Batch(actor="test", paths=["watched/taken.png"], finished=utcnow())
        session.add(later)
        session.flush()
        session.add(IngestJob(batch_id=later.id, path="watched/taken.png/x.png", state="failed"))
        session.commit()
    report = _doctor(home)
    assert _parts(report) == ["batches", "index", "index", "originals", "scratch"]
    assert "still to read; `sohoa ingest scans` finishes it" in str(report)
    warned = run_sohoa(home, "search", "biên bản")
    assert "sohoa doctor" in warned.stderr  # the cheap checks run when a command starts
    _doctor(home, "--repair")
    after = _parts(_doctor(home))
    assert after == ["batches", "originals"]  # for a person: the files, and the orphan's story
    assert storage.leftover_copies(settings.originals_dir) == []
    assert not any(settings.work_dir.iterdir()) if settings.work_dir.exists() else True
    assert storage.original_path(settings.originals_dir, orphan).exists()


def test_an_edit_killed_before_the_index_heard_of_it_is_indexed_by_the_repair(home):
    settings = archive_settings(home=home)
    with Session(open_database(settings)) as session:
        first = session.exec(select(Document.id).order_by(Document.id)).first()
    killed = run_sohoa(
        home,
        "edit",
        str(first),
        "subject",
        "Tổng kết công tác thi đua",
        check=False,
        env={"SOHOA_CRASH_AT": "after-commit"},
    )
    assert killed.returncode == -9 and "crash point after-commit reached" in killed.stderr
    assert run_json(home, "search", "tong ket thi dua")["total"] == 0  # the index missed it
    # The edit also outdated the document's PDF/A copy (its title is the subject).
    assert _parts(_doctor(home)) == ["index", "preservation"]
    _doctor(home, "--repair")
    assert run_json(home, "search", "tong ket thi dua")["total"] == 1
