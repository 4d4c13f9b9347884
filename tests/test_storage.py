"""archive.storage: originals stored once, by hash, read-only, never rewritten."""

import hashlib
import stat

import pytest

from sohoa.archive import storage


def test_store_puts_the_file_under_its_hash_read_only(tmp_path):
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.4 example")
    digest = hashlib.sha256(b"%PDF-1.4 example").hexdigest()
    assert storage.sha256_of(source) == digest

    stored = storage.store(tmp_path / "originals", source, digest)

    assert stored == tmp_path / "originals" / "sha256" / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == b"%PDF-1.4 example"
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not list(stored.parent.glob(".incoming-*"))


def test_storing_again_writes_nothing_and_returns_the_same_file(tmp_path):
    source = tmp_path / "a.png"
    source.write_bytes(b"same bytes")
    digest = storage.sha256_of(source)
    first = storage.store(tmp_path / "o", source, digest)
    mtime = first.stat().st_mtime_ns
    again = storage.store(tmp_path / "o", source, digest)
    assert again == first and again.stat().st_mtime_ns == mtime


def test_a_file_that_does_not_match_its_hash_is_refused_and_leaves_nothing(tmp_path):
    source = tmp_path / "changed.tif"
    source.write_bytes(b"new content")
    wrong = hashlib.sha256(b"old content").hexdigest()
    with pytest.raises(storage.StorageError):
        storage.store(tmp_path / "o", source, wrong)
    assert not storage.original_path(tmp_path / "o", wrong).exists()
    assert not [p for p in (tmp_path / "o").rglob("*") if p.is_file()]


def test_a_damaged_stored_original_is_detected(tmp_path):
    source = tmp_path / "a.jpg"
    source.write_bytes(b"original")
    digest = storage.sha256_of(source)
    stored = storage.store(tmp_path / "o", source, digest)
    stored.chmod(0o644)
    stored.write_bytes(b"tampered")
    with pytest.raises(storage.StorageError):
        storage.store(tmp_path / "o", source, digest)
