"""Receiving uploads (`api.upload`): hostile names, zip-slip, zip bombs and limits, with nothing
left on disk after a refusal. No OCR here: these only put files in an upload's folder."""

from __future__ import annotations

import io
import stat
import unicodedata
import zipfile

import pytest

from sohoa.api.upload import TooLarge, UploadRefused, safe_name, stage_files
from sohoa.archive.settings import Settings

VIETNAMESE = "Báo cáo tháng 6 – Sở Tư pháp.pdf"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("C:\\Users\\an\\scan.pdf", "scan.pdf"),
        ("/absolute/scan.pdf", "scan.pdf"),
        ("a\x00b\nc\x1b[31m\u202e.pdf", "abc[31m.pdf"),
        (".bashrc", "bashrc"),
        ("...scan.pdf", "scan.pdf"),
        ("scan.pdf. . ", "scan.pdf"),
        ("CON", "_CON"),
        ("nul.pdf", "_nul.pdf"),
        ("Com1.tif", "_Com1.tif"),
        ("LPT9", "_LPT9"),
        ('a<b>:c"d|e?f*.pdf', "a_b__c_d_e_f_.pdf"),
        (unicodedata.normalize("NFD", VIETNAMESE), VIETNAMESE),
    ],
)
def test_a_hostile_name_becomes_a_plain_file_name(sent, kept):
    assert safe_name(sent) == kept


@pytest.mark.parametrize("sent", ["", ".", "..", "a/..", "..\\", "\x01\x02", "  "])
def test_a_name_that_is_no_name_is_refused(sent):
    with pytest.raises(ValueError, match="not a file name"):
        safe_name(sent)


def test_a_long_name_is_cut_to_200_bytes_keeping_its_extension():
    name = safe_name("ễ" * 150 + ".pdf")  # 3 bytes a letter: 454 bytes
    assert name.endswith("ễ.pdf")
    assert len(name.encode()) <= 200
    assert unicodedata.is_normalized("NFC", name)
    assert safe_name("x" * 300) == "x" * 200


def staged(settings: Settings, files: dict[str, bytes]):
    return stage_files(settings, [(name, io.BytesIO(data)) for name, data in files.items()])


def nothing_left(settings: Settings) -> bool:
    return not any(settings.uploads_dir.iterdir())


def test_files_are_staged_under_safe_distinct_names(settings):
    upload = stage_files(
        settings,
        [
            ("a.pdf", io.BytesIO(b"%PDF-1 one")),
            ("dir/a.pdf", io.BytesIO(b"%PDF-1 two")),
            ("..\\a.pdf", io.BytesIO(b"%PDF-1 three")),
            ("a", io.BytesIO(b"four")),
            ("a", io.BytesIO(b"five")),
        ],
    )
    assert upload.folder.parent == settings.home / "uploads"
    assert upload.files == ["a.pdf", "a (2).pdf", "a (3).pdf", "a", "a (2)"]
    assert (upload.folder / "a (3).pdf").read_bytes() == b"%PDF-1 three"
    assert upload.bytes == sum(len(b) for b in [b"%PDF-1 one", b"%PDF-1 two", b"%PDF-1 three"]) + 8


def test_a_file_above_the_limit_is_refused_and_nothing_is_left(settings):
    settings.max_file_bytes = 1000
    with pytest.raises(TooLarge, match="larger than 1000 bytes .SOHOA_MAX_FILE_BYTES"):
        staged(settings, {"small.pdf": b"x" * 10, "big.pdf": b"x" * 1001})
    assert nothing_left(settings)


def test_an_upload_above_its_limits_is_refused(settings):
    settings.max_upload_bytes = 1500
    with pytest.raises(TooLarge, match="SOHOA_MAX_UPLOAD_BYTES"):
        staged(settings, {"a.pdf": b"x" * 1000, "b.pdf": b"x" * 1000})
    settings.max_upload_bytes = 1 << 20
    settings.max_upload_files = 2
    with pytest.raises(TooLarge, match="more than 2 files"):
        staged(settings, {"a": b"1", "b": b"2", "c": b"3"})
    assert nothing_left(settings)


def zipped(entries: list[tuple[str | zipfile.ZipInfo, bytes]], **options) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **options) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_is_unpacked_with_its_folders(settings):
    inner = zipped([("x.pdf", b"%PDF-1")])
    data = zipped(
        [
            ("hồ sơ/2024/a.pdf", b"%PDF-1 a"),
            ("hồ sơ/b.png", b"\x89PNG b"),
            ("hồ sơ/.DS_Store", b"junk"),
            ("__MACOSX/hồ sơ/._a.pdf", b"junk"),
            ("hồ sơ/Thumbs.db", b"junk"),
            ("hồ sơ/nested.zip", inner),
        ]
    )
    upload = staged(settings, {"folder.zip": data, "c.pdf": b"%PDF-1 c"})
    assert sorted(upload.files) == ["c.pdf", "hồ sơ/2024/a.pdf", "hồ sơ/b.png", "hồ sơ/nested.zip"]
    assert (upload.folder / "hồ sơ/2024/a.pdf").read_bytes() == b"%PDF-1 a"
    assert (upload.folder / "hồ sơ/nested.zip").read_bytes() == inner  # kept, not unpacked
    assert not (upload.folder / "folder.zip").exists()
    skipped = ["__MACOSX/hồ sơ/._a.pdf", "hồ sơ/.DS_Store", "hồ sơ/Thumbs.db"]
    assert sorted(upload.skipped) == skipped


