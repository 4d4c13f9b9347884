"""`sohoa backup` and `sohoa restore`: a consistent copy of a running archive, brought back
whole, with the trail verifying after it; a damaged or tampered copy is refused."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import Session

from conftest import run_json, run_sohoa, store_original
from sohoa.archive import backup, checkpoints, keys, records, storage, trail
from sohoa.archive.backup import BackupError
from sohoa.archive.database import alembic_config, open_database
from sohoa.archive.models import Document, Page
from sohoa.archive.settings import Settings
from sohoa.iso_procedures import links, registry, retention

TEXTS = ["Kế hoạch số hóa tài liệu năm 2024", "Báo cáo tổng kết công tác", "Quyết định thành lập"]


@pytest.fixture
def settings(sqlite_settings):
    """Only a SQLite archive is backed up by sohoa (PostgreSQL's has pg_dump): these tests, and
    the `engine` over their archive, stay on SQLite."""
    return sqlite_settings


@pytest.fixture
def archive(settings, engine, tmp_path):
    """Three stored records with a page each (no OCR), each ingest an event sealed by a
    checkpoint as a command would, the procedure registry seeded and record #1 linked."""
    with Session(engine) as session:
        registry.ensure_seeded(session)
        session.commit()
    for number, text in enumerate(TEXTS, start=1):
        _add_record(settings, engine, tmp_path, number, text)
    with Session(engine) as session:
        links.link(session, 1, "QT-HT-02", actor="lan", source="manual", reason="hồ sơ")
        session.commit()
    checkpoints.seal_archive(settings, engine)
    return settings


def _add_record(settings: Settings, engine, tmp_path: Path, number: int, text: str) -> str:
    source = tmp_path / f"scan-{number}.png"
    sha = store_original(settings, source, f"scan {number} {text}".encode())
    with Session(engine) as session:
        document = Document(
            sha256=sha,
            name=source.name,
            size=source.stat().st_size,
            mime="image/png",
            status="ingested",
            page_count=1,
            record_metadata={**records.empty_metadata(), "date": "2024-05-10"},
        )
        session.add(document)
        session.flush()
        session.add(
            Page(
                document_id=document.id,
                number=1,
                width=1,
                height=1,
                dpi=300,
                raw_text=text,
                text=text,
            )
        )
        trail.record(
            session,
            "document.ingested",
            actor="Nguyễn Văn An",
            object_type="document",
            object_id=document.id,
            details={"sha256": sha, "pages": 1},
        )
        session.commit()
    checkpoints.seal_archive(settings, engine)
    return sha


def _rows(home: Path) -> dict[str, list[dict]]:
    """Every row of every table of the archive at `home`, in insertion order."""
    with sqlite3.connect(home / "sohoa.db") as connection:
        connection.row_factory = sqlite3.Row
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        rows = {
            t: [dict(r) for r in connection.execute(f"SELECT * FROM {t} ORDER BY rowid")]
            for t in tables
        }
    connection.close()
    return rows


def _originals(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (home / "originals").glob("sha256/*/*/*")}


def test_a_backup_restores_the_same_archive_and_its_trail_verifies(archive, tmp_path):
    home, folder, restored = archive.home, tmp_path / "backup", tmp_path / "restored"
    made = run_json(home, "backup", str(folder))
    manifest = json.loads((folder / "sohoa-backup.json").read_text())
    assert made["manifest"] == manifest
    assert made["originals"] == {"copied": 3, "kept": 0, "repaired": 0, "removed": 0}
    assert manifest["counts"] == {
        "documents": 3,
        "pages": 3,
        "events": manifest["checkpoint"]["tree_size"],
        "checkpoints": manifest["counts"]["checkpoints"],
        "originals": 3,
    }
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert manifest["schema"] == head and manifest["index"] is False
    assert storage.sha256_of(folder / "sohoa.db") == manifest["database"]["sha256"]
    assert (folder / "keys" / keys.PRIVATE_FILE).stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700

    back = run_json(restored, "restore", str(folder))
    assert back["verification"]["ok"] is True, back["verification"]["problems"]
    assert back["verification"]["originals"] == {"checked": 3, "disposed": 0}
    assert (back["originals"], back["set_aside"]) == (3, None)

    # The same records, pages, links and procedures; the same trail up to the backup, after
    # which the live archive says it was backed up and the restored one that it was restored.
    live, copy = _rows(home), _rows(restored)
    events = manifest["counts"]["events"]
    for table in set(live) - {"event", "checkpoint"}:
        assert copy[table] == live[table], table
    assert copy["event"][:events] == live["event"][:events]
    backed_up = json.loads(live["event"][events]["details"])
    assert live["event"][events]["action"] == "archive.backed_up"
    assert backed_up["database_sha256"] == manifest["database"]["sha256"]
    assert backed_up["checkpoint"] == manifest["checkpoint"]
    assert [row["action"] for row in copy["event"][events:]] == ["archive.restored"]
    checkpoints_then = manifest["counts"]["checkpoints"]
    assert copy["checkpoint"][:checkpoints_then] == live["checkpoint"][:checkpoints_then]
    assert copy["checkpoint"][-1]["tree_size"] == events + 1  # the restore's event is sealed

    assert _originals(restored) == _originals(home)
    for name in (keys.PRIVATE_FILE, keys.PUBLIC_FILE):
        assert (restored / "keys" / name).read_bytes() == (home / "keys" / name).read_bytes()
    assert (restored / "keys" / keys.PRIVATE_FILE).stat().st_mode & 0o777 == 0o600

    assert run_json(restored, "trail", "verify")["ok"] is True
    # The index was left out: the first search rebuilds it from the restored database.
    found = run_json(restored, "search", "so hoa tai lieu")
    assert [hit["document_id"] for hit in found["hits"]] == [1]


def test_the_index_is_copied_with_index(archive, tmp_path):
    run_sohoa(archive.home, "search", "bao cao")  # builds the index
    folder = tmp_path / "backup"
    made = run_json(archive.home, "backup", str(folder), "--index")
    assert made["manifest"]["index"] is True
    assert (folder / "index" / "whoosh").is_dir()
    restored = Settings(home=tmp_path / "restored")
    backup.restore(folder, restored)
    assert (restored.index_dir / "whoosh").is_dir()
    search = run_sohoa(restored.home, "search", "bao cao", "--json")
    assert "rebuilding" not in search.stderr
    assert [hit["document_id"] for hit in json.loads(search.stdout)["hits"]] == [2]


WRITER = """
import sys, time
from pathlib import Path
from sqlmodel import Session
from sohoa.archive import trail
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings

stop = Path(sys.argv[1])
engine = open_database(Settings())
number = 0
while not stop.exists():
    number += 1
    with Session(engine) as session:
        trail.record(session, "test.written", actor="writer", object_type="archive",
                     details={"number": number})
        session.commit()
    time.sleep(0.002)
print(number)
"""


def test_a_backup_taken_while_another_process_writes_is_consistent(archive, tmp_path):
    """Another process appends events (as `sohoa serve` would) while the database is copied;
    it is stopped once the copy is taken, before the backup records its own event."""
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env={**os.environ, "SOHOA_HOME": str(archive.home)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:  # the writer is stopped however the test ends
        before = _event_count(archive.home)
        while _event_count(archive.home) < before + 50:  # the writer is well under way
            assert writer.poll() is None, "the writer stopped"
            time.sleep(0.01)

        def stop_writer(done: int, total: int) -> None:
            stop.touch()
            writer.wait(timeout=60)

        made = backup.backup(archive, tmp_path / "backup", progress=stop_writer)
    finally:
        stop.touch()
        output = writer.communicate(timeout=60)[0]
    written = int(output)
    events = made.manifest["counts"]["events"]
    assert before + 50 <= events <= before + written

    restored = Settings(home=tmp_path / "restored")
    back = backup.restore(tmp_path / "backup", restored)
    assert back.verification.ok, back.verification.problems
    live, copy = _rows(archive.home)["event"], _rows(restored.home)["event"]
    assert copy[:events] == live[:events]  # a prefix of the live trail, nothing torn
    assert back.verification.checkpoint.tree_size == events + 1


def _event_count(home: Path) -> int:
    with sqlite3.connect(home / "sohoa.db", timeout=30) as connection:
        count = connection.execute("SELECT count(*) FROM event").fetchone()[0]
    connection.close()
    return count


def _writable(path: Path) -> Path:
    path.chmod(0o644)
    return path


def test_a_changed_original_in_the_backup_is_refused(archive, tmp_path):
    folder = tmp_path / "backup"
    backup.backup(archive, folder)
    original = _writable(next((folder / "originals").glob("sha256/*/*/*")))
    original.write_bytes(original.read_bytes() + b" sua")
    restored = Settings(home=tmp_path / "restored")
    with pytest.raises(BackupError, match="does not match its hash: .* nothing was restored"):
        backup.restore(folder, restored)
    assert list(restored.home.iterdir()) == []


def test_a_missing_original_in_the_backup_is_refused(archive, tmp_path):
    folder = tmp_path / "backup"
    backup.backup(archive, folder)
    next((folder / "originals").glob("sha256/*/*/*")).unlink()
    with pytest.raises(BackupError, match="missing from the backup"):
        backup.restore(folder, Settings(home=tmp_path / "restored"))


def test_a_changed_database_in_the_backup_is_refused(archive, tmp_path):
    folder = tmp_path / "backup"
    backup.backup(archive, folder)
    with sqlite3.connect(folder / "sohoa.db") as connection:
        connection.execute("UPDATE document SET name = 'khac.png' WHERE id = 2")
    connection.close()
    restored = Settings(home=tmp_path / "restored")
    with pytest.raises(BackupError, match="database does not match its manifest"):
        backup.restore(folder, restored)
    assert not (restored.home / "sohoa.db").exists()


def test_a_changed_signing_key_in_the_backup_is_refused(archive, tmp_path):
    """The trail is checked with the public key only: the private key, which signs the restored
    archive's next checkpoints, is checked against the manifest."""
    folder = tmp_path / "backup"
    backup.backup(archive, folder)
    private = folder / "keys" / keys.PRIVATE_FILE
    private.write_bytes(private.read_bytes().replace(b"A", b"B", 1))
    restored = Settings(home=tmp_path / "restored")
    with pytest.raises(BackupError, match=f"key file {keys.PRIVATE_FILE} does not match"):
        backup.restore(folder, restored)
    assert list(restored.home.iterdir()) == []


def test_events_not_yet_sealed_are_sealed_before_the_copy(archive, engine, tmp_path):
    with Session(engine) as session:
        trail.record(session, "test.unsealed", actor="lan", object_type="archive")
        session.commit()
    manifest = backup.backup(archive, tmp_path / "backup").manifest
    assert manifest["checkpoint"]["tree_size"] == manifest["counts"]["events"]


def test_a_trail_rewritten_in_the_backup_with_its_manifest_is_refused(archive, tmp_path):
    """Whoever edits an event and the manifest's hash to match is caught by the trail."""
    folder = tmp_path / "backup"
    backup.backup(archive, folder)
    with sqlite3.connect(folder / "sohoa.db") as connection:
        connection.execute("DROP TRIGGER event_no_update")
        connection.execute("UPDATE event SET actor = 'someone else' WHERE seq = 3")
    connection.close()
    manifest = json.loads((folder / "sohoa-backup.json").read_text())
    manifest["database"]["sha256"] = storage.sha256_of(folder / "sohoa.db")
    (folder / "sohoa-backup.json").write_text(json.dumps(manifest))
    restored = Settings(home=tmp_path / "restored")
    with pytest.raises(BackupError, match="trail does not verify .*event 3"):
        backup.restore(folder, restored)
    assert not (restored.home / "sohoa.db").exists()


def test_a_backup_cut_short_is_not_restored_and_the_next_one_completes_it(archive, tmp_path):
    folder = tmp_path / "backup"
    backup.backup(archive, folder)
    (folder / "sohoa-backup.json").unlink()  # as if stopped before its manifest was written
    restored = tmp_path / "restored"
    failed = run_sohoa(restored, "restore", str(folder), check=False)
    assert failed.returncode == 1
    assert "no complete sohoa backup" in failed.stderr
    assert backup.backup(archive, folder).kept == 3
    assert run_json(restored, "restore", str(folder))["verification"]["ok"] is True


def test_restore_replaces_an_archive_only_with_force_and_keeps_it_aside(archive, tmp_path):
    folder = tmp_path / "backup"
    backup.backup(archive, folder)
    other = Settings(home=tmp_path / "other")
    _small_archive(other, tmp_path)
    old_db = (other.home / "sohoa.db").read_bytes()

    refused = run_sohoa(other.home, "restore", str(folder), check=False)
    assert refused.returncode == 1
    assert "already holds an archive" in refused.stderr and "--force" in refused.stderr
    assert (other.home / "sohoa.db").read_bytes() == old_db

    back = run_json(other.home, "restore", str(folder), "--force")
    assert back["verification"]["ok"] is True
    aside = Path(back["set_aside"])
    assert aside.parent == other.home and aside.name.startswith("before-restore-")
    assert (aside / "sohoa.db").read_bytes() == old_db
    assert (aside / "keys" / keys.PRIVATE_FILE).exists()
    assert _originals(other.home) == _originals(archive.home)
    assert len(_rows(other.home)["document"]) == 3


def _small_archive(settings: Settings, tmp_path: Path) -> None:
    engine = open_database(settings)
    store_original(settings, tmp_path / "old.png", b"an older archive")
    with Session(engine) as session:
        trail.record(session, "test.old", actor="lan", object_type="archive")
        session.commit()
    checkpoints.seal_archive(settings, engine)
    engine.dispose()


def test_a_second_backup_copies_only_new_originals_and_drops_disposed_ones(
    archive, engine, tmp_path
):
    folder = tmp_path / "backup"
    first = backup.backup(archive, folder)
    assert (first.copied, first.kept) == (3, 0)
    copied_then = {p: p.stat().st_mtime_ns for p in (folder / "originals").glob("sha256/*/*/*")}

    new = _add_record(archive, engine, tmp_path, 4, "Thông báo kết luận")
    with Session(engine) as session:
        retention.dispose(session, archive, 1, "lan", "QĐ 12/QĐ-LHH", date(2036, 6, 1))
    checkpoints.seal_archive(archive, engine)
    damaged = _writable(storage.original_path(folder / "originals", _sha(archive, 3)))
    damaged.write_bytes(b"bit rot")

    second = backup.backup(archive, folder)
    assert (second.copied, second.kept, second.repaired, second.removed) == (1, 1, 1, 1)
    assert _originals(folder) == _originals(archive.home)  # the disposed one is gone from both
    assert new in _originals(folder)
    untouched = storage.original_path(folder / "originals", _sha(archive, 2))
    assert untouched.stat().st_mtime_ns == copied_then[untouched]  # not copied again

    back = backup.restore(folder, Settings(home=tmp_path / "restored"))
    assert back.verification.ok, back.verification.problems
    assert (back.verification.originals_checked, back.verification.originals_disposed) == (3, 1)


def _sha(settings: Settings, document_id: int) -> str:
    with sqlite3.connect(settings.home / "sohoa.db") as connection:
        sha = connection.execute(
            "SELECT sha256 FROM document WHERE id = ?", (document_id,)
        ).fetchone()[0]
    connection.close()
    return sha


def test_a_backup_goes_only_to_a_folder_of_its_own_outside_the_archive(archive, tmp_path):
    inside = run_sohoa(archive.home, "backup", str(archive.home / "backups"), check=False)
    assert inside.returncode == 1 and "outside the archive" in inside.stderr
    busy = tmp_path / "documents"
    busy.mkdir()
    (busy / "thesis.odt").write_text("mine")
    refused = run_sohoa(archive.home, "backup", str(busy), check=False)
    assert refused.returncode == 1 and "thesis.odt" in refused.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["thesis.odt"]
    nothing = run_sohoa(tmp_path / "none", "backup", str(tmp_path / "b"), check=False)
    assert nothing.returncode == 1 and "there is no archive" in nothing.stderr
    other_db = Settings(home=tmp_path / "x", database_url="postgresql://db/sohoa")
    with pytest.raises(BackupError, match="SQLite database only"):
        backup.backup(other_db, tmp_path / "b")


def test_a_postgresql_archive_is_sent_to_pg_dump_before_anything_is_touched(tmp_path):
    elsewhere = {"SOHOA_DATABASE_URL": "postgresql+psycopg://sohoa:secret@127.0.0.1:9/sohoa"}
    home = tmp_path / "archive"
    home.mkdir()
    for command in ("backup", "restore"):  # no server answers at port 9: none is asked
        refused = run_sohoa(home, command, str(tmp_path / "b"), check=False, env=elsewhere)
        assert refused.returncode == 1
        assert refused.stderr.count("\n") == 1 and "use pg_dump and pg_restore" in refused.stderr
        assert "secret" not in refused.stderr
    assert list(home.iterdir()) == [] and not (tmp_path / "b").exists()
