"""`sohoa repair [FILE] [--json]`: the installed command, fed on stdin and from files.

The damaged line is what Tesseract's English model reads from a Vietnamese scan; the clean lines
are valid Vietnamese that repair may only normalise (NFC, one tone-placement form).
"""

import json
import unicodedata

from conftest import run_json, run_sohoa

DAMAGED = "Pang ky va t6 chirc thuc hién K& hoach nim 2024"
REPAIRED = "Đăng ký và tổ chức thực hiện Kế hoạch năm 2024"
CLEAN_NFD = unicodedata.normalize("NFD", "Kế hoạch số hoà\nnăm 2024")  # no final newline
CLEAN = "Kế hoạch số hòa\nnăm 2024"
EDIT_FIELDS = {"line", "start", "end", "before", "after", "confidence", "review"}


def test_stdin_is_repaired_and_printed_line_for_line(tmp_path):
    page = f"{DAMAGED}\n\n  Báo cáo  \n{DAMAGED}\n"
    result = run_sohoa(tmp_path, "repair", input=page)
    assert result.stdout == f"{REPAIRED}\n\n  Báo cáo  \n{REPAIRED}\n"
    assert result.stdout.count("\n") == page.count("\n")
    assert result.stderr == ""


def test_dash_reads_stdin_and_clean_text_is_only_normalised(tmp_path):
    result = run_sohoa(tmp_path, "repair", "-", input=CLEAN_NFD)
    assert result.stdout == CLEAN  # NFC, `hòa`, and no newline added


def test_a_file_gives_what_stdin_gives(tmp_path):
    source = tmp_path / "trang 1.txt"
    page = f"{DAMAGED}\n\n\n{DAMAGED}"
    source.write_text(page, encoding="utf-8")
    from_file = run_sohoa(tmp_path, "repair", str(source)).stdout
    assert from_file == run_sohoa(tmp_path, "repair", input=page).stdout
    assert from_file.split("\n") == [REPAIRED, "", "", REPAIRED]


def test_json_gives_the_text_its_edits_and_the_encoding(tmp_path):
    source = tmp_path / "page.txt"
    source.write_text(f"Báo cáo\n{DAMAGED}\n", encoding="utf-8")
    result = run_sohoa(tmp_path, "repair", str(source), "--json")
    assert REPAIRED in result.stdout  # UTF-8 as is, not \u escapes
    repaired = json.loads(result.stdout)
    assert set(repaired) == {"text", "edits", "encoding"}
    assert repaired["text"] == f"Báo cáo\n{REPAIRED}\n"
    assert unicodedata.is_normalized("NFC", repaired["text"])
    assert repaired["encoding"] is None
    assert repaired["edits"], "the damaged line needs edits"
    for edit in repaired["edits"]:
        assert set(edit) == EDIT_FIELDS
        assert edit["line"] == 2
        assert DAMAGED[edit["start"] : edit["end"]] == edit["before"] != edit["after"]
        assert 0 <= edit["confidence"] <= 1
        assert isinstance(edit["review"], bool)
    words = {(e["before"], e["after"]) for e in repaired["edits"]}
    assert {("Pang", "Đăng"), ("t6", "tổ"), ("K&", "Kế"), ("nim", "năm")} <= words


def test_json_on_clean_stdin_has_no_edits(tmp_path):
    result = run_sohoa(tmp_path, "repair", "--json", input=CLEAN_NFD)
    assert json.loads(result.stdout) == {"text": CLEAN, "edits": [], "encoding": None}


def test_a_tcvn3_file_is_converted_and_its_encoding_reported(tmp_path):
    source = tmp_path / "tcvn3.txt"
    source.write_bytes("Céng hoµ x· héi chñ nghÜa ViÖt Nam\n".encode("latin-1"))  # TCVN3 bytes
    converted = "Cộng hòa xã hội chủ nghĩa Việt Nam\n"
    assert run_sohoa(tmp_path, "repair", str(source)).stdout == converted
    assert run_json(tmp_path, "repair", str(source))["encoding"] == "tcvn3"


def test_empty_input_gives_empty_output(tmp_path):
    assert run_sohoa(tmp_path, "repair", input="").stdout == ""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert run_json(tmp_path, "repair", str(empty)) == {"text": "", "edits": [], "encoding": None}


def test_a_missing_or_unreadable_file_is_one_clear_line_and_status_1(tmp_path):
    missing = tmp_path / "a rather long folder name [draft]" / "không có.txt"
    for path, reason in ((missing, "No such file or directory"), (tmp_path, "Is a directory")):
        result = run_sohoa(tmp_path, "repair", str(path), check=False)
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr == f"sohoa: cannot read {path}: {reason}\n"
