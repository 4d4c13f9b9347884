"""`sohoa export`: a BagIt bag of records that validates and proves its events offline."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from conftest import run_json, run_sohoa
from databases import copy_archive
from sohoa.archive import checkpoints, merkle
from sohoa.archive.keys import PublicKey

BAGIT = str(Path(sys.executable).parent / "bagit.py")


@pytest.fixture
def archive_copy(sample_archive, tmp_path):
    home, report = sample_archive
    copy = tmp_path / "archive"
    copy_archive(home, copy)
    return copy, {d["name"].rsplit("/", 1)[-1]: d for d in report["documents"]}


def _public_key(bag: Path) -> PublicKey:
    verifier = (bag / "data" / "trail-ed25519.pub").read_text().strip()
    return PublicKey(base64.b64decode(verifier.split("+", 2)[2])[1:])


def test_a_procedure_s_records_export_as_a_valid_bag_that_proves_its_events(archive_copy, tmp_path):
    home, documents = archive_copy
    decision = documents["quyet-dinh-thanh-lap-doan-danh-gia.jpg"]
    bag = tmp_path / "bag"
    done = run_json(home, "export", str(bag), "--procedure", "qt-ht-02")
    assert done["documents"] == 1 and done["events"] > 0
    checked = subprocess.run([BAGIT, "--validate", str(bag)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert bagit.Bag(str(bag)).is_valid()

    folder = bag / "data" / "records" / f"{decision['id']:06d}"
    original = (folder / "original.jpg").read_bytes()
    assert hashlib.sha256(original).hexdigest() == decision["sha256"]
    record = json.loads((folder / "record.json").read_text())
    assert record["metadata"]["number"] == "38/QĐ-LHH"
    assert record["links"][0]["code"] == "QT-HT-02"
    assert "đánh giá nội bộ" in (folder / "text.txt").read_text()
    copy = (folder / "preservation.pdf").read_bytes()  # its PDF/A copy, as the archive holds it
    assert (
        hashlib.sha256(copy).hexdigest()
        == run_json(home, "show", str(decision["id"]))["preservation"]["sha256"]
    )

    # Offline, with the bag alone: the checkpoint is signed, every event leads to its root.
    key = _public_key(bag)
    signed = checkpoints.parse((bag / "data" / "checkpoint.txt").read_text(), key)
    events = json.loads((bag / "data" / "events.json").read_text())["events"]
    assert {"ingestion", "policy assignment", "migration"} <= {e["eventType"] for e in events}
    for event in events:
        proof = event["proof"]
        leaf = merkle.hash_leaf(base64.b64decode(proof["canonical"]))
        assert leaf.hex() == proof["leaf_hash"]
        merkle.check_inclusion(
            leaf,
            proof["leaf_index"],
            signed.tree_size,
            [bytes.fromhex(h) for h in proof["inclusion"]],
            signed.root,
        )
    assert run_json(home, "trail", "verify")["ok"] is True


def test_a_batch_exports_every_record_and_a_changed_bag_no_longer_validates(archive_copy, tmp_path):
    home, documents = archive_copy
    bag = tmp_path / "batch-bag"
    assert run_json(home, "export", str(bag), "--batch", "1")["documents"] == len(documents)
    text = next((bag / "data" / "records").glob("*/text.txt"))
    text.write_text(text.read_text() + "sửa lén\n")
    checked = subprocess.run([BAGIT, "--validate", str(bag)], capture_output=True, text=True)
    assert checked.returncode != 0


def test_a_disposed_record_exports_its_tombstone_without_its_original(archive_copy, tmp_path):
    home, documents = archive_copy
    decision = documents["quyet-dinh-thanh-lap-doan-danh-gia.jpg"]["id"]
    run_sohoa(home, "procedures", "revise", "QT-HT-02", "--retention", "1", "--reason", "thử")
    run_sohoa(home, "retention", "dispose", str(decision), "--reason", "QĐ 12/QĐ-LHH")
    bag = tmp_path / "bag"
    run_sohoa(home, "export", str(bag), "--procedure", "QT-HT-02")
    folder = bag / "data" / "records" / f"{decision:06d}"
    assert not list(folder.glob("original.*"))
    assert json.loads((folder / "record.json").read_text())["disposal"]["reason"] == "QĐ 12/QĐ-LHH"
    assert bagit.Bag(str(bag)).is_valid()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "99"], "no batch with id 99"),
        (["--procedure", "QT-X"], "no procedure QT-X"),
        ([], "--procedure CODE or --batch ID"),
        (["--batch", "1", "--procedure", "QT-HT-02"], "--procedure CODE or --batch ID"),
    ],
)
def test_an_export_that_cannot_be_made_is_refused_and_leaves_nothing(
    archive_copy, tmp_path, args, message
):
    home, _ = archive_copy
    result = run_sohoa(home, "export", str(tmp_path / "bag"), *args, check=False)
    assert result.returncode == 1 and message in result.stderr
    assert not (tmp_path / "bag").exists()
    assert not list(tmp_path.glob(".bag.partial"))


def test_an_export_never_writes_into_a_folder_that_holds_something(archive_copy, tmp_path):
    home, _ = archive_copy
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("giữ nguyên")
    result = run_sohoa(home, "export", str(tmp_path / "full"), "--batch", "1", check=False)
    assert result.returncode == 1 and "is not an empty folder" in result.stderr
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
