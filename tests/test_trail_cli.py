"""`sohoa trail` as an auditor runs it, on a copy of the ingested samples."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import create_engine, text

from conftest import run_json, run_sohoa
from databases import archive_settings, copy_archive, drop_append_only
from sohoa.archive import merkle, storage


@pytest.fixture
def archive_copy(sample_archive, tmp_path):
    home, report = sample_archive
    copy = tmp_path / "archive"
    copy_archive(home, copy)
    return copy, report


def test_the_ingest_is_sealed_and_verifies(archive_copy):
    home, report = archive_copy
    result = run_json(home, "trail", "verify")
    assert result["ok"] is True
    assert result["checkpoint"]["tree_size"] == result["events"] > 0
    assert result["originals"]["checked"] == len(report["documents"])
    assert len(result["key"]["fingerprint"]) == 64


def test_an_auditor_keeps_a_checkpoint_and_catches_a_changed_original_and_a_deleted_event(
    archive_copy, tmp_path
):
    home, report = archive_copy
    kept = tmp_path / "kept-checkpoint.txt"
    printed = run_sohoa(home, "trail", "checkpoint", "--out", str(kept)).stdout
    assert "key fingerprint" in printed and kept.read_text().startswith("sohoa-")
    run_sohoa(home, "edit", str(report["documents"][0]["id"]), "place", "Hà Nội")
    assert run_json(home, "trail", "verify", "--against", str(kept))["ok"] is True

    original = storage.original_path(home / "originals", report["documents"][1]["sha256"])
    original.chmod(0o644)
    original.write_bytes(original.read_bytes() + b"\n% appended")
    engine = create_engine(archive_settings(home).db_url)
    with engine.begin() as connection:
        drop_append_only(connection, "event")
        connection.execute(text("DELETE FROM event WHERE seq = 2"))
    engine.dispose()

    failed = run_sohoa(home, "trail", "verify", "--against", str(kept), "--json", check=False)
    assert failed.returncode == 1
    problems = json.loads(failed.stdout)["problems"]
    assert problems[0]["where"] == "event 2"
    assert any(
        p["kind"] == "original" and f"#{report['documents'][1]['id']}" in p["where"]
        for p in problems
    )
    said = run_sohoa(home, "trail", "verify", check=False)
    assert said.returncode == 1 and "does NOT verify" in said.stdout and "event 2" in said.stderr


def test_a_kept_checkpoint_that_is_not_a_file_is_a_clear_error(archive_copy, tmp_path):
    home, _ = archive_copy
    result = run_sohoa(home, "trail", "verify", "--against", str(tmp_path / "nope"), check=False)
    assert result.returncode == 1 and "cannot read" in result.stderr


def test_an_empty_archive_has_nothing_to_checkpoint(tmp_path):
    result = run_sohoa(
        tmp_path / "empty", "trail", "checkpoint", "--out", str(tmp_path / "c"), check=False
    )
    assert result.returncode == 1 and "empty" in result.stderr
    assert not (tmp_path / "empty" / "keys").exists()


def test_the_log_says_who_did_what_and_when_with_filters(archive_copy):
    home, report = archive_copy
    document = report["documents"][0]["id"]
    run_sohoa(home, "edit", str(document), "place", "Hà Nội", env={"SOHOA_ACTOR": "lan"})
    mine = run_json(home, "trail", "log", "--document", str(document))
    assert mine[0]["action"] == "document.stored" and mine[-1]["action"] == "metadata.corrected"
    assert all(e["object_id"] == document for e in mine)
    assert [e["seq"] for e in mine] == sorted(e["seq"] for e in mine)
    by_lan = run_json(home, "trail", "log", "--actor", "lan")
    assert [(e["action"], e["details"]["new"]) for e in by_lan] == [
        ("metadata.corrected", "Hà Nội")
    ]
    seeded = run_json(home, "trail", "log", "--action", "procedure.", "--limit", "2")
    assert [e["details"]["code"] for e in seeded][-1] == "QT-HT-02"  # rule links come last
    assert run_json(home, "trail", "log", "--since", "2999-01-01") == []


def test_an_event_s_proof_checks_against_the_signed_root_without_sohoa(archive_copy):
    home, _ = archive_copy
    proof = run_json(home, "trail", "proof", "3")
    assert proof["included"] is True and proof["event"]["seq"] == 3
    leaf = merkle.hash_leaf(base64.b64decode(proof["canonical"]))
    merkle.check_inclusion(
        leaf,
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["inclusion"]],
        bytes.fromhex(proof["root"]),
    )
    missing = run_sohoa(home, "trail", "proof", "100000", check=False)
    assert missing.returncode == 1 and "no event 100000" in missing.stderr
