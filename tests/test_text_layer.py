"""PDF pages that carry their own text: born digital, typed in TCVN3, or OCR'd before.

The PDFs are made here with fpdf2 (DejaVu Sans embedded, so Vietnamese is written as Unicode),
rendered by `rasterize` as the ingest renders them, and read with `read_page` given their layer.
The real born-digital record in shared/samples/real is ingested end to end with `sohoa ingest`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from conftest import FONT, REPO, run_json, run_sohoa
from sohoa.ingest import judge, read, text_layer
from sohoa.ingest.ocr import OcrFailed
from sohoa.ingest.rasterize import Limits, PageImage, rasterize
from sohoa.ingest.read import read_page
from sohoa.ingest.repair import legacy
from sohoa.ingest.text_layer import parse, read_layers

DPI = 150
REAL = REPO.parent / "shared" / "samples" / "real"
RECORD = [  # the head of an administrative record, as Word would write it
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
    "Số: 127/QĐ-UBND",
    "Quảng Ngãi, ngày 14 tháng 3 năm 2024",
    "QUYẾT ĐỊNH",
    "Về việc thành lập đoàn đánh giá nội bộ hệ thống quản lý chất lượng",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Xét đề nghị của Chánh Văn phòng Ủy ban nhân dân tỉnh.",
]
TRUE_LINES = [  # a page as printed ...
    "Kết quả thực hiện phong trào thi đua sáu tháng đầu năm",
    "Căn cứ kế hoạch phát động các phong trào thi đua của tỉnh",
    "Tổ chức tư vấn, phản biện tám nhiệm vụ do tỉnh giao",
]
ENGLISH_OCR = [  # ... and as an English-model OCR read it (cf. shared/samples/legacy-ocr.txt)
    "Ket qua thuc hién phong trao thi dua sau thang dau nim",
    "Can ctr K& hoach phat dong cac phong trao thi dua cia tinh",
    "T6 chirc tu vén, phan bién tam nhiém vu do tinh giao",
]
X, Y, STEP, SIZE = 40.0, 60.0, 24.0, 12  # where the text goes, in points


def make_pdf(
    path: Path,
    lines: list[str],
    *,
    image: Path | None = None,
    invisible: bool = False,
    size: tuple[float, float] = (595.0, 842.0),
    top: float = Y,
) -> Path:
    """A one-page PDF of `size` points: `image` over the whole page if given, then `lines` of
    text from (X, top), one every STEP points, invisible (render mode 3) if asked."""
    pdf = FPDF(unit="pt", format=size)
    pdf.add_page()
    pdf.add_font("dejavu", fname=FONT)
    pdf.set_font("dejavu", size=SIZE)
    if image is not None:
        pdf.image(str(image), x=0, y=0, w=size[0], h=size[1])
    if invisible:
        pdf.text_mode = TextMode.INVISIBLE
    for number, line in enumerate(lines):
        pdf.text(X, top + number * STEP, line)
    pdf.output(str(path))
    return path


def rendered(pdf: Path, folder: Path) -> list[PageImage]:
    return rasterize(pdf, "pdf", folder / "pages", DPI, Limits(10, 10**9))


def scan(path: Path, lines: list[str], size: tuple[float, float], top: float = Y) -> Path:
    """A clean page image of `lines` at DPI, drawn where `make_pdf` writes them (same font, size
    and baselines), as a scan under an OCR layer would show them."""
    scale = DPI / 72
    page = Image.new("L", (round(size[0] * scale), round(size[1] * scale)), 255)
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, round(SIZE * scale))
    for number, line in enumerate(lines):
        at = (X * scale, (top + number * STEP) * scale)
        draw.text(at, line, font=font, fill=0, anchor="ls")
    page.save(path)
    return path


def no_tesseract(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("Tesseract was run")

    monkeypatch.setattr(read, "ocr_page", refuse)
    monkeypatch.setattr(read, "ocr_region", refuse)


def read_pdf(pdf: Path, folder: Path) -> tuple[read.ReadPage, PageImage, list[dict]]:
    [page] = rendered(pdf, folder)
    [layer] = read_layers(pdf, [page])
    result = read_page(page.path, "vie", page.dpi, page.width, page.height, layer=layer)
    return result, page, layer


def ink_under(image: Path, box: list[int]) -> float:
    with Image.open(image) as page:
        ink = np.asarray(page.convert("L")) < 128
    left, top, width, height = box
    return float(ink[top : top + height, left : left + width].mean())


# -- reading the layer -----------------------------------------------------------------------


def test_a_born_digital_page_is_read_from_its_layer_without_tesseract(tmp_path, monkeypatch):
    pdf = make_pdf(tmp_path / "record.pdf", RECORD)
    no_tesseract(monkeypatch)
    result, page, layer = read_pdf(pdf, tmp_path)
    assert result.source == "text-layer" and result.prepared == []
    assert result.text.text.split() == " ".join(RECORD).split()  # exactly, every diacritic
    assert result.text.confidence == 1.0
    assert [line.text for line in result.layout.lines][:2] == RECORD[:2]
    first = layer[0]
    assert first["text"] == "ỦY" and first["conf"] == 1.0
    assert set(first) == {"text", "box", "conf", "line", "par"}
    assert abs(first["box"][0] - X * DPI / 72) <= 2  # points × dpi / 72, from the top left
    assert first["box"][1] < Y * DPI / 72 < first["box"][1] + first["box"][3]
    assert all(ink_under(page.path, word["box"]) > 0.05 for word in layer)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_boxes_match_the_render_of_a_rotated_and_cropped_page(tmp_path, turn):
    pdf = make_pdf(tmp_path / "record.pdf", RECORD)
    reader, writer = PdfReader(pdf), PdfWriter()
    page = reader.pages[0]
    page.rotate(turn)
    page.cropbox.lower_left = (20, 300)  # poppler renders the media box: the crop is ignored
    writer.add_page(page)
    writer.write(tmp_path / "turned.pdf")
    [image] = rendered(tmp_path / "turned.pdf", tmp_path)
    [layer] = read_layers(tmp_path / "turned.pdf", [image])
    assert len(layer) == len(" ".join(RECORD).split())
    assert all(ink_under(image.path, word["box"]) > 0.05 for word in layer)
    with Image.open(image.path) as drawn:
        ink = np.asarray(drawn.convert("L")) < 128
    inside = np.zeros_like(ink)
    for left, top, width, height in (word["box"] for word in layer):
        inside[top : top + height, left : left + width] = True
    assert ink[inside].sum() > 0.95 * ink.sum()  # all the page's ink is in the words' boxes


def test_invisible_text_over_a_scan_is_a_layer(tmp_path):
    size = (420.0, 200.0)
    image = scan(tmp_path / "scan.png", RECORD[:3], size)
    pdf = make_pdf(tmp_path / "ocrd.pdf", RECORD[:3], image=image, invisible=True, size=size)
    [page] = rendered(pdf, tmp_path)
    [layer] = read_layers(pdf, [page])
    assert " ".join(w["text"] for w in layer) == " ".join(RECORD[:3])
    assert judge.covered(page.path, layer) > 0.95  # the layer's words lie on the scan's ink
    result = read_page(page.path, "vie", page.dpi, page.width, page.height, layer=layer)
    assert result.source == "text-layer"


def test_words_off_the_page_are_dropped_and_boxes_cut_to_it(tmp_path):
    pdf = make_pdf(
        tmp_path / "record.pdf", ["trong trang", "ngoài trang"], top=820, size=(300, 830)
    )
    [page] = rendered(pdf, tmp_path)
    [layer] = read_layers(pdf, [page])
    assert [w["text"] for w in layer] == ["trong", "trang"]
    assert all(w["box"][1] + w["box"][3] <= page.height for w in layer)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_legacy_encoded_layer_comes_out_as_unicode(tmp_path, monkeypatch, encoding):
    mojibake = [legacy.encode(line, encoding).decode("cp1252") for line in RECORD]
    assert legacy.detect(" ".join(mojibake)) == encoding
    pdf = make_pdf(tmp_path / "old.pdf", mojibake)
    no_tesseract(monkeypatch)
    result, _page, layer = read_pdf(pdf, tmp_path)
    assert " ".join(w["text"] for w in layer) == " ".join(" ".join(mojibake).split())
    assert result.source == f"text-layer-{encoding}"
    words = result.text.text.split()
    if encoding == "tcvn3":  # TCVN3 has no capitals with a tone: `ỦY` was typed as `ủY`
        assert words != " ".join(RECORD).split()
        words = [word.lower() for word in words]
        assert words == " ".join(RECORD).lower().split()
    else:
        assert words == " ".join(RECORD).split()
    assert [w["box"] for w in result.text.words] == [w["box"] for w in layer]  # boxes kept


def test_an_image_only_pdf_is_ocrd(tmp_path):
    size = (420.0, 200.0)
    pdf = make_pdf(
        tmp_path / "scan.pdf", [], image=scan(tmp_path / "scan.png", RECORD[:2], size), size=size
    )
    [page] = rendered(pdf, tmp_path)
    assert read_layers(pdf, [page]) == [[]]
    result = read_page(page.path, "vie", page.dpi, page.width, page.height, layer=[])
    assert result.source == "ocr"
    assert "QUẢNG NGÃI" in result.text.text


def test_an_english_model_ocr_layer_loses_to_ocr_of_the_page(tmp_path):
    size = (560.0, 200.0)
    image = scan(tmp_path / "scan.png", TRUE_LINES, size)
    pdf = make_pdf(tmp_path / "old-ocr.pdf", ENGLISH_OCR, image=image, invisible=True, size=size)
    result, page, layer = read_pdf(pdf, tmp_path)
    verdict = judge.judge(layer, page.path)
    assert verdict.kind == "damaged" and verdict.score.value < judge.GOOD
    assert result.source == "ocr-over-layer"
    read_words = set(result.text.text.split())
    assert len(read_words & set(" ".join(TRUE_LINES).split())) >= 25


def test_a_signature_box_over_a_scanned_page_is_not_the_page(tmp_path):
    """A scan signed digitally: its only text is the signature box, good Vietnamese, but most
    of the page's ink is outside it; the page is OCR'd."""
    size = (560.0, 260.0)
    image = scan(tmp_path / "scan.png", TRUE_LINES, size)
    stamp = ["TRUNG TÂM CÔNG BÁO VÀ TIN HỌC", "Ngày ký: 06.11.2024"]
    pdf = make_pdf(tmp_path / "signed.pdf", stamp, image=image, size=size, top=215)
    result, page, layer = read_pdf(pdf, tmp_path)
    verdict = judge.judge(layer, page.path)
    assert verdict.score.value >= judge.GOOD and verdict.kind == "partial"
    assert result.source == "ocr-over-layer"
    assert "phong trào thi đua" in result.text.text


# -- a layer never costs a page --------------------------------------------------------------


def test_output_that_does_not_parse_is_no_layer():
    assert parse("<html><body><doc><page", 300) is None
    assert parse("", 300) is None


def test_poppler_failing_or_hanging_is_no_layer(tmp_path, monkeypatch):
    pdf = make_pdf(tmp_path / "record.pdf", RECORD)
    pages = rendered(pdf, tmp_path)

    def hangs(*_args, **kwargs):
        raise subprocess.TimeoutExpired("pdftotext", kwargs["timeout"])

    monkeypatch.setattr(text_layer.subprocess, "run", hangs)
    assert read_layers(pdf, pages) is None
    monkeypatch.undo()
    (tmp_path / "broken.pdf").write_bytes(pdf.read_bytes()[:300])
    assert read_layers(tmp_path / "broken.pdf", pages) is None


def test_a_layer_that_cannot_be_judged_is_ignored_and_the_page_ocrd(tmp_path):
    size = (420.0, 200.0)
    pdf = make_pdf(
        tmp_path / "scan.pdf", [], image=scan(tmp_path / "scan.png", RECORD[:2], size), size=size
    )
    [page] = rendered(pdf, tmp_path)
    broken = [{"text": "hỏng", "line": 0}] * 5  # no boxes
    result = read_page(page.path, "vie", page.dpi, page.width, page.height, layer=broken)
    assert result.source == "ocr" and "QUẢNG NGÃI" in result.text.text


def test_a_poor_layer_is_kept_when_ocr_fails(tmp_path, monkeypatch):
    pdf = make_pdf(tmp_path / "old-ocr.pdf", ENGLISH_OCR)

    def fails(*_args, **_kwargs):
        raise OcrFailed("Tesseract failed on this page (signal 11)")

    monkeypatch.setattr(read, "ocr_page", fails)
    result, _page, _layer = read_pdf(pdf, tmp_path)
    assert result.source == "text-layer"
    assert result.text.text.split() == " ".join(ENGLISH_OCR).split()


# -- scores ----------------------------------------------------------------------------------


def test_the_score_tells_vietnamese_from_english_model_ocr_and_mojibake():
    good = judge.score("\n".join(RECORD + TRUE_LINES))
    damaged = judge.score("\n".join(ENGLISH_OCR))
    tcvn3 = judge.score(legacy.encode("\n".join(RECORD), "tcvn3").decode("cp1252"))
    assert good.value > 0.8 and damaged.value < 0.45 and tcvn3.value < 0.3
    assert judge.score("12/03/2024 45/KH-UBND").words == 0  # numbers and codes say nothing


# -- end to end ------------------------------------------------------------------------------


def test_the_real_born_digital_record_is_ingested_from_its_layer(tmp_path):
    home = tmp_path / "archive"
    report = run_json(home, "ingest", str(REAL / "born_digital_vht507.pdf"))
    [document] = report["documents"]
    assert document["status"] == "ingested" and document["pages"] == 2
    shown = run_json(home, "show", str(document["id"]))
    expected = json.loads((REAL / "born_digital_vht507.metadata.json").read_text())
    for field in ("number", "date", "subject", "issuer", "signer"):
        assert shown["metadata"][field] == expected[field], field
    with sqlite3.connect(next(home.glob("*.db"))) as database:
        events = [
            json.loads(details)
            for (details,) in database.execute(
                "select details from event where action = 'page.recognized'"
            )
        ]
    assert [e["source"] for e in events] == ["text-layer", "text-layer"]
    assert {e["engine"] for e in events} == {"pdf-text-layer"}
    assert [page["text_source"] for page in shown["pages"]] == ["text-layer", "text-layer"]
    # Not a scan: its seal and signature images are no page image whose resolution counts.
    assert [(p["flags"], p["preparation"]["resolution"]) for p in shown["pages"]] == [
        ([], None),
        ([], None),
    ]
    # Its PDF/A copy carries the layer's text, letter for letter.
    copy = tmp_path / "copy.pdf"
    run_sohoa(home, "pdf", str(document["id"]), "--out", str(copy))
    extracted = subprocess.run(
        ["pdftotext", "-raw", str(copy), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "".join(extracted.split()) == "".join(
        "".join(page["text"].split()) for page in shown["pages"]
    )
    assert all(page["edits"] == [] for page in shown["pages"])  # the exact text, nothing to mend


def test_a_pdf_whose_layer_poppler_garbles_is_ingested_by_ocr(tmp_path):
    """Through the installed command, with a pdftotext that prints what does not parse: the
    pages are OCR'd and the document ingested as if the PDF had no layer."""
    fakes = tmp_path / "bin"
    fakes.mkdir()
    (fakes / "pdftotext").write_text("#!/bin/sh\necho '<html><doc><page width=\"1'\n")
    (fakes / "pdftotext").chmod(0o755)
    size = (420.0, 200.0)
    image = scan(tmp_path / "scan.png", RECORD[:2], size)
    pdf = make_pdf(tmp_path / "ocrd.pdf", RECORD[:2], image=image, invisible=True, size=size)
    home = tmp_path / "archive"
    env = {"PATH": f"{fakes}:{os.environ['PATH']}"}
    [document] = run_json(home, "ingest", str(pdf), env=env)["documents"]
    assert document["status"] == "ingested" and document["pages"] == 1
    shown = run_json(home, "show", str(document["id"]))
    assert "QUẢNG NGÃI" in shown["pages"][0]["text"]
    with sqlite3.connect(next(home.glob("*.db"))) as database:
        [(details,)] = database.execute(
            "select details from event where action = 'page.recognized'"
        ).fetchall()
    assert json.loads(details)["source"] == "ocr"
