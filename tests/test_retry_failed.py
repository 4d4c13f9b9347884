"""`sohoa ingest --retry-failed`: failed files are tried again, a bounded number of times, and
each keeps its last error; a file replaced by a good scan under the same name starts afresh."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from conftest import one_line_page, run_json, run_sohoa
from sohoa.archive.database import open_database
from sohoa.archive.models import IngestJob
from sohoa.archive.settings import Settings

ENV = {"SOHOA_MAX_ATTEMPTS": "2", "SOHOA_WORKERS": "1"}


def _statuses(report: dict) -> dict[str, tuple[str, str | None]]:
    return {Path(d["name"]).name: (d["status"], d["error"]) for d in report["documents"]}


def test_failed_files_are_retried_until_given_up_with_their_last_error(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    broken = scans / "bien-ban.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # a PNG header and nothing else
    home = tmp_path / "archive"

    first = _statuses(run_json(home, "ingest", str(scans), env=ENV))
    assert first["bien-ban.png"][0] == "failed"
    reason = first["bien-ban.png"][1]

    again = _statuses(run_json(home, "ingest", "--retry-failed", env=ENV))
    assert again == {"bien-ban.png": ("failed", reason)}

    given_up = run_sohoa(home, "ingest", "--retry-failed", env=ENV)
    assert "No failed files to try again." in given_up.stdout
    assert "1 file(s) failed 2 times" in given_up.stderr

    named = _statuses(run_json(home, "ingest", str(broken), env=ENV))
    status, error = named[broken.name]
    assert status == "failed"
    assert error.startswith("given up after 2 attempts (SOHOA_MAX_ATTEMPTS); the last: ")
    assert error.endswith(reason)

    with Session(open_database(Settings(home=home))) as session:
        attempts = session.exec(select(IngestJob.attempts).order_by(IngestJob.id)).all()
    assert attempts == [1, 2, 2]  # the refusal is not a try


def test_a_file_replaced_by_a_good_scan_is_taken_afresh(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    scan = scans / "thong-bao.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    home = tmp_path / "archive"
    for _ in range(2):
        run_json(home, "ingest", str(scans), env=ENV)

    one_line_page("Thông báo").save(scan, dpi=(200, 200))
    retried = _statuses(run_json(home, "ingest", "--retry-failed", env=ENV))
    assert retried == {"thong-bao.png": ("ingested", None)}
