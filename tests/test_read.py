"""Reading a page image: a red seal over the signer is lifted before OCR."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from sohoa.ingest.describe.signature import find_signature
from sohoa.ingest.layout import read_layout
from sohoa.ingest.read import read_page

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"


def signed_page(path: Path) -> tuple[int, int]:
    """The foot of a record at 200 dpi: recipients left, authority and signer right, and a red
    round seal stamped across the authority and the name, as offices stamp them."""
    width, height = 1654, 1100
    page = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(page)
    regular, bold = ImageFont.truetype(FONT, 36), ImageFont.truetype(BOLD, 36)
    draw.text((180, 120), "Nơi nhận:", fill=(20, 20, 20), font=regular)
    draw.text((180, 175), "- Như trên;", fill=(20, 20, 20), font=regular)
    draw.text((180, 230), "- Lưu: VT, VP.", fill=(20, 20, 20), font=regular)
    draw.text((1000, 120), "TL. CHỦ TỊCH", fill=(20, 20, 20), font=bold)
    draw.text((940, 175), "CHÁNH VĂN PHÒNG", fill=(20, 20, 20), font=bold)
    draw.text((985, 560), "Lê Thị Thu Hà", fill=(20, 20, 20), font=bold)
    seal = Image.new("RGB", (width, height), (255, 255, 255))
    ring = ImageDraw.Draw(seal)
    for inset, thickness in ((0, 14), (40, 6)):
        box = (880 + inset, 130 + inset, 1300 - inset, 550 - inset)
        ring.ellipse(box, outline=(220, 30, 40), width=thickness)
    ring.regular_polygon((1090, 340, 90), 5, fill=(220, 30, 40))
    ring.text((940, 300), "ỦY BAN NHÂN DÂN", fill=(220, 30, 40), font=bold)
    ImageChops.multiply(page, seal).save(path, format="PPM")  # ink over ink
    return width, height


def test_a_red_seal_is_lifted_and_the_signer_read(tmp_path):
    path = tmp_path / "page.pnm"
    width, height = signed_page(path)
    read = read_page(path, "vie", 200, width, height)
    assert "drop-red" in read.prepared
    with Image.open(path) as page:
        assert page.mode == "RGB"  # the page itself keeps its colours, for the preservation copy
    with Image.open(path.with_name("page.ocr.pnm")) as read_from:
        assert read_from.mode == "L"  # the red channel, where the seal is as light as paper
    assert read.layout.lines == read_layout(read.text.words, width, height).lines
    authority, signer = find_signature(read.layout)
    assert signer is not None and signer[0] == "Lê Thị Thu Hà"
    assert authority is not None and authority[0] == "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG"
    assert "ỦY BAN NHÂN DÂN" not in read.text.text  # the seal's own words are gone
