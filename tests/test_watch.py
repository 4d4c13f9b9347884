"""`sohoa watch`: files dropped into a folder are ingested once they stop growing, and none is
lost, whether dropped before the watch started, while it ran, or while a batch was cut short.

The settling is tested on a made-up clock; the rest with the real pipeline on one small image
(a few words, OCR'd in about a second).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session, func, select

from conftest import SOHOA, run_json, run_sohoa
from sohoa.archive import storage
from sohoa.archive.checkpoints import latest
from sohoa.archive.database import open_database
from sohoa.archive.models import Batch, Document, Event
from sohoa.archive.settings import Settings
from sohoa.ingest.pipeline import Ingester
from sohoa.ingest.watch import Settling, Signature, Watcher, move_aside, scan
from sohoa.search import open_index

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


@pytest.fixture(scope="module")
def page_png(tmp_path_factory) -> bytes:
    """A small scan: one line of Vietnamese, 700×160 pixels."""
    path = tmp_path_factory.mktemp("page") / "page.png"
    page = Image.new("L", (700, 160), 255)
    font = ImageFont.truetype(FONT, 40)
    ImageDraw.Draw(page).text((30, 50), "Biên bản họp Ban Thường vụ", fill=0, font=font)
    page.save(path, dpi=(150, 150))
    return path.read_bytes()


class Archive:
    """An archive opened in this process, as `sohoa watch` opens it, and what it holds."""

    def __init__(self, home: Path):
        self.settings = Settings(home=home)
        self.engine = open_database(self.settings)
        self.index = open_index(self.settings)

    def run(self, paths: list[str]):
        return Ingester(self.settings, self.engine, self.index).run(paths)

    def count(self, what, *where) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(what).where(*where)).one()


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "archive")
    yield archive
    archive.engine.dispose()


def watcher(folder: Path, ingest, settle: float = 0) -> tuple[Watcher, list[str]]:
    lines: list[str] = []
    return Watcher(folder, ingest, settle, lines.append), lines


# -- settling, on a made-up clock --------------------------------------------------------------


def test_a_growing_file_is_taken_only_once_it_has_stopped_growing_for_settle_seconds():
    settling = Settling(settle=5)
    sizes = {0: 10, 1: 20, 2: 30, 3: 40}  # written for 3 s, then still
    taken_at = [
        now
        for now in range(15)
        if settling.poll({"scan.pdf": Signature(sizes.get(now, 40), min(now, 3))}, now)
    ]
    assert taken_at == [8]  # last changed at 3, unchanged for 5 s at 8; taken once


def test_a_taken_file_is_not_taken_again_unless_it_changes_and_settles_again():
    settling = Settling(settle=2)
    first = Signature(100, 1)
    assert settling.poll({"a.pdf": first}, 0) == []
    assert settling.poll({"a.pdf": first}, 2) == [("a.pdf", first)]
    assert settling.poll({"a.pdf": first}, 3) == []  # still there (not moved away): held
    second = Signature(120, 4)  # a new scan under the same name
    assert settling.poll({"a.pdf": second}, 4) == []
    assert settling.poll({"a.pdf": second}, 6) == [("a.pdf", second)]


def test_a_file_that_goes_away_is_forgotten_and_one_released_is_ready_again():
    settling = Settling(settle=2)
    sig = Signature(5, 5)
    settling.poll({"tmp.pdf": sig}, 0)
    settling.poll({}, 1)  # renamed away by the scanner
    assert settling.poll({"tmp.pdf": sig}, 2) == []  # back: it settles from scratch
    assert settling.poll({"tmp.pdf": sig}, 4) == [("tmp.pdf", sig)]
    settling.release(["tmp.pdf"])  # its batch did not run
    assert settling.poll({"tmp.pdf": sig}, 4.5) == [("tmp.pdf", sig)]


def test_with_no_settling_a_file_is_taken_at_first_sight():
    assert Settling(settle=0).poll({"a.png": Signature(1, 1)}, 0) == [("a.png", Signature(1, 1))]


# -- the folder ---------------------------------------------------------------------------------


def test_the_scan_passes_over_hidden_files_what_was_filed_away_and_file_server_litter(tmp_path):
    folder = tmp_path / "drop"
    for name in (
        "a.png",
        "sub/b.pdf",
        ".DS_Store",
        ".done/old.png",
        ".failed/bad.pdf",
        "@eaDir/a.png/SYNOFILE_THUMB_M.jpg",
        "#recycle/deleted.pdf",
        "sub/Thumbs.db",
        "desktop.ini",
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x" * 3)
    found = scan(folder)
    assert list(found) == [str(folder / "a.png"), str(folder / "sub" / "b.pdf")]
    assert found[str(folder / "a.png")].size == 3
    assert scan(tmp_path / "unmounted") is None


@pytest.mark.parametrize("hard_links", [True, False])
def test_moving_aside_never_overwrites(tmp_path, monkeypatch, hard_links):
    if not hard_links:  # a share without hard links: a checked rename

        def no_link(*args, **kwargs):
            raise PermissionError(1, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    folder = tmp_path / "drop"
    (folder / ".done" / "sub").mkdir(parents=True)
    (folder / ".done" / "sub" / "a.png").write_bytes(b"earlier")
    (folder / ".failed").mkdir()
    (folder / ".failed" / "b.pdf.error.txt").write_text("an earlier failure")
    (folder / "sub").mkdir()
    (folder / "sub" / "a.png").write_bytes(b"new")
    (folder / "b.pdf").write_bytes(b"bad")

    done = move_aside(folder, folder / "sub" / "a.png", ".done")
    failed = move_aside(folder, folder / "b.pdf", ".failed", beside=".error.txt")

    assert done == folder / ".done" / "sub" / "a (2).png" and done.read_bytes() == b"new"
    assert (folder / ".done" / "sub" / "a.png").read_bytes() == b"earlier"
    assert failed == folder / ".failed" / "b (2).pdf" and failed.read_bytes() == b"bad"
    assert (folder / ".failed" / "b.pdf.error.txt").read_text() == "an earlier failure"
    assert not (folder / "sub" / "a.png").exists() and not (folder / "b.pdf").exists()


# -- the watcher, with the real pipeline ---------------------------------------------------------


def test_a_file_written_in_chunks_is_ingested_once_after_it_settles(tmp_path, archive, page_png):
    folder = tmp_path / "drop"
    folder.mkdir()
    scan_file = folder / "bien-ban.png"
    batches: list[tuple[list[str], int]] = []

    def ingest(paths):
        batches.append((paths, scan_file.stat().st_size))
        return archive.run(paths)

    watch, lines = watcher(folder, ingest, settle=3)
    chunks = [page_png[i : i + 1000] for i in range(0, len(page_png), 1000)]
    assert len(chunks) >= 3
    for now in range(12):
        if now < len(chunks):  # the scanner writes one chunk a second
            with scan_file.open("ab") as out:
                out.write(chunks[now])
        watch.poll(now)
        written_until = len(chunks) - 1
        assert batches == [] or now >= written_until + 3

    assert batches == [([str(scan_file)], len(page_png))]
    done = folder / ".done" / "bien-ban.png"
    assert done.read_bytes() == page_png and not scan_file.exists()
    assert archive.count(Document) == 1
    assert archive.count(Document, Document.sha256 == storage.sha256_of(done)) == 1
    assert lines == ["bien-ban.png: ingested as #1 (1 page(s)) → .done/bien-ban.png"]


def test_a_stop_between_ingest_and_filing_away_loses_nothing_and_ingests_nothing_twice(
    tmp_path, archive, page_png
):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "bien-ban.png").write_bytes(page_png)

    def ingest_then_stop(paths):
        archive.run(paths)
        raise KeyboardInterrupt  # the second Ctrl-C, or the machine going down, right then

    watch, _ = watcher(folder, ingest_then_stop)
    with pytest.raises(KeyboardInterrupt):
        watch.poll(0)
    assert (folder / "bien-ban.png").exists()  # not filed away: still there to be taken

    restarted, lines = watcher(folder, archive.run)
    restarted.poll(0)

    assert lines == ["bien-ban.png: duplicate of #1 → .done/bien-ban.png"]
    assert (folder / ".done" / "bien-ban.png").read_bytes() == page_png
    assert archive.count(Document) == 1
    assert archive.count(Event, Event.action == "document.stored") == 1
    assert archive.count(Event, Event.action == "document.ingested") == 1


def test_a_batch_that_cannot_start_is_tried_again_at_the_next_poll(tmp_path, archive):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "notes.pdf").write_text("not a scan")
    attempts = []

    def busy_once(paths):
        attempts.append(paths)
        if len(attempts) == 1:
            raise RuntimeError("the archive is busy with another ingest")
        return archive.run(paths)

    watch, lines = watcher(folder, busy_once)
    watch.poll(0)
    assert (folder / "notes.pdf").exists() and archive.count(Batch) == 0
    watch.poll(1)

    assert attempts == [[str(folder / "notes.pdf")]] * 2
    assert lines[0] == (
        "the batch of 1 file(s) did not run: the archive is busy with another ingest; trying again"
    )
    assert lines[1] == (
        "notes.pdf: failed (unsupported file type: not a PDF, TIFF, PNG or JPEG) "
        "→ .failed/notes.pdf"
    )
    note = (folder / ".failed" / "notes.pdf.error.txt").read_text(encoding="utf-8")
    assert note.splitlines()[:2] == [
        "notes.pdf was not ingested (batch #1):",
        "unsupported file type: not a PDF, TIFF, PNG or JPEG",
    ]


def test_a_file_gone_or_changed_during_its_batch_is_not_filed_away(tmp_path, archive):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "gone.pdf").write_text("a scanner's temporary file")
    (folder / "rewritten.pdf").write_text("first version")
    runs = []

    def meanwhile(paths):
        if not runs:
            (folder / "gone.pdf").unlink()
            (folder / "rewritten.pdf").write_text("second, longer version")
        runs.append(paths)
        return archive.run(paths)

    watch, lines = watcher(folder, meanwhile, settle=2)
    watch.poll(0)
    watch.poll(2)
    assert lines == [
        "gone.pdf: failed (no such file or folder); it was gone before it could be moved",
        "rewritten.pdf: failed (unsupported file type: not a PDF, TIFF, PNG or JPEG), but it "
        "changed meanwhile: left to be taken again once it settles",
    ]
    assert (folder / "rewritten.pdf").exists() and not (folder / ".failed").exists()
    watch.poll(3)
    assert len(runs) == 1  # the changed file settles again first
    watch.poll(5)
    assert runs[1] == [str(folder / "rewritten.pdf")]
    assert (folder / ".failed" / "rewritten.pdf").read_text() == "second, longer version"


def test_a_file_replaced_after_its_batch_by_one_of_the_same_size_and_time_stays(tmp_path, archive):
    folder = tmp_path / "drop"
    folder.mkdir()
    scan_file = folder / "scan.pdf"
    scan_file.write_text("version one")

    def replaced_after(paths):
        report = archive.run(paths)
        before = scan_file.stat()
        scan_file.write_text("version two")  # same size; its time put back as it was
        os.utime(scan_file, ns=(before.st_atime_ns, before.st_mtime_ns))
        return report

    watch, lines = watcher(folder, replaced_after)
    watch.poll(0)

    assert lines[0].endswith("but it changed meanwhile: left to be taken again once it settles")
    assert scan_file.read_text() == "version two" and not (folder / ".failed").exists()


def test_a_share_that_goes_away_is_waited_for_and_nothing_is_taken_meanwhile(tmp_path):
    folder = tmp_path / "share"
    watch, lines = watcher(folder, lambda paths: pytest.fail("nothing to ingest"))
    watch.poll(0)
    watch.poll(1)
    folder.mkdir()  # mounted again, empty so far
    watch.poll(2)
    assert lines == [
        f"the folder {folder} is not there; waiting for it",
        f"the folder {folder} is back",
    ]


# -- the command -----------------------------------------------------------------------------------


def test_watch_once_takes_what_was_dropped_before_it_started(tmp_path, page_png):
    folder, home = tmp_path / "drop", tmp_path / "archive"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "bien-ban.png").write_bytes(page_png)
    (folder / "sub" / "same-again.png").write_bytes(page_png)
    (folder / ".hidden" / "x.png").write_bytes(page_png)
    (folder / "Thumbs.db").write_bytes(b"thumbnails")
    (folder / "cut.pdf").write_bytes(b"%PDF-1.4\n1 0 obj")

    result = run_sohoa(home, "watch", str(folder), "--once", "--settle", "0")

    log = [line.split(" ", 2)[2] for line in result.stderr.splitlines() if line[:2] == "20"]
    assert log[0] == f"watching {folder}: a file is taken once unchanged for 0 s"
    assert "bien-ban.png: ingested as #1 (1 page(s)) → .done/bien-ban.png" in log
    assert "sub/same-again.png: duplicate of #1 → .done/sub/same-again.png" in log
    assert any(line.startswith("cut.pdf: failed (not a readable PDF") for line in log)
    assert log[-1] == "stopped"
    assert (folder / ".done" / "sub" / "same-again.png").read_bytes() == page_png
    note = (folder / ".failed" / "cut.pdf.error.txt").read_text(encoding="utf-8")
    assert "not a readable PDF" in note
    assert sorted(p.name for p in folder.iterdir()) == [
        ".done",
        ".failed",
        ".hidden",
        "Thumbs.db",
        "sub",
    ]
    assert [hit["document_id"] for hit in run_json(home, "search", "bien ban hop")["hits"]] == [1]

    # Started again: nothing new, nothing done twice; the same scan dropped again is a duplicate.
    run_sohoa(home, "watch", str(folder), "--once", "--settle", "0")
    (folder / "bien-ban.png").write_bytes(page_png)
    again = run_sohoa(home, "watch", str(folder), "--once", "--settle", "0")
    assert "bien-ban.png: duplicate of #1 → .done/bien-ban (2).png" in again.stderr
    archive = Archive(home)
    assert archive.count(Document, Document.status == "ingested") == 1
    assert archive.count(Batch) == 2  # the run with nothing settled started none
    assert "The trail verifies" in run_sohoa(home, "trail", "verify").stdout


def test_watch_ingests_a_file_dropped_while_it_runs_seals_each_batch_and_stops_on_ctrl_c(
    tmp_path, page_png
):
    folder, home = tmp_path / "drop", tmp_path / "archive"
    folder.mkdir()
    log = tmp_path / "watch.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [SOHOA, "watch", str(folder), "--settle", "1", "--interval", "0.2"],
            env={**os.environ, "SOHOA_HOME": str(home)},
            stderr=stderr,
            stdout=subprocess.DEVNULL,
        )
    try:
        wait_for(lambda: "watching" in log.read_text(), process)
        scan_file = folder / "bien-ban.png"
        with scan_file.open("wb") as out:  # written in two halves, half a second apart
            out.write(page_png[: len(page_png) // 2])
            out.flush()
            time.sleep(0.5)
            out.write(page_png[len(page_png) // 2 :])
        wait_for(lambda: (folder / ".done" / "bien-ban.png").exists(), process)

        archive = Archive(home)  # sealed after the batch, before the watch stops
        with Session(archive.engine) as session:
            assert latest(session).tree_size == archive.count(Event)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert "bien-ban.png: ingested as #1 (1 page(s)) → .done/bien-ban.png" in text
    assert "stopping after this batch" in text and text.rstrip().endswith("stopped")
    assert archive.count(Document) == 1
    assert (folder / ".done" / "bien-ban.png").read_bytes() == page_png


def wait_for(condition, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "sohoa watch exited early"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_watch_refuses_a_folder_that_is_not_there(tmp_path):
    result = run_sohoa(tmp_path / "archive", "watch", str(tmp_path / "nope"), check=False)
    assert result.returncode == 1
    assert "is not a folder" in result.stderr


def test_once_takes_what_has_settled_and_leaves_what_is_still_growing(tmp_path, archive):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "still.pdf").write_text("not a scan")
    growing = folder / "growing.pdf"
    ticks = iter(range(100))

    def clock():  # each look at the clock, a second later, the scanner has written more
        with growing.open("a") as out:
            out.write("x")
        return next(ticks)

    watch, lines = watcher(folder, archive.run, settle=3)
    watch.run(interval=0.001, stop=threading.Event(), once=True, clock=clock)

    assert next(ticks) == 4  # looked at 0, 1, 2 and 3: stopped once the settling time was over
    assert lines == [
        "still.pdf: failed (unsupported file type: not a PDF, TIFF, PNG or JPEG) "
        "→ .failed/still.pdf"
    ]
    assert growing.read_text() == "xxxx"  # left for the next run
