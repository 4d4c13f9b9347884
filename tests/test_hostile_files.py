"""Hostile and broken input: every file of the hostile corpus (`hostile_files.CORPUS`) is
recorded with a clear one-line reason while the rest of the batch goes on; and, stage by stage,
where each refusal is made."""

from __future__ import annotations

import io
import json
import os
import random
import stat
import zipfile
import zlib
from pathlib import Path

import pytest
from hostile_files import CORPUS, GOOD, GOOD_WORDS, make_corpus, pdf, png_bomb, tiff, zeros_zlib
from PIL import Image
from pypdf import PdfReader
from sqlmodel import Session, select

from conftest import run_json, run_sohoa, store_original
from sohoa.archive import storage
from sohoa.archive.database import open_database
from sohoa.archive.models import Batch, Document, Event, IngestJob
from sohoa.archive.settings import Settings
from sohoa.ingest.discover import discover, readable
from sohoa.ingest.identify import UnsupportedFile, identify
from sohoa.ingest.rasterize import Limits, RasterizeError, rasterize

LIMITS = Limits(max_pages=2000, max_page_pixels=100_000_000)


# -- the corpus is what it says it is ---------------------------------------------------------


def test_the_bomb_generators_write_valid_files_of_the_size_they_claim(tmp_path):
    assert zlib.decompress(zeros_zlib(3_000_001)) == bytes(3_000_001)
    (tmp_path / "small-bomb.png").write_bytes(png_bomb(1000))
    with Image.open(tmp_path / "small-bomb.png") as image:
        image.load()
        assert image.size == (1000, 1000) and image.getextrema() == (0, 0)
    (tmp_path / "frames.tif").write_bytes(tiff([(100, 100), (40, 30)]))
    with Image.open(tmp_path / "frames.tif") as image:
        assert image.n_frames == 2
        image.seek(1)
        assert image.size == (40, 30)
    (tmp_path / "pages.pdf").write_bytes(pdf([(595, 842), (14400, 14400)]))
    assert [p.mediabox.width for p in PdfReader(tmp_path / "pages.pdf").pages] == [595, 14400]


# -- the whole corpus, one batch --------------------------------------------------------------


def test_every_hostile_file_is_recorded_and_the_batch_goes_on(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus)
    missing = str(tmp_path / os.fsdecode(b"missing-\xff.pdf"))  # a given path, not UTF-8
    home = tmp_path / "archive"
    settings = Settings(home=home)
    kept = store_original(settings, tmp_path / "kept.bin", b"an original stored before")
    sources = _regular_files(corpus)

    result = run_sohoa(home, "ingest", str(corpus), missing, "--json")

    report = json.loads(result.stdout)["documents"]
    by_name = {d["name"]: d for d in report}
    assert len(report) == len(CORPUS) + 1
    for item in CORPUS:
        outcome = by_name[readable(str(corpus / item.name))]
        assert outcome["status"] == item.status, (item.name, outcome)
        if item.status == "failed":
            assert item.error in outcome["error"], (item.name, outcome)
            assert "\n" not in outcome["error"] and outcome["error"].isprintable()
        else:
            assert outcome["error"] is None, (item.name, outcome)
    assert by_name[readable(missing)]["error"] == "no such file or folder"
    assert readable(missing).endswith("missing-\\xff.pdf")
    good = by_name[readable(str(corpus / GOOD))]
    assert {d["id"] for d in report if d["status"] == "duplicate"} == {good["id"]}
    found = run_json(home, "search", GOOD_WORDS)
    assert [hit["document_id"] for hit in found["hits"]] == [good["id"]]

    failed = {d["name"] for d in report if d["status"] == "failed"}
    engine = open_database(settings)
    with Session(engine) as session:
        (batch,) = session.exec(select(Batch)).all()
        assert batch.finished is not None and batch.paths == [str(corpus), readable(missing)]
        jobs = session.exec(select(IngestJob).where(IngestJob.batch_id == batch.id)).all()
        assert {job.path: job.state for job in jobs} == {d["name"]: d["status"] for d in report}
        events = session.exec(select(Event).order_by(Event.seq)).all()
        failures = [json.loads(e.details)["name"] for e in events if e.action == "ingest.failed"]
        assert sorted(failures) == sorted(failed)
        (finished,) = [e for e in events if e.action == "batch.finished"]
        assert json.loads(finished.details)["files"] == {
            "ingested": 2,
            "duplicate": 2,
            "failed": len(failed),
        }
        documents = session.exec(select(Document)).all()
    engine.dispose()

    stored = list((home / "originals").rglob("*"))
    originals = {p.name: p for p in stored if p.is_file()}
    assert all(storage.sha256_of(path) == sha for sha, path in originals.items())
    assert all(not path.stat().st_mode & 0o222 for path in originals.values())
    assert originals[kept].read_bytes() == b"an original stored before"
    assert {d.sha256 for d in documents} <= set(originals)
    assert _regular_files(corpus) == sources  # ingest reads; it never changes a source


