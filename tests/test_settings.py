"""A setting that cannot be read is said in one line, naming the variable, before any work."""

from __future__ import annotations

from conftest import run_sohoa


def test_a_bad_setting_is_named_in_one_line_not_a_traceback(tmp_path):
    result = run_sohoa(
        tmp_path, "search", "ke hoach", check=False, env={"SOHOA_WORKERS": "two", "COLUMNS": "200"}
    )
    assert result.returncode == 2
    assert "sohoa: SOHOA_WORKERS='two' cannot be used: Input should be a valid integer" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "sohoa.db").exists()  # nothing was touched