def test_a_zip_is_known_by_its_bytes_not_its_name(settings):
    upload = staged(settings, {"scan.pdf": zipped([("a.pdf", b"%PDF")]), "b.zip": b"not a zip"})
    assert sorted(upload.files) == ["a.pdf", "b.zip"]


@pytest.mark.parametrize(
    "entry", ["../evil.pdf", "a/../../evil.pdf", "..\\..\\evil.pdf", "ok/..\\..\\evil.pdf"]
)
def test_a_zip_entry_climbing_out_is_refused(settings, entry):
    with pytest.raises(UploadRefused, match="points outside the zip"):
        staged(settings, {"slip.zip": zipped([("fine.pdf", b"%PDF"), (entry, b"evil")])})
    assert nothing_left(settings)
    assert not (settings.home / "evil.pdf").exists()


def test_absolute_and_drive_letter_entries_stay_inside(settings):
    data = zipped([("/etc/cron.d/evil", b"1"), ("C:\\Windows\\evil.pdf", b"2"), ("./a", b"3")])
    upload = staged(settings, {"abs.zip": data})
    assert sorted(upload.files) == ["Windows/evil.pdf", "a", "etc/cron.d/evil"]
    for name in upload.files:
        assert (upload.folder / name).resolve().is_relative_to(upload.folder.resolve())


def test_a_symbolic_link_in_a_zip_is_refused(settings):
    link = zipfile.ZipInfo("link")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(UploadRefused, match="symbolic link"):
        staged(settings, {"links.zip": zipped([(link, b"/etc/passwd")])})
    assert nothing_left(settings)


def test_an_encrypted_entry_is_refused(settings):
    data = bytearray(zipped([("secret.pdf", b"%PDF")]))
    data[6] |= 0x1  # the local header's flag: encrypted
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # and the central directory's
    with pytest.raises(UploadRefused, match="encrypted"):
        staged(settings, {"secret.zip": bytes(data)})
    assert nothing_left(settings)


def test_a_zip_bomb_is_refused_by_what_it_unpacks_to(settings):
    settings.max_upload_bytes = 5 << 20
    settings.max_zip_ratio = 10_000  # so the total, counted while unpacking, is what stops it
    bomb = zipped([("zeros.tif", bytes(10 << 20))])
    assert len(bomb) < 20_000
    with pytest.raises(TooLarge, match="unpacks to more than 5.0 MiB"):
        staged(settings, {"bomb.zip": bomb})
    assert nothing_left(settings)


def test_a_zip_bomb_whose_header_lies_is_stopped_while_unpacking(settings):
    settings.max_upload_bytes = 5 << 20
    settings.max_zip_ratio = 10_000
    data = bytearray(zipped([("zeros.tif", bytes(10 << 20))]))
    for header, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # says 1000 bytes
        at = data.find(header)
        data[at + size_at : at + size_at + 4] = (1000).to_bytes(4, "little")
    with pytest.raises(UploadRefused, match="damaged zip: Bad CRC"):  # stops at what it says
        staged(settings, {"liar.zip": bytes(data)})
    assert nothing_left(settings)


def test_a_zip_entry_compressed_like_a_bomb_is_refused_by_its_ratio(settings):
    with pytest.raises(TooLarge, match="times its packed size"):
        staged(settings, {"bomb.zip": zipped([("zeros.tif", bytes(10 << 20))])})
    assert nothing_left(settings)


def test_too_many_entries_are_refused_before_unpacking(settings):
    settings.max_upload_files = 10
    data = zipped([(f"{n}.pdf", b"%PDF") for n in range(11)])
    with pytest.raises(TooLarge, match="holds 11 entries"):
        staged(settings, {"many.zip": data})
    assert nothing_left(settings)


def test_vietnamese_names_from_a_windows_zip_are_read_right(settings):
    """Windows' zip writes names in the OEM code page without the UTF-8 flag; Python reads
    them as cp437. UTF-8 bytes without the flag and cp1258 bytes both come back as written."""
    utf8_name = "Quyết định số 12.pdf"
    cp1258_name = "Kế hoạch năm.pdf"
    raws = [utf8_name.encode(), _cp1258(cp1258_name)]
    placeholders = [letter * len(raw) for letter, raw in zip((b"A", b"B"), raws, strict=True)]
    data = zipped([(p.decode(), b"%PDF") for p in placeholders])
    for placeholder, raw in zip(placeholders, raws, strict=True):
        assert data.count(placeholder) == 2  # the name in the local and the central header
        data = data.replace(placeholder, raw)
    upload = staged(settings, {"windows.zip": data})
    assert sorted(upload.files) == sorted([utf8_name, cp1258_name])


def _cp1258(text: str) -> bytes:
    """Vietnamese Windows' bytes: a letter cp1258 has whole, else its base letter and a
    combining tone mark."""
    out = b""
    for letter in text:
        try:
            out += letter.encode("cp1258")
        except UnicodeEncodeError:  # ế: ê and a combining acute
            *letter_and_mark, tone = unicodedata.normalize("NFD", letter)
            out += unicodedata.normalize("NFC", "".join(letter_and_mark)).encode("cp1258")
            out += tone.encode("cp1258")
    return out
