"""`sohoa backup DIR` and `sohoa restore DIR`: a consistent copy of a running archive, and the
archive brought back from it, checked before it replaces anything.

A backup folder holds what the archive cannot rebuild:

    sohoa-backup.json     the manifest, written last: a folder without it is a backup cut short
    sohoa.db              the database, copied with SQLite's online backup API
    originals/sha256/...  the originals the copied database references, as the archive keeps them
    keys/                 the key that signs the trail's checkpoints (owner-only, like the folder)
    index/                the search index, only with `--index` (else rebuilt from the database)

Consistency while `sohoa serve` or an ingest writes: the database is copied first, in one step
of the backup API, which reads one snapshot of the WAL database without stopping writers. The
originals are copied after it, and only those the copy references: an original is stored before
its document row is written and never changed after, so every one the snapshot names is there
(one disposed of meanwhile is reported: run the backup again). The keys come after the
snapshot, so a key made since is copied rather than missed; the index (optional) comes before
it, so it holds nothing the copied database lacks (a document ingested in between is missing
from it until `sohoa reindex`). The manifest records the database's SHA-256, the schema
revision, the counts and the latest checkpoint, so a restore can tell a damaged copy.

A backup into a folder that already holds one updates it: the manifest is removed first (the
folder is incomplete until the new one is written), the database and keys are replaced,
originals already there are re-hashed and kept, only new ones are copied, and those of records
disposed of since are removed (a disposal destroys the copies too). Keep one folder per
generation if older states must be kept.

The trail: a backup appends `archive.backed_up` to the live archive *after* the manifest is
written, naming the folder, the database copy's SHA-256 and the checkpoint it holds. Recorded
before the snapshot, it would claim a backup that may never complete; recorded after, the
backup is exactly the archive as it was at that checkpoint, and the live trail says when and
where a copy of it was made, which an auditor can check against the folder. Appending is not
altering: the copy is taken before the event. A restore appends `archive.restored` to the
restored archive (which backup, and where the archive it replaced was put), because its events
since the backup are gone, and an auditor must see why.

`restore` stages everything inside SOHOA_HOME first (`.restoring/`): the database is checked
against the manifest's hash, every original against its address by `storage.store`, the keys
against theirs, then the staged archive's whole trail is verified (`archive.verify`, as `sohoa
trail verify` does). Only then is anything put in place; an existing archive is moved aside,
never deleted, and only with `force`. The manifest's hash catches a damaged or carelessly
changed copy; a copy changed on purpose, manifest and all, is the trail's to catch.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlmodel import Session

from sohoa.archive import checkpoints, keys, storage, trail
from sohoa.archive.database import alembic_config, open_database
from sohoa.archive.models import DISPOSED, utcnow
from sohoa.archive.settings import Settings
from sohoa.archive.verify import Verification, verify

MANIFEST = "sohoa-backup.json"
FORMAT = "sohoa-backup/1"
DATABASE = "sohoa.db"
ORIGINALS = "originals"
KEYS = "keys"
INDEX = "index"
STAGING = ".restoring"
# What a backup folder may hold (and what one cut short leaves: `sohoa.db.partial`,
# `index.partial`, ...); a folder holding anything else is not one, and is left alone.
PARTS = (MANIFEST, DATABASE, ORIGINALS, KEYS, INDEX)

Progress = Callable[[int, int], None]  # (originals done, originals in all)


class BackupError(Exception):
    """A backup or restore that cannot be made, with what to do about it."""


@dataclass
class BackupReport:
    path: Path
    manifest: dict[str, Any]  # what sohoa-backup.json holds
    copied: int = 0  # originals copied this time
    kept: int = 0  # originals already in the folder, re-hashed and kept
    repaired: int = 0  # originals in the folder that no longer matched their hash, copied again
    removed: int = 0  # originals of records disposed of since the last backup into the folder
    notes: list[str] = field(default_factory=list)


@dataclass
class RestoreReport:
    path: Path
    home: Path
    manifest: dict[str, Any]
    originals: int  # originals restored
    set_aside: Path | None  # where the archive that was replaced now is
    verification: Verification  # the restored trail, after `archive.restored` was sealed
    notes: list[str] = field(default_factory=list)


# -- backup ---------------------------------------------------------------------------------


def backup(
    settings: Settings, target: Path, include_index: bool = False, progress: Progress | None = None
) -> BackupReport:
    """Copy the archive into `target` (new, empty, or an earlier backup to update) while it
    may be in use; the manifest, written last, says the copy is complete."""
    source_db = _sqlite_path(settings)
    if not source_db.exists():
        raise BackupError(f"there is no archive at {settings.home} to back up")
    target = target.resolve()
    home = settings.home.resolve()
    if target == home or home in target.parents or target in home.parents:
        raise BackupError(f"back up to a folder outside the archive ({home}), not {target}")
    _prepare_folder(target)
    report = BackupReport(target, {})
    report.notes += _seal(settings)  # the copy's last checkpoint then covers every event so far
    with_index = include_index and _copy_index(settings.index_dir, target, report)
    if not with_index:
        _drop_index(settings.index_dir, target)
    database = _snapshot(source_db, target)
    _copy_originals(settings, target, database["originals"], report, progress)
    key_hashes = _copy_keys(settings.keys_dir, target / KEYS)
    report.manifest = {
        "format": FORMAT,
        "created": trail.format_time(utcnow()),
        "sohoa": _version(),
        "source": str(settings.home),
        "schema": database["schema"],
        "database": {"file": DATABASE, "sha256": database["sha256"], "bytes": database["bytes"]},
        "keys": key_hashes,
        "counts": {**database["counts"], "originals": len(database["originals"])},
        "checkpoint": database["checkpoint"],
        "index": with_index,
    }
    _write_manifest(target, report.manifest)
    _record_backup(settings, target, report)
    report.notes += _seal(settings)
    return report


def _seal(settings: Settings) -> list[str]:
    """Seal the archive's trail; what went wrong, if it could not be sealed: that is said, and
    the work goes on (a damaged archive is the one whose copy matters most)."""
    engine = open_database(settings)
    try:
        checkpoints.seal_archive(settings, engine)
    except (checkpoints.CheckpointError, keys.KeyProblem) as error:
        return [f"the trail was not signed: {error}"]
    finally:
        engine.dispose()
    return []


def _record(settings: Settings, action: str, details: dict[str, Any]) -> None:
    """Append one event about the whole archive to its trail, in a transaction of its own."""
    engine = open_database(settings)
    try:
        with Session(engine) as session:
            trail.record(
                session, action, actor=settings.trail_actor, object_type="archive", details=details
            )
            session.commit()
    finally:
        engine.dispose()


def _sqlite_path(settings: Settings) -> Path:
    url = make_url(settings.db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        tools = (
            "pg_dump and pg_restore, and copy SOHOA_HOME's files (docs/deployment.md, Backups)"
            if url.get_backend_name() == "postgresql"
            else "that database's own backup tools"
        )
        raise BackupError(
            "sohoa backs up and restores its SQLite database only; for the database at "
            f"{url.render_as_string(hide_password=True)} use {tools}"
        )
    return Path(url.database)


def _prepare_folder(target: Path) -> None:
    """A new or empty folder (made owner-only: it will hold the signing key), or one holding
    only what a backup writes, whose manifest goes first so it reads as incomplete until done."""
    if target.exists() and not target.is_dir():
        raise BackupError(f"{target} is a file, not a folder")
    if target.is_dir():
        strangers = sorted(p.name for p in target.iterdir() if not p.name.startswith(PARTS))
        if strangers:
            raise BackupError(
                f"{target} holds other things than a sohoa backup ({', '.join(strangers[:3])}):"
                " give a new or empty folder, or one an earlier backup wrote"
            )
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)
    (target / MANIFEST).unlink(missing_ok=True)


def _snapshot(source_db: Path, target: Path) -> dict[str, Any]:
    """Copy the database with the online backup API, in one step (a step-wise copy restarts
    each time another process writes), then read what the copy holds."""
    partial = target / f"{DATABASE}.partial"
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_db, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        found = _contents(copy)
    finally:
        copy.close()
        source.close()
    storage.fsync(partial)
    database = target / DATABASE
    os.replace(partial, database)
    return {**found, "sha256": storage.sha256_of(database), "bytes": database.stat().st_size}


def _contents(connection: sqlite3.Connection) -> dict[str, Any]:
    """The schema revision, counts, latest checkpoint and referenced originals of a database."""

    def one(sql: str) -> Any:
        row = connection.execute(sql).fetchone()
        return row[0] if row else None

    try:
        latest = connection.execute(
            "SELECT tree_size, root FROM checkpoint ORDER BY id DESC LIMIT 1"
        ).fetchone()
        counts = {
            table + "s": one(f"SELECT count(*) FROM {table}")
            for table in ("document", "page", "event", "checkpoint")
        }
        schema = one("SELECT version_num FROM alembic_version")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the database copy cannot be read: {error}") from error
    return {
        "schema": schema,
        "counts": counts,
        "checkpoint": None if latest is None else {"tree_size": latest[0], "root": latest[1]},
        "originals": _referenced(connection),
    }


def _referenced(connection: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """(id, name, sha256) of every document whose original the archive keeps: all but the
    disposed, whose originals were destroyed (their tombstones remain)."""
    try:
        return connection.execute(
            "SELECT id, name, sha256 FROM document WHERE status != ? ORDER BY id", (DISPOSED,)
        ).fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the database copy cannot be read: {error}") from error


def _copy_originals(
    settings: Settings,
    target: Path,
    originals: list[tuple[int, str, str]],
    report: BackupReport,
    progress: Progress | None,
) -> None:
    """Every original the copied database references, each copy checked against its hash;
    those already in the folder are re-hashed and kept, those no longer referenced removed."""
    root = target / ORIGINALS
    wanted = {sha for _, _, sha in originals}
    for done, (document_id, name, sha) in enumerate(originals, start=1):
        copy = storage.original_path(root, sha)
        if copy.exists() and storage.sha256_of(copy) == sha:
            report.kept += 1
        else:
            if copy.exists():
                copy.unlink()
                report.repaired += 1
            else:
                report.copied += 1
            source = storage.original_path(settings.originals_dir, sha)
            _copy_original(source, root, sha, f"document #{document_id} ({name})")
        if progress:
            progress(done, len(originals))
    for stale in sorted(root.glob("sha256/*/*/*")):
        if stale.name not in wanted:
            stale.unlink()
            report.removed += 1


def _copy_original(source: Path, root: Path, sha: str, where: str) -> None:
    if not source.exists():
        raise BackupError(
            f"the original of {where} is missing from the archive (disposed of while the backup"
            " ran? run it again; if not, run `sohoa trail verify`)"
        )
    try:
        storage.store(root, source, sha)
    except storage.StorageError as error:
        raise BackupError(
            f"the original of {where} does not match its hash: run `sohoa trail verify`"
        ) from error


def _copy_keys(keys_dir: Path, target: Path) -> dict[str, str]:
    """The key files, owner-only as in the archive; their SHA-256 for the manifest."""
    hashes: dict[str, str] = {}
    if not keys_dir.is_dir():
        return hashes
    target.mkdir(mode=0o700, exist_ok=True)
    target.chmod(0o700)
    for path in sorted(p for p in keys_dir.iterdir() if p.is_file()):
        _copy_private(path, target / path.name)
        hashes[path.name] = storage.sha256_of(target / path.name)
    return hashes


def _copy_private(source: Path, target: Path) -> None:
    """Copy a file through a temporary one made owner-only before any byte is written."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, storage.CHUNK)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)


