"""Preparation: pages scanned turned or tilted come out upright and level; straight pages are
left alone; blank pages are told; a page that cannot be prepared is read as it was."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from sohoa.ingest import prepare as prepare_module
from sohoa.ingest.geometry import SKEW_MIN, apply_geometry, measure_lines, measuring_copy
from sohoa.ingest.ocr import OcrTimeout
from sohoa.ingest.prepare import Preparation, is_blank, prepare_page
from sohoa.ingest.read import read_page

SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
DPI = 200
LINES = [
    "KẾ HOẠCH",
    "Số hóa tài liệu lưu trữ giai đoạn 2024-2025",
    "Căn cứ Luật Lưu trữ năm 2024; Nghị định số 30/2020/NĐ-CP",
    "của Chính phủ về công tác văn thư; Thông tư số 02/2019/TT-BNV",
    "Thực hiện Chương trình công tác năm 2024 của Ban Thường vụ",
    "Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh Bắc Giang",
    "Từng bước chuyển tài liệu giấy đang bảo quản tại kho lưu trữ",
    "cơ quan sang dạng số, phục vụ tra cứu nhanh, chính xác và an toàn;",
    "giảm thời gian tìm kiếm hồ sơ, hạn chế việc khai thác trực tiếp",
    "bản gốc làm hư hỏng tài liệu có giá trị.",
    "Việc số hóa phải bảo đảm đúng quy trình, đúng tiêu chuẩn kỹ thuật;",
    "bản số hóa có độ phân giải tối thiểu 200 dpi, định dạng PDF/A.",
]
WORDS = {"Chính", "phủ", "Khoa", "học", "Giang", "chuyển", "nhanh", "thuật", "quy", "trình"}


def text_page(lines: list[str] = LINES, size: tuple[int, int] = (1400, 1000)) -> Image.Image:
    """A grey page at 200 dpi with Vietnamese text in a 12-point serif, on off-white paper."""
    page = Image.new("L", size, 245)
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(SERIF, 34)
    for number, line in enumerate(lines):
        draw.text((110, 110 + number * 60), line, font=font, fill=20)
    return page


def scanned(page: Image.Image, turned: int, skew: float) -> Image.Image:
    """The page as a scanner would give it: tilted `skew` degrees counter-clockwise, then turned
    `turned` degrees counter-clockwise (so it needs `turned` degrees clockwise to stand up)."""
    tilted = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=245)
    return tilted.rotate(turned, expand=True) if turned else tilted


def save(image: Image.Image, path: Path) -> Path:
    image.save(path, format="PPM")
    return path


def tilt_of(path: Path) -> float:
    """The tilt of the lines on the page image at `path`, as Tesseract measures it."""
    with Image.open(path) as image:
        grey, dpi = measuring_copy(image, DPI, 100)
    return measure_lines(grey, dpi, path.with_name("check.pnm"), None).skew


@pytest.mark.parametrize(
    ("turned", "skew"), [(90, 3.0), (180, -3.0), (270, 3.0), (0, 3.0), (0, -3.0), (90, 0.0)]
)
def test_a_turned_or_tilted_page_comes_out_upright_and_level(tmp_path, turned, skew):
    page = text_page()
    path = save(scanned(page, turned, skew), tmp_path / "page-0001.pnm")
    read = read_page(path, "vie", DPI, *Image.open(path).size)
    done = read.preparation
    assert done.rotation == turned
    assert abs(done.skew - skew) <= 0.3, done
    assert (done.width, done.height) == page.size  # turned back: width and height as printed
    deskewed = bool(skew) or abs(done.skew) >= SKEW_MIN  # level within what can be measured
    assert done.steps == [f"rotate-{turned}"] * bool(turned) + ["deskew"] * deskewed
    assert read.prepared == done.steps
    assert done.error is None and not done.blank
    with Image.open(path) as prepared:
        assert prepared.size == page.size
    assert abs(tilt_of(path)) <= 0.3
    read_words = set(read.text.text.split())
    assert len(WORDS & read_words) >= 8, read.text.text
    assert all(w["box"][0] + w["box"][2] <= page.width for w in read.text.words)


def test_a_straight_page_is_left_alone(tmp_path):
    path = save(text_page(), tmp_path / "page-0001.pnm")
    before = path.read_bytes()
    prepared = prepare_page(path, DPI)
    done = prepared.preparation
    assert done.steps == [] and done.rotation == 0 and done.error is None
    assert abs(done.skew) < SKEW_MIN
    assert done.orientation_confidence is None  # lines run across: OSD not needed before OCR
    assert prepared.ocr_image == path and path.read_bytes() == before
    assert json.loads(json.dumps(done.as_dict())) == done.as_dict()
    assert set(done.as_dict()) >= {"steps", "rotation", "orientation_confidence", "skew", "blank"}


def test_a_small_tilt_is_measured_and_not_corrected(tmp_path):
    path = save(scanned(text_page(), 0, 1.0), tmp_path / "page-0001.pnm")
    before = path.read_bytes()
    done = prepare_page(path, DPI).preparation
    assert done.steps == [] and abs(done.skew - 1.0) <= 0.3
    assert path.read_bytes() == before


def test_apply_geometry_rebuilds_the_prepared_image_from_the_scan(tmp_path):
    scan = scanned(text_page(), 90, 3.0).convert("RGB")
    path = save(scan, tmp_path / "page-0001.pnm")
    done = prepare_page(path, DPI).preparation
    assert done.rotation == 90 and "deskew" in done.steps
    with Image.open(path) as prepared:
        rebuilt = apply_geometry(scan, done.rotation, done.skew)
        assert rebuilt.size == prepared.size == (done.width, done.height)
        assert rebuilt.tobytes() == prepared.tobytes()
    assert apply_geometry(scan, 0, 0.0) is scan  # nothing recorded, nothing done
    with pytest.raises(ValueError):
        apply_geometry(scan, 45, 0.0)


def test_the_corners_a_rotation_uncovers_are_paper_coloured(tmp_path):
    scan = scanned(text_page(), 0, 3.0).convert("RGB")
    yellowed = Image.merge(
        "RGB",
        (
            scan.getchannel("R"),
            scan.getchannel("G"),
            scan.point(lambda v: v * 0.85).getchannel("B"),
        ),
    )
    straight = apply_geometry(yellowed, 0, 3.0)
    corner = straight.getpixel((2, 2))
    assert corner[2] < corner[0] - 20  # yellow, not white


def test_blank_pages_are_told_from_pages_with_text():
    def grey(page: Image.Image) -> Image.Image:
        return measuring_copy(page, DPI, 100)[0]

    paper = Image.new("L", (1654, 2339), 240)  # A4 at 200 dpi
    assert is_blank(grey(paper))
    speckled = np.asarray(paper).copy()
    speckled[np.random.default_rng(0).random(speckled.shape) < 0.01] = 0
    assert is_blank(grey(Image.fromarray(speckled)))  # specks are not ink
    numbered = paper.copy()
    ImageDraw.Draw(numbered).text((800, 2150), "- 3 -", font=ImageFont.truetype(SERIF, 34))
    assert is_blank(grey(numbered))  # a page number alone: nothing to find the page by
    one_line = paper.copy()
    ImageDraw.Draw(one_line).text(
        (110, 300), "Phụ lục kèm theo", font=ImageFont.truetype(SERIF, 34), fill=20
    )
    assert not is_blank(grey(one_line))
    assert not is_blank(grey(text_page()))


def test_a_blank_page_is_marked_and_not_measured(tmp_path):
    path = save(Image.new("L", (1400, 1000), 240), tmp_path / "page-0001.pnm")
    read = read_page(path, "vie", DPI, 1400, 1000)
    assert read.preparation.blank and read.preparation.steps == []
    assert read.preparation.error is None


def test_a_damaged_image_is_kept_and_the_reason_recorded(tmp_path):
    path = tmp_path / "page-0001.pnm"
    path.write_bytes(b"P5\n1400 1000\n255\n" + b"\x00" * 100)  # truncated
    prepared = prepare_page(path, DPI)
    assert prepared.preparation.error is not None and prepared.preparation.error.startswith("open")
    assert prepared.ocr_image == path and path.stat().st_size == 117


def test_a_failed_measurement_leaves_the_page_as_scanned_and_read(tmp_path, monkeypatch):
    def crash(*_args, **_kwargs):
        raise RuntimeError("Tesseract crashed (signal 11)")

    monkeypatch.setattr(prepare_module, "measure_lines", crash)
    path = save(scanned(text_page(), 0, 3.0), tmp_path / "page-0001.pnm")
    before = path.read_bytes()
    read = read_page(path, "vie", DPI, 1400, 1000)
    assert "signal 11" in read.preparation.error and read.preparation.steps == []
    assert path.read_bytes() == before
    assert len(WORDS & set(read.text.text.split())) >= 8


def test_a_page_past_its_time_limit_says_how_it_was_prepared(tmp_path):
    path = save(scanned(text_page(), 90, 0.0), tmp_path / "page-0001.pnm")
    with pytest.raises(OcrTimeout) as stopped:
        read_page(path, "vie", DPI, 1000, 1400, timeout=0.000001)
    assert isinstance(stopped.value.preparation, Preparation)


def test_cleaning_keeps_the_page_size_and_leaves_the_page_itself(tmp_path):
    noisy = np.asarray(text_page()).copy()
    noisy[np.random.default_rng(1).random(noisy.shape) < 0.005] = 0
    path = save(Image.fromarray(noisy), tmp_path / "page-0001.pnm")
    before = path.read_bytes()
    prepared = prepare_page(path, DPI, clean=True)
    assert "clean" in prepared.preparation.steps, prepared.preparation
    assert prepared.ocr_image == tmp_path / "page-0001.ocr.pnm"
    with Image.open(prepared.ocr_image) as cleaned:
        assert cleaned.size == (1400, 1000)
    assert path.read_bytes() == before
