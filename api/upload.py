"""Receiving uploads: files sent over HTTP, or a zip of a folder, put safely on disk for an ingest.

An upload is hostile until proven otherwise. Its files are streamed into a fresh folder of their
own (`SOHOA_HOME/uploads/<id>/`), their bytes counted as they arrive, and the upload is stopped
the moment it passes a limit (`SOHOA_MAX_FILE_BYTES` a file, `SOHOA_MAX_UPLOAD_BYTES` and
`SOHOA_MAX_UPLOAD_FILES` the whole): nothing waits in memory or in a temporary file first. A
refusal removes everything the upload wrote.

Names come from the sender's machine and can be anything: a path (`../../etc/passwd`,
`..\\..\\x`), control characters, hundreds of bytes, decomposed Unicode (macOS sends NFD), a
reserved Windows device name. `safe_name` makes each one a plain file name, or refuses it.

A zip (known by its bytes, not its name) is unpacked in place with its folders, every part of
every path made safe, so no entry can land outside the upload's folder (zip-slip). Zip bombs
are stopped by counting the bytes actually unpacked (a zip's header can lie), by each entry's
compression ratio and by the number of entries. A zip inside the zip is kept as a file: the
ingest refuses it as unsupported, visibly, instead of unpacking ever deeper. Names in zips made
on Vietnamese Windows are not UTF-8 and Python reads them as code page 437; they are read again
as UTF-8, else cp1258 (Vietnamese Windows), else cp1252.

The functions here know nothing of HTTP: `receive` takes the request's content type and an
async iterator of its body's chunks, `stage_files` plain file objects.
"""

from __future__ import annotations

import re
import secrets
import shutil
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from sohoa.archive.settings import Settings
from sohoa.ingest.discover import NOT_SCANS

MAX_NAME_BYTES = 200  # well under the 255 bytes of most file systems, with room for " (2)"
MAX_DEPTH = 32  # folders inside a zip
CHUNK = 1 << 16
RATIO_FLOOR = 1 << 20  # an entry may compress any amount until it unpacks to this many bytes
FILES_FIELD = "files"
TEXT_FIELDS = {"procedure", "csrf_token"}  # the form token a browser form also sends
MAX_FIELD_BYTES = 1000  # a form field's value (a procedure code, a form token)
MAX_HEADER_BYTES = 16 << 10  # the headers of one part
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"{port}{n}" for port in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]),
}
WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP's UTF-8 name, written beside a legacy one


class UploadRefused(Exception):
    """An upload that is not taken; `message` says why in one line, `status` is the HTTP status
    it is answered with."""

    status = 422
    code = "invalid_upload"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooLarge(UploadRefused):
    status = 413
    code = "too_large"


class BadRequest(UploadRefused):
    """Not a multipart form, or a body that breaks off: the request, not its files, is wrong."""

    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    upload_bytes: int
    files: int
    zip_ratio: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.max_file_bytes,
            settings.max_upload_bytes,
            settings.max_upload_files,
            settings.max_zip_ratio,
        )