def _copy_index(index_dir: Path, target: Path, report: BackupReport) -> bool:
    """The index as it is, whether it was copied; a segment merged away while it is read
    leaves it out (a restore rebuilds it) rather than copy a broken one."""
    if not index_dir.is_dir():
        report.notes.append("the archive has no search index yet: a restore builds it")
        return False
    partial = target / f"{INDEX}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        shutil.copytree(index_dir, partial, ignore=shutil.ignore_patterns("*.building"))
    except (OSError, shutil.Error):
        shutil.rmtree(partial, ignore_errors=True)
        report.notes.append(
            "the search index changed while it was copied and was left out: a restore rebuilds it"
        )
        return False
    shutil.rmtree(target / INDEX, ignore_errors=True)
    os.replace(partial, target / INDEX)
    return True


def _drop_index(index_dir: Path, target: Path) -> None:
    """Without the index, only its loose files (which engine the archive searches with) are
    kept; an index an earlier backup left in the folder would be older than the database."""
    shutil.rmtree(target / INDEX, ignore_errors=True)
    files = [p for p in index_dir.iterdir() if p.is_file()] if index_dir.is_dir() else []
    if files:
        (target / INDEX).mkdir()
        for path in files:
            shutil.copyfile(path, target / INDEX / path.name)


def _write_manifest(target: Path, manifest: dict[str, Any]) -> None:
    partial = target / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    storage.fsync(partial)
    os.replace(partial, target / MANIFEST)
    storage.fsync(target)


