"""The PDF/A preservation copy: every ingested document gets one, with the repaired text on the
OCR's boxes and the record's metadata in its XMP; it is valid PDF/A-2b, stored by its hash,
recorded, reproducible byte for byte, made again when the record changes, and never at the
cost of the document or its original."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import img2pdf
import pikepdf
import pikepdf.pdfa
import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session, select
from test_prepare import DPI, LINES, WORDS, text_page

from conftest import FONT, api_client, one_line_page, run_json, run_sohoa
from databases import archive_settings
from sohoa.api.web import create_app
from sohoa.archive import storage
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Event
from sohoa.ingest import pdfa, preserve
from sohoa.ingest.pdfa import PdfInfo, PdfPage, build_pdfa
from sohoa.ingest.pipeline import Ingester
from sohoa.ingest.text_placement import PlacedWord, placed_lines
from sohoa.search import open_index

ELEMENTS = "{http://purl.org/dc/elements/1.1/}"


def pdf_words(path: Path, page: int) -> list[str]:
    """The words a PDF viewer finds on one page, in the order the text layer holds them."""
    text = subprocess.run(
        ["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split()


def copy_of(home: Path, detail: dict) -> Path:
    return storage.original_path(
        archive_settings(home=home).preservation_dir, detail["preservation"]["sha256"]
    )


@pytest.fixture(scope="module")
def details(sample_archive) -> list[dict]:
    home, report = sample_archive
    return [run_json(home, "show", str(d["id"])) for d in report["documents"]]


def test_every_ingested_document_has_a_valid_pdfa_copy_stored_by_its_hash(sample_archive, details):
    home, _ = sample_archive
    settings = archive_settings(home=home)
    for detail in details:
        path = copy_of(home, detail)
        assert storage.sha256_of(path) == detail["preservation"]["sha256"]
        assert detail["preservation"] == {**detail["preservation"], "format": "PDF/A-2B"}
        with pikepdf.open(path) as pdf:
            assert pdf.open_metadata().pdfa_status == "2B"
            with pdfa.no_stray_warnings():  # another test's connection closed meanwhile
                assert pikepdf.pdfa.check(pdf, "2b").violations == ()
            assert len(pdf.pages) == len(detail["pages"])
        assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0
        ghostscript = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(path)]
        assert subprocess.run(ghostscript, capture_output=True).returncode == 0
        # The original is untouched: still at its address, with its hash.
        original = storage.original_path(settings.originals_dir, detail["sha256"])
        assert storage.sha256_of(original) == detail["sha256"]


def test_the_copy_carries_the_repaired_text_and_the_record_in_its_xmp(sample_archive, details):
    home, _ = sample_archive
    for detail in details:
        out = home.parent / f"copy-{detail['id']}.pdf"
        shown = run_json(home, "pdf", str(detail["id"]), "--out", str(out))
        assert shown["sha256"] == detail["preservation"]["sha256"] == storage.sha256_of(out)
        for page in detail["pages"]:
            # Letter for letter; a viewer guesses the spaces from the gaps between boxes, and
            # runs two words together where OCR boxed them tightly (`CHỦTỊCH`).
            found = "".join(pdf_words(out, page["number"]))
            assert found == "".join(page["text"].split()), page["number"]
        meta = detail["metadata"]
        with pikepdf.open(out) as pdf:
            xmp = pdf.open_metadata()
            assert xmp[f"{ELEMENTS}title"] == (meta["subject"] or Path(detail["name"]).name)
            assert xmp[f"{ELEMENTS}source"] == f"sha256:{detail['sha256']}"
            assert xmp[f"{ELEMENTS}language"] == {"vi"}  # an XMP bag
            if meta["issuer"]:
                assert xmp[f"{ELEMENTS}creator"] == [meta["issuer"]]
            if meta["number"]:
                assert xmp[f"{ELEMENTS}identifier"] == meta["number"]
            if meta["date"]:
                assert xmp[f"{ELEMENTS}date"] == [meta["date"]]
    plan = next(d for d in details if d["name"].endswith("ke-hoach-so-hoa-2024.pdf"))
    assert plan["metadata"]["number"] == "45/KH-LHH"  # so the XMP checks above ran on it


def test_ingest_and_copy_are_events_naming_both_hashes(sample_archive, details):
    home, _ = sample_archive
    for detail in details:
        log = run_json(home, "trail", "log", "--document", str(detail["id"]))
        preserved = [e for e in log if e["action"] == "document.preserved"]
        assert preserved, detail["name"]
        assert preserved[-1]["details"]["sha256"] == detail["preservation"]["sha256"]
        assert preserved[-1]["details"]["original"] == detail["sha256"]


def scan(text_lines: list[str], dpi: int = 300) -> Image.Image:
    """A grey page with printed lines, at about A5 width for the given resolution."""
    width = round(5.8 * dpi)
    page = Image.new("L", (width, 120 + 90 * len(text_lines)), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, round(dpi / 7))
    for n, line in enumerate(text_lines):
        draw.text((round(dpi / 3), 60 + 90 * n), line, font=font, fill=0)
    return page


def test_the_text_layer_holds_the_repaired_words_on_the_ocr_boxes(tmp_path):
    """What OCR read (`K& hoach`) is not what a viewer finds; the repair (`Kế hoạch`) is, at
    the place on the page where OCR saw the word."""
    page = Image.new("L", (1200, 300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 48)
    words, x = [], 60
    for n, raw in enumerate(["K&", "hoach", "s6", "hoa"]):
        draw.text((x, 100), raw, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, 100), raw, font=font)
        words.append({"text": raw, "box": [left, top, right - left, bottom - top], "line": n})
        x = right + 40
    page.save(tmp_path / "page.pnm")
    lines = placed_lines(words, "K& hoach s6 hoa", "Kế hoạch số hóa")
    assert [w.text for w in lines[0]] == ["Kế", "hoạch", "số", "hóa"]
    out = tmp_path / "copy.pdf"
    build_pdfa(
        [PdfPage(tmp_path / "page.pnm", 300, lines)], PdfInfo("Kế hoạch"), out, tmp_path / "b"
    )
    assert pdf_words(out, 1) == ["Kế", "hoạch", "số", "hóa"]
    # Where the viewer finds `hoạch` is where OCR boxed `hoach` (PDF points at 300 dpi).
    boxes = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True)
    found = [line for line in boxes.stdout.splitlines() if ">hoạch<" in line][0]
    x_min = float(found.split('xMin="')[1].split('"')[0])
    assert abs(x_min - words[1]["box"][0] * 72 / 300) < 3


def test_placing_words_where_repair_changed_a_line_s_word_count():
    words = [
        {"text": "Ban", "box": [0, 0, 30, 10]},
        {"text": "Thuong", "box": [40, 0, 50, 10]},
        {"text": "vu", "box": [100, 0, 20, 10]},
        {"text": "vu", "box": [0, 50, 20, 10]},
    ]
    lines = placed_lines(words, "Ban Thuong vu\nvu", "Ban Thường vụ họp\nvụ")
    # The first line's words no longer match one to one: the line goes over the line's box.
    assert lines[0] == [PlacedWord("Ban Thường vụ họp", (0, 0, 120, 10))]
    # The repeated `vu` of the second line is the second OCR word, not the first again.
    assert lines[1] == [PlacedWord("vụ", (0, 50, 20, 60))]
    # A text whose lines no longer match the OCR's is given as OCR read it.
    assert [w.text for w in placed_lines(words, "Ban Thuong vu\nvu", "một dòng")[0]] == [
        "Ban",
        "Thuong",
        "vu",
    ]


@pytest.fixture
def small_archive(tmp_path) -> tuple[Path, int]:
    """An archive holding one small scan; its document id."""
    one_line_page("Biên bản họp Ban Thường vụ").save(tmp_path / "bien-ban.png", dpi=(300, 300))
    home = tmp_path / "archive"
    report = run_json(home, "ingest", str(tmp_path / "bien-ban.png"))
    return home, report["documents"][0]["id"]


def test_a_lost_copy_is_made_again_from_the_original_byte_for_byte(small_archive, tmp_path):
    home, document_id = small_archive
    before = run_json(home, "show", str(document_id))["preservation"]
    copy_of(home, {"preservation": before}).chmod(0o600)
    copy_of(home, {"preservation": before}).unlink()
    out = tmp_path / "again.pdf"
    again = run_json(home, "pdf", str(document_id), "--out", str(out))
    # Same pages, same text, same record: the same file, so anyone can rebuild and compare.
    assert again["sha256"] == before["sha256"] == storage.sha256_of(out)
    events = run_json(home, "trail", "log", "--document", str(document_id))
    assert [e["action"] for e in events].count("document.preserved") == 2


def test_a_corrected_record_outdates_its_copy_and_the_next_copy_says_what_it_says(
    small_archive, tmp_path
):
    home, document_id = small_archive
    before = run_json(home, "show", str(document_id))["preservation"]
    run_sohoa(home, "edit", str(document_id), "subject", "Họp Ban Thường vụ quý III")
    outdated = run_json(home, "show", str(document_id))["preservation"]
    assert outdated == {**before, "outdated": True}
    out = tmp_path / "new.pdf"
    made = run_json(home, "pdf", str(document_id), "--out", str(out))
    assert made["sha256"] != before["sha256"] and made["outdated"] is False
    with pikepdf.open(out) as pdf:
        assert pdf.open_metadata()[f"{ELEMENTS}title"] == "Họp Ban Thường vụ quý III"
    events = run_json(home, "trail", "log", "--document", str(document_id))
    assert events[-1]["action"] == "document.preserved"
    assert events[-1]["details"]["replaces"] == before["sha256"]
    # The earlier copy is still stored as it was: nothing stored is ever rewritten.
    assert storage.sha256_of(copy_of(home, {"preservation": before})) == before["sha256"]


def test_the_api_returns_the_copy(small_archive):
    home, document_id = small_archive
    client = api_client(create_app(archive_settings(home=home)), "staff")
    response = client.get(f"/api/documents/{document_id}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    sha = run_json(home, "show", str(document_id))["preservation"]["sha256"]
    assert response.headers["x-sohoa-sha256"] == sha
    assert response.content.startswith(b"%PDF-")
    missing = client.get("/api/documents/999/pdf")
    assert missing.status_code == 404 and "999" in missing.json()["error"]["message"]


def test_a_copy_that_cannot_be_made_costs_the_document_nothing_and_is_made_later(
    new_archive, tmp_path, monkeypatch
):
    one_line_page("Thông báo họp").save(tmp_path / "thong-bao.png", dpi=(300, 300))
    settings = new_archive(tmp_path / "archive")
    engine = open_database(settings)

    def broken(*args, **kwargs):
        raise pdfa.PdfaError("the page image is damaged")

    monkeypatch.setattr(preserve, "build_pdfa", broken)
    report = Ingester(settings, engine, open_index(settings)).run([str(tmp_path / "thong-bao.png")])
    outcome = report.files[0]
    assert outcome.status == "ingested"
    assert "the page image is damaged" in outcome.preservation_error
    with Session(engine) as session:
        document = session.get(Document, outcome.document_id)
        assert document.status == "ingested" and document.preserve_pending
    monkeypatch.undo()
    # The next ingest (of anything) makes the copy it still owes.
    Ingester(settings, engine, open_index(settings)).run([str(tmp_path / "thong-bao.png")])
    with Session(engine) as session:
        assert not session.get(Document, outcome.document_id).preserve_pending
        made = session.exec(select(Event).where(Event.action == "document.preserved")).all()
        assert len(made) == 1 and json.loads(made[0].details)["pages"] == 1


def test_a_scan_below_200_dpi_is_flagged_not_refused(tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    scan(["Biên bản kiểm tra hồ sơ"], dpi=150).save(folder / "thap.png", dpi=(150, 150))
    scan(["Biên bản kiểm tra hồ sơ"], dpi=300).save(folder / "du.png", dpi=(300, 300))
    # A PDF of a 150-dpi scan: rendered at 300 for OCR, but the scan's own resolution counts.
    scan(["Kế hoạch số hóa"], dpi=150).save(tmp_path / "scan.png", dpi=(150, 150))
    (folder / "thap.pdf").write_bytes(img2pdf.convert(str(tmp_path / "scan.png")))
    home = tmp_path / "archive"
    report = run_json(home, "ingest", str(folder))
    flags = {}
    for document in report["documents"]:
        assert document["status"] == "ingested"
        page = run_json(home, "show", str(document["id"]))["pages"][0]
        flags[Path(document["name"]).name] = (page["flags"], page["preparation"]["resolution"])
    assert flags == {
        "thap.png": (["low-dpi"], 150),
        "du.png": ([], 300),
        "thap.pdf": (["low-dpi"], 150),
    }


def test_a_turned_and_tilted_scan_is_read_upright_and_its_copy_rebuilds_the_same(tmp_path):
    """End to end: a scan fed in a quarter turn off and tilted 3° is read upright, its page
    records what was done, and its PDF/A copy, made again later from the original, is the
    same file: the recorded turn and tilt are applied again exactly."""
    folder = tmp_path / "scans"
    folder.mkdir()
    page = text_page().rotate(3.0, resample=Image.Resampling.BICUBIC, fillcolor=245)
    page.rotate(90, expand=True).save(folder / "xoay.png", dpi=(DPI, DPI))
    Image.new("L", (1400, 1000), 245).save(folder / "trang.png", dpi=(DPI, DPI))
    home = tmp_path / "archive"
    report = run_json(home, "ingest", str(folder))
    shown = {
        Path(d["name"]).name: run_json(home, "show", str(d["id"])) for d in report["documents"]
    }
    turned = shown["xoay.png"]["pages"][0]
    assert turned["preparation"]["rotation"] == 90 and "deskew" in turned["preparation"]["steps"]
    assert abs(turned["preparation"]["skew"] - 3.0) < 0.3
    assert (turned["width"], turned["height"]) == (1400, 1000)  # upright: as it was printed
    assert len(WORDS & set(turned["text"].split())) >= 8
    blank = shown["trang.png"]["pages"][0]
    assert blank["flags"] == ["blank"] and blank["preparation"]["blank"] is True
    before = shown["xoay.png"]["preservation"]
    copy_of(home, {"preservation": before}).unlink()
    again = run_json(home, "pdf", str(shown["xoay.png"]["id"]), "--out", str(tmp_path / "a.pdf"))
    assert again["sha256"] == before["sha256"]


def test_a_blank_page_is_kept_flagged_and_not_indexed(tmp_path):
    """A page with nothing on it but its number is a page of the document, flagged blank, and
    no search finds it by what little OCR read there."""
    page = Image.new("L", (1400, 1000), 245)
    ImageDraw.Draw(page).text((670, 900), "- 17 -", font=ImageFont.truetype(FONT, 28), fill=20)
    text = text_page([*LINES[:10], "Điều 17. Quyết định có hiệu lực từ ngày ký."])
    text.save(tmp_path / "hai-trang.tiff", dpi=(DPI, DPI), save_all=True, append_images=[page])
    home = tmp_path / "archive"
    [document] = run_json(home, "ingest", str(tmp_path / "hai-trang.tiff"))["documents"]
    pages = run_json(home, "show", str(document["id"]))["pages"]
    assert [p["flags"] for p in pages] == [[], ["blank"]]
    assert "17" in pages[1]["raw_text"]  # OCR read the number, and it is kept
    # `17` is found on the first page, where it is text, and not on the blank one.
    [hit] = run_json(home, "search", "17")["hits"]
    assert hit["pages"] == [1]
