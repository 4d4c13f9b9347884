"""A page whose OCR hangs or crashes is stopped and said so; a normal page still reads.

The hanging and crashing Tesseracts are small shell scripts put in Tesseract's place (they answer
`--version` as the real one does, which pytesseract asks once per process). Each writes its
process id down, so the test can tell that what was stopped is gone, not left running or as a
zombie the process never reaped.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytesseract
import pytest
import test_read
from PIL import Image, ImageDraw, ImageFont

from conftest import run_json
from sohoa.archive.settings import Settings
from sohoa.ingest.ocr import OcrFailed, OcrTimeout, ocr_page, ocr_region
from sohoa.ingest.read import read_page

REAL = shutil.which("tesseract")


def fake_tesseract(folder: Path, monkeypatch, run: str) -> None:
    """Put a script that runs `run` (shell) for every page in Tesseract's place."""
    script = folder / "tesseract"
    script.write_text(f'#!/bin/sh\n[ "$1" = --version ] && exec {REAL} --version\n{run}\n')
    script.chmod(0o755)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(script))


def a_page(path: Path) -> tuple[int, int]:
    """A short page of printed Vietnamese at 300 dpi."""
    width, height = 1240, 500
    page = Image.new("L", (width, height), 255)
    font = ImageFont.truetype(test_read.FONT, 40)
    ImageDraw.Draw(page).text((120, 150), "Kế hoạch số hóa tài liệu lưu trữ", fill=0, font=font)
    page.save(path)
    return width, height


def gone(pid: int) -> bool:
    """The process has ended and been reaped (a zombie still answers signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_hanging_tesseract_is_stopped_at_the_limit_and_leaves_no_process(tmp_path, monkeypatch):
    fake_tesseract(tmp_path, monkeypatch, f"echo $$ > {tmp_path}/pid\nexec sleep 60")
    page = tmp_path / "page.png"
    width, height = a_page(page)
    started = time.monotonic()
    with pytest.raises(OcrTimeout) as stopped:
        read_page(page, "vie", 300, width, height, timeout=1)
    took = time.monotonic() - started
    assert str(stopped.value) == "OCR took longer than 1 s on this page (SOHOA_OCR_PAGE_TIMEOUT)"
    assert 1 <= took < 2.5
    assert gone(int((tmp_path / "pid").read_text()))


def test_the_limit_is_for_the_whole_page_not_each_tesseract_run(tmp_path, monkeypatch):
    """A page with a signature block is read twice (the page, then the block): the second run
    gets what the first left of the limit. Here the first takes 1.5 s more than Tesseract does
    and the second hangs; the page is stopped at its limit, not 1.5 s after it."""
    runs = tmp_path / "runs"
    runs.mkdir()
    fake_tesseract(
        tmp_path,
        monkeypatch,
        f"n=$(ls {runs} | wc -l); echo $$ > {runs}/$n\n"
        f'[ "$n" = 0 ] && sleep 1.5 && exec {REAL} "$@"\n'
        "exec sleep 60",
    )
    page = tmp_path / "page.pnm"
    width, height = test_read.signed_page(page)
    limit = 8
    started = time.monotonic()
    with pytest.raises(OcrTimeout, match=f"longer than {limit} s on this page"):
        read_page(page, "vie", 200, width, height, timeout=limit)
    took = time.monotonic() - started
    assert sorted(path.name for path in runs.iterdir()) == ["0", "1"]  # the block was read again
    assert limit <= took < limit + 1
    assert gone(int((runs / "1").read_text()))


def test_a_crashing_tesseract_is_a_failure_with_its_message(tmp_path, monkeypatch):
    crash = "echo 'Error in pixReadStream: Unknown format' >&2\nexit 1"
    fake_tesseract(tmp_path, monkeypatch, crash)
    page = tmp_path / "page.png"
    width, height = a_page(page)
    expected = "Tesseract failed on this page (exit 1): Error in pixReadStream: Unknown format"
    with pytest.raises(OcrFailed) as failed:
        read_page(page, "vie", 300, width, height, timeout=30)
    assert str(failed.value) == expected
    with pytest.raises(OcrFailed, match="exit 1"):
        ocr_region(page, (0, 0, 600, 400), "vie", 300)
    fake_tesseract(tmp_path, monkeypatch, "ulimit -c 0; kill -SEGV $$")
    with pytest.raises(OcrFailed, match=r"Tesseract failed on this page \(signal 11\)"):
        ocr_page(page, "vie", 300, timeout=30)


def test_a_normal_page_reads_within_a_generous_limit(tmp_path):
    page = tmp_path / "page.pnm"
    width, height = test_read.signed_page(page)
    read = read_page(page, "vie", 200, width, height, timeout=Settings().ocr_page_timeout)
    assert read.text.text.endswith("Lê Thị Thu Hà")  # its signature block, read twice
    plain = tmp_path / "plain.png"
    a_page(plain)
    assert ocr_page(plain, "vie", 300, timeout=60).text == "Kế hoạch số hóa tài liệu lưu trữ"


def test_the_page_limit_is_a_setting(monkeypatch):
    assert Settings().ocr_page_timeout == 180
    monkeypatch.setenv("SOHOA_OCR_PAGE_TIMEOUT", "30.5")
    assert Settings().ocr_page_timeout == 30.5
    monkeypatch.setenv("SOHOA_OCR_PAGE_TIMEOUT", "0")
    with pytest.raises(ValueError, match="greater than 0"):
        Settings()


def test_a_page_that_hangs_is_marked_and_its_document_kept(tmp_path):
    """Through the installed command: a two-page scan whose second page makes Tesseract hang.
    The first page is read, the second stored without text and with its reason, and the
    document is ingested and found."""
    fakes = tmp_path / "bin"
    fakes.mkdir()
    (fakes / "tesseract").write_text(
        f'#!/bin/sh\ncase "$1" in *page-0002*) exec sleep 60 ;; esac\nexec {REAL} "$@"\n'
    )
    (fakes / "tesseract").chmod(0o755)
    first, second = tmp_path / "one.png", tmp_path / "two.png"
    a_page(first)
    a_page(second)
    scan = tmp_path / "scan.tiff"
    with Image.open(first) as one, Image.open(second) as two:
        one.save(scan, save_all=True, append_images=[two], dpi=(300, 300))
    env = {
        "PATH": f"{fakes}:{os.environ['PATH']}",
        "SOHOA_OCR_PAGE_TIMEOUT": "2",
        "SOHOA_WORKERS": "1",
    }
    home = tmp_path / "archive"
    started = time.monotonic()
    report = run_json(home, "ingest", str(scan), env=env)
    assert time.monotonic() - started < 40  # stopped at its limit, not after 60 s
    [document] = report["documents"]
    assert document["status"] == "ingested" and document["pages"] == 2
    assert "longer than 2 s" in document["unread_pages"]["2"]
    shown = run_json(home, "show", str(document["id"]))
    assert [bool(p["text"].strip()) for p in shown["pages"]] == [True, False]
    assert shown["pages"][0]["error"] is None
    assert "SOHOA_OCR_PAGE_TIMEOUT" in shown["pages"][1]["error"]
    assert run_json(home, "search", "ke hoach so hoa")["total"] == 1
    assert run_json(home, "trail", "verify")["ok"] is True