def _record_backup(settings: Settings, target: Path, report: BackupReport) -> None:
    """`archive.backed_up` in the live archive, once the backup is complete (module docstring)."""
    manifest = report.manifest
    details = {
        "folder": str(target.resolve()),
        "created": manifest["created"],
        "database_sha256": manifest["database"]["sha256"],
        "checkpoint": manifest["checkpoint"],
        "documents": manifest["counts"]["documents"],
        "originals": manifest["counts"]["originals"],
        "index": manifest["index"],
    }
    _record(settings, "archive.backed_up", details)


# -- restore --------------------------------------------------------------------------------


def restore(
    source: Path, settings: Settings, force: bool = False, progress: Progress | None = None
) -> RestoreReport:
    """Bring the archive in the backup folder `source` back into `settings.home`: checked
    whole in a staging folder first, then put in place (an existing archive only with `force`,
    moved aside), then `archive.restored` is recorded and sealed and the trail verified."""
    target_db = _sqlite_path(settings)
    manifest = read_manifest(source)
    existing = _existing_parts(settings, target_db)
    if existing and not force:
        raise BackupError(
            f"{settings.home} already holds an archive ({', '.join(p.name for p in existing)}):"
            " restore into an empty SOHOA_HOME, or add --force to set it aside (not deleted)"
        )
    staging = settings.home / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # a restore cut short left it: ours to redo
    staging.mkdir(parents=True)
    try:
        staged = settings.model_copy(
            update={"home": staging, "database_url": f"sqlite:///{staging / DATABASE}"}
        )
        originals = _stage(source, manifest, staged, progress)
        checked = _verify(staged)
        if not checked.ok:
            first = checked.problems[0]
            raise BackupError(
                f"the backup's trail does not verify ({first.where}: {first.message}); "
                "nothing was restored"
            )
        set_aside = _set_aside(settings, target_db, existing) if existing else None
        _put_in_place(staged, settings, target_db)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    notes = _record_restore(settings, source, manifest, set_aside)
    # The originals were re-hashed in the staging folder and moved in by renaming it: the
    # trail is checked again, with the event just sealed, without reading them a second time.
    restored = _verify(settings, originals=False)
    restored.originals_checked = checked.originals_checked
    restored.originals_disposed = checked.originals_disposed
    return RestoreReport(source, settings.home, manifest, originals, set_aside, restored, notes)


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest, checked to be one this sohoa can restore."""
    if not source.is_dir():
        raise BackupError(f"{source} is not a folder")
    try:
        manifest = json.loads((source / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{source} holds no complete sohoa backup (no {MANIFEST}: not a backup, or one cut "
            "short)"
        ) from None
    except (OSError, ValueError) as error:
        raise BackupError(f"cannot read {source / MANIFEST}: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a manifest sohoa can read ({FORMAT})")
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(manifest.get("schema"))
    except CommandError:
        raise BackupError(
            f"the backup's database is of schema {manifest.get('schema')!r}, which this sohoa "
            f"({_version()}) does not know: restore it with the sohoa that made it "
            f"({manifest.get('sohoa')}) or a newer one"
        ) from None
    return manifest


def _existing_parts(settings: Settings, target_db: Path) -> list[Path]:
    """What of an archive is already where the restore would put one."""
    parts = [target_db, settings.originals_dir, settings.keys_dir, settings.index_dir]
    return [p for p in parts if p.exists()]


def _stage(
    source: Path, manifest: dict[str, Any], staged: Settings, progress: Progress | None
) -> int:
    """Copy the backup into the staging folder, each part checked against the manifest or
    its hash; the number of originals staged."""
    expected = manifest["database"]["sha256"]
    staged_db = staged.home / DATABASE
    shutil.copyfile(_part(source, DATABASE), staged_db)
    if storage.sha256_of(staged_db) != expected:
        raise BackupError(
            f"the backup's database does not match its manifest (SHA-256 {expected[:12]}...): "
            "it was changed or damaged; nothing was restored"
        )
    with closing(sqlite3.connect(staged_db)) as connection:
        originals = _referenced(connection)
    for done, (document_id, name, sha) in enumerate(originals, start=1):
        where = f"the original of document #{document_id} ({name})"
        path = storage.original_path(source / ORIGINALS, sha)
        if not path.exists():
            raise BackupError(f"{where} is missing from the backup; nothing was restored")
        try:
            storage.store(staged.originals_dir, path, sha)
        except storage.StorageError:
            raise BackupError(
                f"{where} in the backup does not match its hash: it was changed or damaged; "
                "nothing was restored"
            ) from None
        if progress:
            progress(done, len(originals))
    _stage_keys(source / KEYS, manifest.get("keys", {}), staged.keys_dir)
    if manifest.get("index") and (source / INDEX).is_dir():
        shutil.copytree(source / INDEX, staged.index_dir)
    elif (source / INDEX).is_dir():  # only which engine the archive searches with
        staged.index_dir.mkdir()
        for path in (p for p in (source / INDEX).iterdir() if p.is_file()):
            shutil.copyfile(path, staged.index_dir / path.name)
    return len(originals)


def _part(source: Path, name: str) -> Path:
    path = source / name
    if not path.is_file():
        raise BackupError(f"the backup in {source} has no {name}; nothing was restored")
    return path


def _stage_keys(source: Path, hashes: dict[str, str], target: Path) -> None:
    if not hashes:
        return
    target.mkdir(mode=0o700)
    for name, expected in sorted(hashes.items()):
        if Path(name).name != name:
            raise BackupError(f"the manifest names a key file {name!r} outside keys/")
        _copy_private(_part(source, name), target / name)
        if storage.sha256_of(target / name) != expected:
            raise BackupError(
                f"the backup's key file {name} does not match its manifest: nothing was restored"
            )


def _verify(settings: Settings, originals: bool = True) -> Verification:
    """The trail of the archive `settings` points at, migrated to this sohoa's schema first."""
    engine = open_database(settings)
    try:
        with Session(engine) as session:
            originals_dir = settings.originals_dir if originals else None
            return verify(session, keys.load_public(settings.keys_dir), originals_dir)
    finally:
        engine.dispose()  # the last connection's close folds the WAL back into the file