def test_the_table_shows_strange_names_escaped(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("not a scan")
    (corpus / "\x1b[31mred\x1b[0m\nnext.pdf").write_text("not a scan")
    (corpus / os.fsdecode(b"caf\xe9.pdf")).write_bytes(b"")

    result = run_sohoa(tmp_path / "archive", "ingest", str(corpus), env={"COLUMNS": "250"})

    assert "\x1b" not in result.stdout + result.stderr
    assert "\\x1b[31mred\\x1b[0m\\nnext.pdf" in result.stdout
    assert "caf\\xe9.pdf" in result.stdout and "empty file (0 bytes)" in result.stdout
    assert "0 ingested, 0 duplicate(s), 3 failed." in result.stdout


def _regular_files(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder` that is not a link, with its bytes (the sparse one by
    its size: it is 2 GiB of nothing)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            size = path.stat().st_size
            files[str(path)] = path.read_bytes() if size < 1 << 20 else size
    return files


# -- where each refusal is made --------------------------------------------------------------


def test_discover_lists_what_it_cannot_read_without_opening_it(tmp_path):
    make_corpus(tmp_path)
    found = {item.name: item for item in discover([str(tmp_path)], max_file_bytes=2 << 30)}
    expected = {
        "pipe.pdf": "a named pipe (FIFO), not a file",
        "device.tif": "a device, not a file",
        "loop.pdf": "a symbolic link loop (the link leads back to itself)",
        "folder-loop": "a symbolic link loop (a link back to a folder above it)",
        "gone.pdf": "a broken symbolic link (to nowhere.pdf, which is missing)",
        "huge-sparse.tif": "(SOHOA_MAX_FILE_BYTES)",
    }
    for name, error in expected.items():
        assert error in found[str(tmp_path / name)].error
    refused = {name for name, item in found.items() if item.error}
    assert refused == {str(tmp_path / name) for name in expected}
    assert found[str(tmp_path / "folder.pdf" / "inside.txt")].error is None


def test_discover_refuses_a_file_above_the_size_limit_and_a_link_it_is_given(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF" + bytes(2000))
    (tmp_path / "small.pdf").write_bytes(b"%PDF" + bytes(100))
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "2024").symlink_to(tmp_path / "elsewhere")

    found = discover(
        [str(tmp_path / "scan.pdf"), str(tmp_path / "small.pdf"), str(tmp_path / "loop")],
        max_file_bytes=1024,
    )

    assert [item.error for item in found] == [
        "2.0 KiB (2,004 bytes), above the limit of 1.0 KiB (1,024 bytes) (SOHOA_MAX_FILE_BYTES):"
        " not read",
        None,
        "a symbolic link loop (the link leads back to itself)",
    ]
    (linked,) = discover([str(tmp_path / "scans")])
    assert linked.error == "a link to a folder: not followed (give the folder itself to ingest it)"


def test_discover_passes_over_what_file_servers_leave_beside_scans(tmp_path):
    for litter in ("@eaDir/scan.png/SYNOFILE_THUMB_M.jpg", "#recycle/old.pdf", "Thumbs.db"):
        (tmp_path / litter).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / litter).write_bytes(b"not a scan")
    (tmp_path / "scan.png").write_bytes(b"a scan")
    assert [Path(f.name).name for f in discover([str(tmp_path)])] == ["scan.png"]


def test_names_are_made_readable_and_kept_when_they_already_are():
    assert readable("Biên bản họp.pdf") == "Biên bản họp.pdf"
    assert readable(os.fsdecode(b"caf\xe9.pdf")) == "caf\\xe9.pdf"
    assert readable("a\tb\nc\x1b[0m.png") == "a\\tb\\nc\\x1b[0m.png"
    assert readable("invoice-\u202egnp.pdf") == "invoice-\\u202egnp.pdf"
    assert readable(os.fsdecode(b"\xff\n")).encode("ascii") == b"\\xff\\n"


def test_identify_reads_the_file_not_its_reported_size(tmp_path):
    (tmp_path / "unreadable.png").symlink_to("/proc/self/mem")  # size 0, every read fails
    with pytest.raises(OSError, match="Input/output error"):
        identify(tmp_path / "unreadable.png")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    (tmp_path / "archive.pdf").write_bytes(buffer.getvalue())
    with pytest.raises(UnsupportedFile, match=r"application/zip \(\.zip\), though named \.pdf"):
        identify(tmp_path / "archive.pdf")


def test_a_pdf_slower_to_render_than_its_time_limit_is_refused(tmp_path, monkeypatch):
    from sohoa.ingest import rasterize as module

    monkeypatch.setattr(module, "RENDER_SECONDS_PER_PAGE", 0.001)
    plan = Path(__file__).parent.parent / "samples" / "ke-hoach-so-hoa-2024.pdf"
    with pytest.raises(RasterizeError, match="rendering the PDF took longer than"):
        rasterize(plan, "pdf", tmp_path / "pages", 300, Limits(2000, 100_000_000))


def test_any_page_of_a_pdf_too_large_is_refused_before_rendering(tmp_path):
    (tmp_path / "third.pdf").write_bytes(pdf([(595, 842)] * 2 + [(14400, 600)]))
    with pytest.raises(RasterizeError, match="page 3 is 60000×2500 pixels"):
        rasterize(tmp_path / "third.pdf", "pdf", tmp_path / "out", 300, LIMITS)
    assert not list((tmp_path / "out").iterdir())
    (tmp_path / "none.pdf").write_bytes(pdf([]))
    with pytest.raises(RasterizeError, match="^the PDF has no pages$"):
        rasterize(tmp_path / "none.pdf", "pdf", tmp_path / "out", 300, LIMITS)


def test_a_decompression_bomb_is_refused_in_the_archives_words(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_bomb(30000))
    with pytest.raises(RasterizeError) as refused:
        rasterize(tmp_path / "bomb.png", "png", tmp_path / "out", 300, LIMITS)
    assert str(refused.value) == (
        "page 1 is 900 MP, above the limit of 100 MP (SOHOA_MAX_PAGE_PIXELS): "
        "a decompression bomb, not decoded"
    )


@pytest.mark.filterwarnings("ignore:.*(EXIF|Tag data|[Tt]runcated).*:UserWarning")
def test_damaged_images_only_ever_give_a_one_line_refusal(tmp_path):
    """Mutated and cut TIFF, PNG and JPEG files (a fixed seed): each is read or refused with a
    RasterizeError of one line; Pillow's own exceptions (TypeError, KeyError, SyntaxError, ...)
    never escape."""
    seeds = {
        "tiff": _encoded("TIFF", "1", compression="group4"),
        "png": _encoded("PNG", "L"),
        "jpeg": _encoded("JPEG", "L"),
    }
    rng = random.Random(20240601)
    outcomes = {"read": 0, "refused": 0}
    for number in range(300):
        kind = rng.choice(sorted(seeds))
        data = bytearray(seeds[kind])
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(4, len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(8, len(data))]
        path = tmp_path / f"{number}.{kind}"
        path.write_bytes(bytes(data))
        try:
            rasterize(path, kind, tmp_path / "out", 300, LIMITS)
            outcomes["read"] += 1
        except RasterizeError as error:
            assert "\n" not in str(error)
            outcomes["refused"] += 1
    assert outcomes["read"] > 0 and outcomes["refused"] > 0


def _encoded(format: str, mode: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (120, 160), 1 if mode == "1" else 200).save(buffer, format=format, **options)
    return buffer.getvalue()
