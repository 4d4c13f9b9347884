"""The hostile corpus: files an archive meets in the wild that must each be refused with a clear
one-line reason (or taken for what they really are) while the rest of the batch goes on.

    python tests/hostile_files.py OUTDIR

writes them into OUTDIR (new or empty) in well under a second; nothing large is committed or
written: the bombs are headers with a little compressed data, the file above the size limit is
sparse. `CORPUS` is the one table of what each file is and what ingesting it must record (its
status and a piece of its error); `make_corpus` builds them and is what the tests import.

Linux only, like sohoa's OCR: the unreadable file is a link to /proc/self/mem, which opens and
then fails every read with EIO, as a bad sector or a dropped network share does. (Tests run as
root, and root reads a `chmod 000` file all the same.)
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
GOOD = "a-biên-bản-họp.png"  # the one good page; every other file sorts after it
GOOD_WORDS = "bien ban hop ban thuong vu"  # what a search must find it by
TOO_MANY_PAGES = 2001  # one above the default SOHOA_MAX_PAGES
MAX_FILE_BYTES = 2 << 30  # the default SOHOA_MAX_FILE_BYTES


@dataclass(frozen=True)
class Hostile:
    """One file of the corpus: its name under OUTDIR (a str; bytes that are not UTF-8 as
    os.fsdecode gives them), what it is, how to make it, and what ingest must record."""

    name: str
    what: str
    make: Callable[[Path], None]
    status: str = "failed"
    error: str = ""  # a piece of the recorded error; "" for a file that is not refused


# -- makers: each writes one file at the path it is given ------------------------------------


def good_page(path: Path) -> None:
    """A small page with a line of Vietnamese, quick to OCR."""
    page = Image.new("L", (900, 220), 255)
    font = ImageFont.truetype(FONT, 56)
    ImageDraw.Draw(page).text((40, 70), "Biên bản họp Ban Thường vụ", fill=0, font=font)
    page.save(path, format="PNG", dpi=(150, 150))


def _copy_of_good(path: Path) -> None:
    good_page(path)  # the same bytes: PNG encoding is deterministic


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _text(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


def pdf(page_sizes: list[tuple[float, float]]) -> bytes:
    """A valid PDF of blank pages of the given sizes in points, written by hand: thousands of
    pages in a millisecond, and a page tree with no pages, which PDF libraries refuse to write."""
    count = len(page_sizes)
    kids = " ".join(f"{number + 3} 0 R" for number in range(count))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Count {count} /Kids [{kids}] >>",
        *(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] >>" for w, h in page_sizes),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


A4 = (595, 842)
POSTER = (14400, 14400)  # 200 × 200 inches, the largest page PDF allows: 3,600 MP at 300 dpi


def _pdf(page_sizes: list[tuple[float, float]]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(pdf(page_sizes))


def _truncated_pdf(path: Path) -> None:
    whole = pdf([A4] * 3)
    path.write_bytes(whole[: len(whole) // 2])


def _garbage_pdf(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)


def _encrypted_pdf(path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(*A4)
    writer.encrypt("secret", algorithm="AES-256")
    with open(path, "wb") as handle:
        writer.write(handle)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def zeros_zlib(size: int) -> bytes:
    """A zlib stream of `size` zero bytes, made without compressing them all: after a full flush
    the compressor forgets what it saw, so one block of zeros compresses to the same bytes every
    time and is repeated; the Adler-32 of n zeros is n mod 65521 in its high half, 1 low."""
    block = 1 << 20
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = deflate.compress(bytes(block)) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeats, rest = divmod(size, block)
    body = piece * repeats + deflate.compress(bytes(rest)) + deflate.flush()
    return b"\x78\xda" + body + struct.pack(">I", (size % 65521) << 16 | 1)


def png_bomb(side: int) -> bytes:
    """A real side × side 1-bit PNG, all black, whose pixels would fill side² bytes once decoded
    (30000 → 900 MB) but which is about 100 KB on disk."""
    row = 1 + (side + 7) // 8  # filter byte + packed bits
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zeros_zlib(row * side))
        + _chunk(b"IEND", b"")
    )


def tiff(frames: list[tuple[int, int]]) -> bytes:
    """A little-endian TIFF of uncompressed 1-bit white frames of the given sizes, written by
    hand: every frame points at one shared strip of zeros, as large as the first frame needs, so
    a later frame may claim to be any size (its header is what sohoa must judge it by) and
    thousands of frames take microseconds."""
    first_width, first_height = frames[0]
    pixels = bytes((first_width + 7) // 8 * first_height)
    strip, entries = 8, 8
    ifd_size = 2 + 12 * entries + 4
    first = strip + len(pixels)
    out = bytearray(struct.pack("<2sHI", b"II", 42, first) + pixels)
    for number, (width, height) in enumerate(frames):
        offset = first + number * ifd_size
        following = offset + ifd_size if number + 1 < len(frames) else 0
        tags = [
            (256, 4, width),  # ImageWidth, LONG
            (257, 4, height),  # ImageLength
            (258, 3, 1),  # BitsPerSample: 1
            (259, 3, 1),  # Compression: none
            (262, 3, 0),  # Photometric: white is zero
            (273, 4, strip),  # StripOffsets
            (278, 4, height),  # RowsPerStrip: one strip
            (279, 4, (width + 7) // 8 * height),  # StripByteCounts, as the size claims
        ]
        out += struct.pack("<H", entries)
        for tag, kind, value in tags:
            out += struct.pack("<HHII", tag, kind, 1, value)
        out += struct.pack("<I", following)
    return bytes(out)


def _write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _encoded(format: str, size=(200, 120), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, format=format, **options)
    return buffer.getvalue()


def _truncated(format: str) -> Callable[[Path], None]:
    whole = _encoded(format, (400, 300))
    return lambda path: path.write_bytes(whole[: len(whole) * 2 // 3])


def _damaged_header(format: str) -> Callable[[Path], None]:
    head = _encoded(format)[:4]  # the magic bytes alone decide the type: they are kept
    return lambda path: path.write_bytes(head + b"\x00garbage" * 40)


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("scan.pdf", pdf([A4]))


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _link(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.truncate(size)  # no data blocks written: a size, not 2 GiB of disk

    return make


def _fsname(raw: bytes) -> str:
    return os.fsdecode(raw)


CORPUS: list[Hostile] = [
    Hostile(GOOD, "a good page", good_page, "ingested"),
    Hostile("empty.pdf", "a zero-byte file", _empty, error="empty file (0 bytes)"),
    Hostile("truncated.pdf", "a PDF cut off halfway", _truncated_pdf, error="not a readable PDF"),
    Hostile("garbage.pdf", "a PDF header then garbage", _garbage_pdf, error="not a readable PDF"),
    Hostile("encrypted.pdf", "a password-protected PDF", _encrypted_pdf, error="encrypted"),
    Hostile("no-pages.pdf", "a PDF with no pages", _pdf([]), error="the PDF has no pages"),
    Hostile(
        "thousands-of-pages.pdf",
        f"a PDF bomb: {TOO_MANY_PAGES} pages",
        _pdf([A4] * TOO_MANY_PAGES),
        error=f"{TOO_MANY_PAGES} pages, above the limit of 2000 (SOHOA_MAX_PAGES)",
    ),
    Hostile(
        "poster.pdf",
        "a PDF bomb: a 200-inch page",
        _pdf([POSTER]),
        error="page 1 is 60000×60000 pixels (3600 MP), above the limit of 100 MP",
    ),
    Hostile(
        "second-page-huge.pdf",
        "a PDF bomb: an A4 page, then a 200-inch one",
        _pdf([A4, POSTER]),
        error="page 2 is 60000×60000 pixels",
    ),
    Hostile(
        "bomb.png",
        "a decompression bomb: a 30000×30000 PNG of 100 KB",
        _write(png_bomb(30000)),
        error="page 1 is 900 MP, above the limit of 100 MP (SOHOA_MAX_PAGE_PIXELS)",
    ),
    Hostile(
        "bomb-second-frame.tif",
        "a decompression bomb: a TIFF whose second frame is 30000×30000",
        _write(tiff([(100, 100), (30000, 30000)])),
        error="page 2 is 30000×30000 pixels",
    ),
    Hostile(
        "thousands-of-frames.tif",
        f"a TIFF bomb: {TOO_MANY_PAGES} frames",
        _write(tiff([(8, 8)] * TOO_MANY_PAGES)),
        error=f"{TOO_MANY_PAGES} pages, above the limit of 2000 (SOHOA_MAX_PAGES)",
    ),
    Hostile("truncated.jpg", "a JPEG cut off", _truncated("JPEG"), error="cannot read the image"),
    Hostile("truncated.tif", "a TIFF cut off", _truncated("TIFF"), error="cannot read the image"),
    Hostile(
        "damaged-header.tif",
        "a TIFF signature then garbage",
        _damaged_header("TIFF"),
        error="cannot read the image: its header is damaged",
    ),
    Hostile(
        "damaged-header.jpg",
        "a JPEG signature then garbage",
        _damaged_header("JPEG"),
        error="cannot read the image",
    ),
    Hostile(
        "photo-named-as.pdf",
        "a JPEG named .pdf: taken as the JPEG it is",
        _write(_encoded("JPEG", (120, 60))),
        "ingested",
    ),
    Hostile(
        "archive.pdf",
        "a ZIP named .pdf",
        _zip,
        error="unsupported file type: application/zip (.zip), though named .pdf",
    ),
    Hostile(
        "notes.pdf",
        "a text file named .pdf",
        _text("Biên bản: not a scan\n"),
        error="not a PDF, TIFF, PNG or JPEG",
    ),
    Hostile("scan.gif", "a GIF", _write(_encoded("GIF")), error="unsupported file type: image/gif"),
    Hostile("scan.bmp", "a BMP", _write(_encoded("BMP")), error="unsupported file type: image/bmp"),
    Hostile("pipe.pdf", "a named pipe", _fifo, error="a named pipe (FIFO), not a file"),
    Hostile("device.tif", "a link to /dev/zero", _link("/dev/zero"), error="a device, not a file"),
    Hostile(
        "unreadable.png",
        "a file every read of fails (EIO)",
        _link("/proc/self/mem"),
        error="cannot read the file: Input/output error",
    ),
    Hostile(
        "loop.pdf", "a symbolic link to itself", _link("loop.pdf"), error="a symbolic link loop"
    ),
    Hostile(
        "folder-loop",
        "a link to the folder it is in",
        _link("."),
        error="a symbolic link loop (a link back to a folder above it)",
    ),
    Hostile(
        "gone.pdf",
        "a link to a missing file",
        _link("nowhere.pdf"),
        error="a broken symbolic link (to nowhere.pdf",
    ),
    Hostile(
        "folder.pdf/inside.txt",
        "a folder named .pdf (walked, as any folder) holding a note",
        _text("a note, not a scan"),
        error="not a PDF, TIFF, PNG or JPEG",
    ),
    Hostile(
        "huge-sparse.tif",
        "a file above the size limit (sparse)",
        _sparse(MAX_FILE_BYTES + 1),
        error="above the limit of 2.0 GiB (2,147,483,648 bytes) (SOHOA_MAX_FILE_BYTES)",
    ),
    Hostile("z-copy-of-good.png", "the good page under another name", _copy_of_good, "duplicate"),
    Hostile(
        "names/tab\tand\nnewline.png",
        "a name with a tab and a newline (a copy of the good page)",
        _copy_of_good,
        "duplicate",
    ),
    Hostile(
        "names/\x1b[31mred\x1b[0m.pdf",
        "a name with terminal colour escapes",
        _text("not a scan"),
        error="not a PDF, TIFF, PNG or JPEG",
    ),
    Hostile(
        _fsname(b"names/latin1-caf\xe9-\xff.jpg"),
        "a name that is not UTF-8",
        _empty,
        error="empty file (0 bytes)",
    ),
    Hostile(
        "names/invoice-\u202egnp.pdf",
        "a name with a right-to-left override",
        _text("not a scan"),
        error="not a PDF, TIFF, PNG or JPEG",
    ),
]


def make_corpus(folder: Path) -> list[Hostile]:
    """Write every file of `CORPUS` under `folder` (created); return the table."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in CORPUS:
        path = folder / item.name
        path.parent.mkdir(parents=True, exist_ok=True)
        item.make(path)
    return CORPUS


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/hostile_files.py OUTDIR", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    if folder.exists() and any(folder.iterdir()):
        print(f"{folder} is not empty", file=sys.stderr)
        return 2
    for item in make_corpus(folder):
        print(f"{item.status:9} {item.name!r:42} {item.what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