def _set_aside(settings: Settings, target_db: Path, existing: list[Path]) -> Path:
    """Move the archive being replaced into a dated folder in SOHOA_HOME (never deleted)."""
    aside = settings.home / f"before-restore-{utcnow().strftime('%Y%m%dT%H%M%S.%fZ')}"
    aside.mkdir()
    for path in existing + _sidecars(target_db) + [settings.work_dir]:
        if path.exists():
            shutil.move(path, aside / path.name)
    return aside


def _sidecars(database: Path) -> list[Path]:
    """SQLite's WAL and shared-memory files, which belong with their database."""
    return [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm")]


def _put_in_place(staged: Settings, settings: Settings, target_db: Path) -> None:
    target_db.parent.mkdir(parents=True, exist_ok=True)
    staged_db = staged.home / DATABASE
    for path, to in zip(
        [staged_db, *_sidecars(staged_db)], [target_db, *_sidecars(target_db)], strict=True
    ):
        if path.exists():
            shutil.move(path, to)
    for part in (staged.originals_dir, staged.keys_dir, staged.index_dir):
        if part.exists():
            os.replace(part, settings.home / part.name)


def _record_restore(
    settings: Settings, source: Path, manifest: dict[str, Any], set_aside: Path | None
) -> list[str]:
    """`archive.restored` in the restored archive, sealed with its own (restored) key; what
    went wrong with the sealing, if anything."""
    details = {
        "folder": str(source.resolve()),
        "backup_created": manifest["created"],
        "database_sha256": manifest["database"]["sha256"],
        "checkpoint": manifest["checkpoint"],
        "set_aside": None if set_aside is None else str(set_aside),
    }
    _record(settings, "archive.restored", details)
    return _seal(settings)


# -- small helpers --------------------------------------------------------------------------


def _version() -> str:
    try:
        return metadata.version("sohoa")
    except metadata.PackageNotFoundError:
        return "unknown"
