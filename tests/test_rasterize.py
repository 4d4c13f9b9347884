"""identify and rasterize: content decides the type; bad files are refused with a clear reason."""

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from sohoa.ingest.identify import UnsupportedFile, identify
from sohoa.ingest.rasterize import Limits, RasterizeError, rasterize

LIMITS = Limits(max_pages=50, max_page_pixels=20_000_000)


def make_png(path: Path, size=(850, 1100), dpi=100) -> Path:
    Image.new("L", size, 255).save(path, format="PNG", dpi=(dpi, dpi))
    return path


def make_pdf(path: Path, pages: int, encrypt: bool = False) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if encrypt:
        writer.encrypt("secret", algorithm="AES-256")
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


def test_type_comes_from_content_not_extension(tmp_path):
    lying = make_png(tmp_path / "scan.pdf")
    assert identify(lying) == ("png", "image/png")
    assert identify(make_pdf(tmp_path / "noext", 1)) == ("pdf", "application/pdf")


def test_empty_and_unsupported_files_are_refused(tmp_path):
    (tmp_path / "zero.pdf").write_bytes(b"")
    with pytest.raises(UnsupportedFile, match="empty file"):
        identify(tmp_path / "zero.pdf")
    (tmp_path / "notes.pdf").write_text("not a scan at all")
    with pytest.raises(UnsupportedFile, match="not a PDF, TIFF, PNG or JPEG"):
        identify(tmp_path / "notes.pdf")
    Image.new("RGB", (10, 10)).save(tmp_path / "x.gif", format="GIF")
    with pytest.raises(UnsupportedFile, match="image/gif"):
        identify(tmp_path / "x.gif")


def test_pdf_pages_are_rendered_at_the_requested_resolution(tmp_path):
    pages = rasterize(make_pdf(tmp_path / "two.pdf", 2), "pdf", tmp_path / "out", 100, LIMITS)
    assert [p.number for p in pages] == [1, 2]
    assert all(p.path.exists() and p.dpi == 100 for p in pages)
    assert (pages[0].width, pages[0].height) == (827, 1170)  # A4 at 100 dpi, rounded up by poppler


def test_every_tiff_frame_is_a_page_and_its_dpi_is_kept(tmp_path):
    frames = [Image.new("1", (1000, 1400), 1) for _ in range(3)]
    frames[0].save(
        tmp_path / "multi.tif",
        save_all=True,
        append_images=frames[1:],
        compression="group4",
        dpi=(200, 200),
    )
    pages = rasterize(tmp_path / "multi.tif", "tiff", tmp_path / "out", 300, LIMITS)
    assert [p.number for p in pages] == [1, 2, 3]
    assert {p.dpi for p in pages} == {200}


def test_an_image_without_resolution_is_assumed_a4_wide(tmp_path):
    Image.new("RGB", (1654, 2339), "white").save(tmp_path / "phone.jpg", format="JPEG")
    (page,) = rasterize(tmp_path / "phone.jpg", "jpeg", tmp_path / "out", 300, LIMITS)
    assert page.dpi == 200


def test_a_page_too_large_is_refused_before_decoding(tmp_path):
    big = make_png(tmp_path / "big.png", size=(6000, 6000))
    with pytest.raises(RasterizeError, match="6000×6000 pixels .*SOHOA_MAX_PAGE_PIXELS"):
        rasterize(big, "png", tmp_path / "out", 300, LIMITS)
    huge_pdf = tmp_path / "poster.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=14400, height=14400)  # 200 × 200 inches
    writer.write(huge_pdf)
    with pytest.raises(RasterizeError, match="MP"):
        rasterize(huge_pdf, "pdf", tmp_path / "out", 300, LIMITS)


def test_too_many_pages_are_refused(tmp_path):
    with pytest.raises(RasterizeError, match="51 pages, above the limit of 50"):
        rasterize(make_pdf(tmp_path / "long.pdf", 51), "pdf", tmp_path / "out", 50, LIMITS)


def test_encrypted_truncated_and_corrupt_files_give_one_line_reasons(tmp_path):
    encrypted = make_pdf(tmp_path / "locked.pdf", 1, encrypt=True)
    with pytest.raises(RasterizeError, match="encrypted"):
        rasterize(encrypted, "pdf", tmp_path / "out", 100, LIMITS)
    whole = make_pdf(tmp_path / "whole.pdf", 3).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(whole[: len(whole) // 3])
    with pytest.raises(RasterizeError, match="not a readable PDF") as cut:
        rasterize(tmp_path / "cut.pdf", "pdf", tmp_path / "out", 100, LIMITS)
    assert "\n" not in str(cut.value)
    png = make_png(tmp_path / "full.png").read_bytes()
    (tmp_path / "broken.png").write_bytes(png[:60])
    with pytest.raises(RasterizeError, match="cannot read the image"):
        rasterize(tmp_path / "broken.png", "png", tmp_path / "out", 300, LIMITS)
