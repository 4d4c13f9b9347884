"""`sohoa procedures`, `link`, `unlink` and `ingest --procedure`, as the installed command."""

from __future__ import annotations

import pytest

from conftest import SAMPLES, run_json, run_sohoa
from databases import copy_archive


@pytest.fixture
def archive_copy(sample_archive, tmp_path):
    home, report = sample_archive
    copy = tmp_path / "archive"
    copy_archive(home, copy)
    return copy, {d["name"].rsplit("/", 1)[-1]: d["id"] for d in report["documents"]}


def test_ingest_links_the_decision_on_the_internal_audit_team_to_qt_ht_02_by_rule(archive_copy):
    home, ids = archive_copy
    shown = run_json(home, "procedures", "show", "QT-HT-02")
    assert [d["id"] for d in shown["documents"]] == [ids["quyet-dinh-thanh-lap-doan-danh-gia.jpg"]]
    assert shown["documents"][0]["link"]["source"] == "rule"
    found = run_json(home, "search", "procedure:qt-ht-02")
    assert [h["document_id"] for h in found["hits"]] == [
        ids["quyet-dinh-thanh-lap-doan-danh-gia.jpg"]
    ]


def test_link_and_unlink_by_hand_follow_into_search_and_the_listing(archive_copy):
    home, ids = archive_copy
    plan = str(ids["ke-hoach-so-hoa-2024.pdf"])
    linked = run_json(home, "link", plan, "QT-HT-05", "--reason", "Kế hoạch có phần rủi ro")
    assert linked == {"document_id": int(plan), "procedures": ["QT-HT-05"]}
    assert [h["document_id"] for h in run_json(home, "search", "procedure:QT-HT-05")["hits"]] == [
        int(plan)
    ]
    listing = {p["code"]: p["linked_documents"] for p in run_json(home, "procedures", "list")}
    assert listing["QT-HT-05"] == 1
    run_sohoa(home, "unlink", plan, "QT-HT-05", "--reason", "nhầm")
    assert run_json(home, "search", "procedure:QT-HT-05")["total"] == 0
    refused = run_sohoa(home, "link", plan, "QT-HT-05", "--reason", "", check=False)
    assert refused.returncode == 1 and "say why" in refused.stderr
    assert run_json(home, "trail", "verify")["ok"] is True


def test_procedures_are_added_revised_and_retired_from_the_command_line(archive_copy):
    home, _ = archive_copy
    run_sohoa(
        home,
        "procedures",
        "add",
        "QT-HT-07",
        "--title",
        "Đào tạo",
        "--clause",
        "7.2",
        "--record-type",
        "ke hoach",
        "--keyword",
        "tập huấn",
        "--retention",
        "5",
    )
    revised = run_json(
        home, "procedures", "revise", "QT-HT-07", "--reason", "lần 2", "--retention", "permanent"
    )
    assert (revised["version"], revised["retention_years"]) == (2, None)
    old = run_json(home, "procedures", "show", "QT-HT-07", "--version", "1")
    assert (old["status"], old["retention_years"]) == ("obsolete", 5)
    assert (
        run_json(home, "procedures", "retire", "QT-HT-07", "--reason", "bỏ")["status"] == "retired"
    )
    everything = run_json(home, "procedures", "list", "--all")
    assert [p["version"] for p in everything if p["code"] == "QT-HT-07"] == [2, 1]
    bad = run_sohoa(
        home, "procedures", "add", "QT-HT-08", "--title", "x", "--retention", "lâu", check=False
    )
    assert bad.returncode == 1 and "--retention" in bad.stderr
    table = run_sohoa(home, "procedures", "list").stdout
    assert "QT-HT-02" in table and "Đánh giá nội bộ" in table


def test_ingest_with_a_procedure_links_the_batch_duplicates_included(tmp_path):
    home = tmp_path / "archive"
    one = SAMPLES / "thong-bao-hop-ban-thuong-vu.png"
    report = run_json(home, "ingest", str(one), "--procedure", "QT-HT-03")
    document = report["documents"][0]["id"]
    again = run_json(home, "ingest", str(one), "--procedure", "qt-ht-04")
    assert again["documents"][0]["status"] == "duplicate"
    shown = run_json(home, "show", str(document))
    assert shown["metadata"]["procedures"] == ["QT-HT-03", "QT-HT-04"]
    assert run_json(home, "search", "procedure:QT-HT-04")["total"] == 1
    unknown = run_sohoa(home, "ingest", str(one), "--procedure", "QT-NOPE", check=False)
    assert unknown.returncode == 1 and "no procedure QT-NOPE" in unknown.stderr
    assert run_json(home, "trail", "verify")["ok"] is True


def test_rules_run_again_link_what_a_new_procedure_matches_but_never_what_was_unlinked(
    archive_copy,
):
    home, ids = archive_copy
    plan = ids["ke-hoach-so-hoa-2024.pdf"]
    run_sohoa(
        home,
        "procedures",
        "add",
        "QT-HT-07",
        "--title",
        "Số hóa tài liệu",
        "--record-type",
        "Kế hoạch",
        "--keyword",
        "số hóa tài liệu",
    )
    would = run_json(home, "procedures", "apply-rules", "--dry-run")
    assert would == [
        {"document_id": plan, "code": "QT-HT-07", "reason": "Kế hoạch về “số hóa tài liệu”"}
    ]
    assert run_json(home, "search", "procedure:QT-HT-07")["total"] == 0  # nothing linked yet
    assert run_json(home, "procedures", "apply-rules") == would
    assert [h["document_id"] for h in run_json(home, "search", "procedure:QT-HT-07")["hits"]] == [
        plan
    ]
    assert run_json(home, "procedures", "apply-rules") == []  # linked already
    run_sohoa(home, "unlink", str(plan), "QT-HT-07", "--reason", "không phải hồ sơ ISO")
    assert run_json(home, "procedures", "apply-rules") == []  # a person's unlink stands