@dataclass
class Upload:
    """Files received and unpacked, ready to ingest: `folder` holds them (as `files`, relative
    paths); `skipped` are zip entries that are not scans (hidden files, `__MACOSX`)."""

    id: str
    folder: Path
    files: list[str]
    bytes: int
    fields: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """`name` as a plain file name that is safe to create: NFC; any folders before it dropped
    (`/` and `\\` alike); control and invisible formatting characters removed, and the
    characters Windows forbids replaced; no leading dots (nothing hidden is made) and no
    trailing dots or spaces; at most 200 UTF-8 bytes, keeping the extension; a reserved
    Windows device name (CON, NUL, COM1...) prefixed with `_`. Raise ValueError for a name
    that is empty, `.` or `..` once cleaned."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in "\u2028\u2029")
    if name.strip() in ("", ".", ".."):
        raise ValueError(f"the file name {name.strip()!r} is not a file name")
    name = WINDOWS_FORBIDDEN.sub("_", name).strip().lstrip(".").rstrip(". ")
    if not name:
        raise ValueError("the file name is only dots and spaces")
    name = _shortened(name)
    if name.split(".")[0].rstrip().upper() in WINDOWS_RESERVED:
        name = f"_{name}"
    return name


def _shortened(name: str) -> str:
    """At most MAX_NAME_BYTES of UTF-8, cut at a character, the extension kept."""
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode()) > 20 or " " in extension:
        stem, extension = name, ""
    room = MAX_NAME_BYTES - len(extension.encode()) - (1 if extension else 0)
    stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip(". ")
    return f"{stem}.{extension}" if extension else stem


class Staging:
    """One upload's folder, with every byte written to it counted against the limits. Files
    are written one at a time (`begin`, `write`..., `end`); `discard` removes the folder."""

    def __init__(self, settings: Settings, limits: Limits | None = None):
        self.limits = limits or Limits.of(settings)
        self.id = secrets.token_hex(8)
        self.folder = settings.uploads_dir / self.id
        self.folder.mkdir(parents=True)
        self.files: list[str] = []
        self.skipped: list[str] = []
        self.received = 0
        self._used: set[str] = set()
        self._out: BinaryIO | None = None
        self._written = 0

    def begin(self, name: str) -> None:
        """Start a file sent as `name` (made safe, and distinct from the upload's others)."""
        if len(self.files) >= self.limits.files:
            raise TooLarge(
                f"more than {self.limits.files} files in one upload "
                "(SOHOA_MAX_UPLOAD_FILES): refused"
            )
        try:
            relative = self._distinct(safe_name(name))
        except ValueError as error:
            raise UploadRefused(f"{error}: refused") from None
        self._out = open(self.folder / relative, "xb")  # closed in `end`
        self._written = 0
        self.files.append(relative)

    def write(self, data: bytes) -> None:
        self._written += len(data)
        self.received += len(data)
        if self._written > self.limits.file_bytes:
            raise TooLarge(
                f"{self.files[-1]} is larger than {_size(self.limits.file_bytes)} "
                "(SOHOA_MAX_FILE_BYTES): refused"
            )
        if self.received > self.limits.upload_bytes:
            raise TooLarge(
                f"the upload is larger than {_size(self.limits.upload_bytes)} "
                "(SOHOA_MAX_UPLOAD_BYTES): refused"
            )
        self._out.write(data)

    def end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def finish(self, fields: dict[str, str] | None = None) -> Upload:
        """Unpack the zips received (each replaced by what it holds) and hand the upload on."""
        self.end()
        if not self.files:
            raise UploadRefused(f"the upload has no files (send them in the field `{FILES_FIELD}`)")
        _Unpacker(self).run()
        total = sum((self.folder / name).stat().st_size for name in self.files)
        return Upload(self.id, self.folder, list(self.files), total, fields or {}, self.skipped)

    def discard(self) -> None:
        self.end()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _distinct(self, relative: str) -> str:
        """`a.pdf`, then `a (2).pdf`, `a (3).pdf`... for the same name met again."""
        candidate, n = relative, 1
        while candidate in self._used or (self.folder / candidate).exists():
            n += 1
            folder, _, name = relative.rpartition("/")
            stem, dot, extension = name.rpartition(".")
            if not dot or not stem:
                stem, extension = name, ""
            numbered = f"{stem} ({n}){'.' + extension if extension else ''}"
            candidate = f"{folder}/{numbered}" if folder else numbered
        self._used.add(candidate)
        return candidate


def stage_files(
    settings: Settings, files: Iterable[tuple[str, BinaryIO]], fields: dict | None = None
) -> Upload:
    """Files already open (name, file object) staged as one upload, under the same limits and
    checks as `receive`; on a refusal nothing is left."""
    staging = Staging(settings)
    try:
        for name, source in files:
            staging.begin(name)
            while chunk := source.read(CHUNK):
                staging.write(chunk)
            staging.end()
        return staging.finish(fields)
    except BaseException:
        staging.discard()
        raise


async def receive(
    settings: Settings,
    content_type: str | None,
    content_length: str | None,
    chunks: AsyncIterator[bytes],
) -> Upload:
    """A `multipart/form-data` body streamed into a new upload folder: the parts of the field
    `files` as files, `procedure` as a text field. An upload that says it is too large
    (Content-Length) is refused before a byte is read; one that turns out too large as it
    arrives is stopped there. On a refusal nothing is left."""
    limits = Limits.of(settings)
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadRequest("send the files as multipart/form-data (field `files`)")
    if content_length and content_length.isdigit():
        if int(content_length) > limits.upload_bytes + (1 << 20):  # room for the part headers
            raise TooLarge(
                f"the upload is larger than {_size(limits.upload_bytes)} "
                "(SOHOA_MAX_UPLOAD_BYTES): refused"
            )
    staging = Staging(settings, limits)
    form = _Form(staging)
    parser = MultipartParser(boundary, form.callbacks())
    try:
        async for chunk in chunks:
            await run_in_threadpool(_feed, parser, chunk)
        parser.finalize()
        if not form.ended:
            raise BadRequest("the upload ended before its last part: send it again")
        return await run_in_threadpool(staging.finish, form.fields)
    except BaseException:
        staging.discard()
        raise


def _feed(parser: MultipartParser, chunk: bytes) -> None:
    """One chunk of the body parsed (its file bytes written as they come), off the event loop."""
    try:
        parser.write(chunk)
    except MultipartParseError as error:
        raise BadRequest(f"the multipart body is malformed: {error}") from None


class _Form:
    """The multipart parser's callbacks: each part's headers read, then its bytes go to the
    staging folder (a file) or to a short text field."""

    def __init__(self, staging: Staging):
        self.staging = staging
        self.fields: dict[str, str] = {}
        self.ended = False
        self._headers: list[list[bytes]] = []
        self._header_bytes = 0
        self._field: str | None = None
        self._value = b""

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._headers, self._header_bytes, self._field, self._value = [], 0, None, b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._headers.append([data[start:end], b""])

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._headers[-1][1] += data[start:end]

    def _count_header(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_HEADER_BYTES:
            raise BadRequest("a part's headers are too long: refused")

    def _headers_finished(self) -> None:
        headers = {name.lower(): value for name, value in self._headers}
        _, options = parse_options_header(
            headers.get(b"content-disposition", b"").decode("latin-1")
        )
        name = _text(options.get(b"name", b""))
        filename = options.get(b"filename")
        if filename is not None:
            if name != FILES_FIELD:
                raise UploadRefused(
                    f"files are sent in the field `{FILES_FIELD}`, not `{name}`: refused"
                )
            self.staging.begin(_text(filename))
        elif name in TEXT_FIELDS:
            self._field = name
        else:
            raise UploadRefused(f"the upload has an unknown field `{name}`: refused")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._field is not None:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD_BYTES:
                raise UploadRefused(f"the field `{self._field}` is too long: refused")
        else:
            self.staging.write(data[start:end])

    def _part_end(self) -> None:
        if self._field is not None:
            self.fields[self._field] = _text(self._value).strip()
        else:
            self.staging.end()

    def _end(self) -> None:
        self.ended = True


def _text(raw: bytes) -> str:
    """A name sent in a header: UTF-8 as browsers send it; an old client's legacy bytes read as
    Vietnamese Windows' code page."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1258", "replace")


# -- zips -----------------------------------------------------------------------------------


class _Unpacker:
    """Every zip of an upload unpacked into its folder, in the zip's place."""

    def __init__(self, staging: Staging):
        self.staging = staging
        self.limits = staging.limits
        self.kept = 0  # bytes of the upload's files as they will be ingested

    def run(self) -> None:
        staging = self.staging
        zips = [name for name in staging.files if _is_zip(staging.folder / name)]
        self.kept = sum((staging.folder / name).stat().st_size for name in staging.files)
        for name in zips:
            path = staging.folder / name
            staging.files.remove(name)
            self.kept -= path.stat().st_size
            try:
                with zipfile.ZipFile(path) as archive:
                    self._unpack(name, archive)
            except zipfile.BadZipFile as error:
                raise UploadRefused(f"{name} is a damaged zip: {error}") from None
            except (EOFError, zlib.error) as error:
                raise UploadRefused(f"{name} is a damaged zip: {error}") from None
            except NotImplementedError as error:
                raise UploadRefused(f"{name}: {error}; zip it again with Deflate") from None
            path.unlink()

    def _unpack(self, zip_name: str, archive: zipfile.ZipFile) -> None:
        entries = archive.infolist()
        room = self.limits.files - len(self.staging.files)
        if len(entries) > room:
            raise TooLarge(
                f"{zip_name} holds {len(entries)} entries, more than the "
                f"{self.limits.files} files an upload may have (SOHOA_MAX_UPLOAD_FILES): refused"
            )
        for entry in entries:
            parts = _entry_parts(entry, zip_name)
            if parts is None:
                continue
            if any(part.startswith(".") or part.lower() in SKIPPED for part in parts):
                self.staging.skipped.append("/".join(parts))
                continue
            self._extract(zip_name, archive, entry, parts)

    def _extract(self, zip_name, archive, entry: zipfile.ZipInfo, parts: list[str]) -> None:
        shown = f"{zip_name}: {'/'.join(parts)}"
        if entry.flag_bits & 0x1:
            raise UploadRefused(f"{shown} is encrypted: unzip it and send the files instead")
        if _is_symlink(entry):
            raise UploadRefused(f"{shown} is a symbolic link: refused")
        try:
            safe = [safe_name(part) for part in parts]
        except ValueError as error:
            raise UploadRefused(f"{shown}: {error}: refused") from None
        folder = self.staging.folder
        for depth in range(1, len(safe)):
            sub = folder.joinpath(*safe[:depth])
            if sub.exists() and not sub.is_dir():
                raise UploadRefused(f"{shown}: {'/'.join(safe[:depth])} is a file and a folder")
        if entry.is_dir():
            folder.joinpath(*safe).mkdir(parents=True, exist_ok=True)
            return
        self._check_declared(shown, entry)
        folder.joinpath(*safe[:-1]).mkdir(parents=True, exist_ok=True)
        relative = self.staging._distinct("/".join(safe))
        target = folder / relative
        if not target.resolve().is_relative_to(folder.resolve()):  # cannot happen; never let it
            raise UploadRefused(f"{shown} would be written outside the upload: refused")
        self.staging.files.append(relative)
        written = 0
        with archive.open(entry) as source, open(target, "xb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                self.kept += len(chunk)
                self._check_unpacked(shown, entry, written)
                out.write(chunk)

    def _check_declared(self, shown: str, entry: zipfile.ZipInfo) -> None:
        """What the header says, refused early; `_check_unpacked` counts what really comes."""
        self._check_unpacked(shown, entry, entry.file_size, declared=True)

    def _check_unpacked(
        self, shown: str, entry: zipfile.ZipInfo, written: int, declared: bool = False
    ) -> None:
        limits = self.limits
        kept = self.kept + (entry.file_size if declared else 0)
        if written > limits.file_bytes:
            raise TooLarge(
                f"{shown} unpacks to more than {_size(limits.file_bytes)} "
                "(SOHOA_MAX_FILE_BYTES): refused"
            )
        if kept > limits.upload_bytes:
            raise TooLarge(
                f"the upload unpacks to more than {_size(limits.upload_bytes)} "
                "(SOHOA_MAX_UPLOAD_BYTES): refused"
            )
        if written > RATIO_FLOOR and written > limits.zip_ratio * max(entry.compress_size, 1):
            raise TooLarge(
                f"{shown} unpacks to more than {limits.zip_ratio} times its packed size "
                "(SOHOA_MAX_ZIP_RATIO), as a zip bomb does: refused"
            )


SKIPPED = NOT_SCANS | {"__macosx"}  # what desktops put in zips beside the files


def _is_zip(path: Path) -> bool:
    """A zip by its bytes; not an Office or OpenDocument file, which are zips too but are
    documents (the ingest refuses them as one file, not as a heap of XML)."""
    with open(path, "rb") as source:
        if source.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            return False
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:3])
    except (zipfile.BadZipFile, OSError):
        return True  # refused as damaged when it is unpacked
    return not names & {"[Content_Types].xml", "mimetype", "META-INF/manifest.xml"}


def _entry_parts(entry: zipfile.ZipInfo, zip_name: str) -> list[str] | None:
    """The entry's path as parts: `\\` read as a folder separator, a leading `/` or drive
    letter and `.` parts dropped; `..` refused (it can only mean to climb out). None for an
    entry with no name left."""
    name = _entry_name(entry).replace("\\", "/")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    if ".." in parts:
        raise UploadRefused(f"{zip_name}: the entry {name!r} points outside the zip: refused")
    if len(parts) > MAX_DEPTH:
        raise UploadRefused(f"{zip_name}: the entry {name!r} is nested too deep: refused")
    return parts or None


def _entry_name(entry: zipfile.ZipInfo) -> str:
    """The entry's name as its maker meant it (module docstring): UTF-8 when flagged so, else
    the Info-ZIP Unicode path if one is there, else the bytes read as UTF-8, cp1258, cp1252."""
    if entry.flag_bits & 0x800:
        return entry.filename
    try:
        raw = entry.filename.encode("cp437")
    except UnicodeEncodeError:  # read with another `metadata_encoding`
        return entry.filename
    unicode_path = _unicode_path(entry.extra, raw)
    if unicode_path is not None:
        return unicode_path
    for encoding in ("utf-8", "cp1258", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return entry.filename


def _unicode_path(extra: bytes, raw_name: bytes) -> str | None:
    """Info-ZIP's Unicode Path extra field (0x7075): version 1, the CRC-32 of the legacy name
    it stands for, then the name in UTF-8."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + size]
        if kind == UNICODE_PATH_EXTRA and len(body) > 5 and body[0] == 1:
            if struct.unpack_from("<L", body, 1)[0] == zlib.crc32(raw_name):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        at += 4 + size
    return None


def _is_symlink(entry: zipfile.ZipInfo) -> bool:
    return entry.create_system == 3 and (entry.external_attr >> 16) & 0o170000 == 0o120000


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
