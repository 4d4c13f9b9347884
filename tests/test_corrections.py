"""Correcting one word of a page's text: the text changes, the page's edits still account for
it exactly, it is an event, search follows; and the user dictionary it teaches changes how later
pages are repaired. The archive is built directly (repair run on text, no OCR) and indexed."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from conftest import one_line_page, run_json, run_sohoa
from sohoa.api import objects
from sohoa.archive import corrections, records, review
from sohoa.archive.models import Document, Event, LearntWord, Page
from sohoa.archive.text import normalize
from sohoa.ingest.repair import repair
from sohoa.search import archive_pages, open_index

# The model reads `xa` here as `xạ`; the paper says `xã` (commune). `Hon` is a name it makes
# `Hỏn`; the paper says `Hồng`, a letter OCR lost.
OCR = "Ba Tran Thi Luu o thon Khe Tre xa Huong Loc\nGui ong Phan Thanh Xuyen, ban Cu Hon"
SIMILAR = "Ong Le Van Hai o thon Khe Tre xa Huong Loc huyen Nam Dong"


@pytest.fixture
def home(settings, engine):
    """One ingested document of one page: `OCR` repaired, indexed."""
    repaired = repair(OCR)
    with Session(engine) as session:
        session.add(
            Document(
                sha256="c" * 64,
                name="danh-sach.pdf",
                size=1,
                mime="application/pdf",
                status="ingested",
                page_count=1,
                record_metadata=records.empty_metadata(),
            )
        )
        session.flush()
        edits = [edit.as_dict() for edit in repaired.edits]
        session.add(
            Page(
                document_id=1,
                number=1,
                width=1,
                height=1,
                dpi=300,
                raw_text=OCR,
                text=repaired.text,
                edits=edits,
                review_count=sum(1 for e in edits if e["review"]),
            )
        )
        session.commit()
        open_index(settings).rebuild(archive_pages(session))
    return settings


def _apply(raw: str, edits: list[dict]) -> str:
    """The OCR text with every edit not rejected made: what the page's text must always be."""
    lines = raw.split("\n")
    kept = [e for e in edits if e.get("reviewed") != "rejected"]
    for edit in sorted(kept, key=lambda e: (e["line"], -e["start"])):
        line = lines[edit["line"] - 1]
        lines[edit["line"] - 1] = line[: edit["start"]] + edit["after"] + line[edit["end"] :]
    return normalize("\n".join(lines))


def _number(page: Page, before: str) -> int:
    return next(n for n, e in enumerate(page.edits, start=1) if e["before"] == before)


def test_the_model_gets_the_words_wrong_that_the_tests_correct():
    assert "xạ Hương" in repair(OCR).text and "xạ Hương" in repair(SIMILAR).text
    assert "Cụ Hỏn" in repair(OCR).text


def test_correcting_an_edit_changes_the_text_keeps_the_edits_exact_and_is_an_event(home, engine):
    with Session(engine) as session:
        page = session.get(Page, 1)
        number = _number(page, "xa")
        done = corrections.correct(session, page, "xã", "lan", edit=number)
        session.commit()
        assert "thôn Khê Tre xã Hương Lộc" in page.text
        edit = page.edits[number - 1]
        assert done == {"edit": number, **edit} and edit["after"] == "xã"
        assert (edit["reviewed"], edit["repaired"], edit["review"]) == ("corrected", "xạ", False)
        assert _apply(OCR, page.edits) == page.text
        [event] = session.exec(select(Event).where(Event.action == "text.corrected")).all()
        details = json.loads(event.details)
        assert (event.actor, event.object_id) == ("lan", 1)
        assert (details["page"], details["before"], details["after"]) == (1, "xạ", "xã")
        assert details["learnt"] == {"form": "xa", "word": "xã", "count": 1}
        with pytest.raises(review.ReviewError, match="corrected already"):
            review.decide(session, page, number, "reject", "lan")


def test_a_word_repair_left_alone_is_corrected_by_its_place_and_gets_an_edit(home, engine):
    with Session(engine) as session:
        page = session.get(Page, 1)
        line = page.text.split("\n")[1]
        start = line.index("Hỏn")
        edits_before = len(page.edits)
        hon = _number(page, "Hon")
        review.decide(session, page, hon, "reject", "lan")  # `Hon` back, as OCR read it
        line = page.text.split("\n")[1]
        assert line.endswith("Hon")
        done = corrections.correct(session, page, "Hồng", "lan", line=2, start=start)
        assert page.text.split("\n")[1].endswith("Cụ Hồng")
        assert done["edit"] == hon  # the rejected edit's place: that edit records it
        assert _apply(OCR, page.edits) == page.text
        thanh = page.text.split("\n")[1].index("Thanh")  # a word no edit touched
        added = corrections.correct(session, page, "Thành", "lan", line=2, start=thanh)
        assert added["edit"] == edits_before + 1  # added at the end: numbers stay
        assert (added["source"], added["before"], added["after"]) == ("person", "Thanh", "Thành")
        assert _apply(OCR, page.edits) == page.text
        xa = _number(page, "xa")  # the other edits still decide as before
        review.decide(session, page, xa, "reject", "lan")
        assert _apply(OCR, page.edits) == page.text


@pytest.mark.parametrize(
    ("where", "word", "message"),
    [
        ({"edit": 99}, "xã", "no edit 99"),
        ({"line": 1, "start": 0}, "hai chữ", "one word"),
        ({"line": 1, "start": 0}, "Bà", "already says"),
        ({"line": 9, "start": 0}, "Bà", "no line 9"),
        ({"line": 1, "start": 1, "end": 2}, "a", "overlaps edit 1"),
        ({}, "Bà", "say where"),
    ],
)
def test_a_correction_that_cannot_be_applied_is_refused(home, engine, where, word, message):
    with Session(engine) as session:
        page = session.get(Page, 1)
        with pytest.raises(corrections.CorrectionError, match=message):
            corrections.correct(session, page, word, "lan", **where)


def test_search_finds_the_corrected_word_and_not_the_wrong_one(home, engine):
    index = open_index(home)
    assert [h.document_id for h in index.search("Hỏn").hits] == [1]
    with Session(engine) as session:
        page = session.get(Page, 1)
        where = objects.WordPlace(edit=_number(page, "Hon"))
        done = objects.correct_word(session, index, 1, 1, where, "Hồng", "lan")
        assert done["text"].endswith("Cụ Hồng") and done["corrected"]["after"] == "Hồng"
        document = session.get(Document, 1)
        assert document.preserve_pending and not document.index_pending
    assert [h.document_id for h in index.search("Hồng").hits] == [1]
    assert index.search("Hỏn").total == 0


def test_a_correction_teaches_the_repair_of_a_similar_page(home, engine):
    with Session(engine) as session:
        assert corrections.learnt(session) == {}
        page = session.get(Page, 1)
        corrections.correct(session, page, "xã", "lan", edit=_number(page, "xa"))
        session.commit()
        dictionary = corrections.learnt(session)
    assert dictionary == {"xa": "xã"}
    before, after = repair(SIMILAR), repair(SIMILAR, dictionary)
    assert "Khê Tre xạ Hương" in before.text
    assert after.text == before.text.replace("xạ", "xã")
    [taught] = [e.as_dict() for e in after.edits if e.before == "xa"]
    assert (taught["after"], taught["source"], taught["review"]) == ("xã", "dictionary", False)
    assert all("source" not in e.as_dict() for e in after.edits if e.before != "xa")
    shouted = repair("XA HUONG LOC", dictionary)  # the token's capitals, as repair keeps them
    assert shouted.text.startswith("XÃ ")


def test_teaching_again_counts_and_a_new_word_replaces_the_old(engine):
    with Session(engine) as session:
        corrections.teach(session, "xa", "xã", "lan")
        corrections.teach(session, "Xa", "Xã", "minh")
        row = session.exec(select(LearntWord)).one()
        assert (row.form, row.word, row.count, row.actor) == ("xa", "xã", 2, "minh")
        corrections.teach(session, "xa", "xa", "hoa")
        assert (row.word, row.count, row.actor) == ("xa", 1, "hoa")


def test_the_command_corrects_by_edit_or_place_and_repair_uses_the_dictionary(home):
    path = home.home
    page = run_json(path, "show", "1")["pages"][0]
    xa = next(n for n, e in enumerate(page["edits"], start=1) if e["before"] == "xa")
    done = run_json(path, "review", "1", "1", str(xa), "correct", "xã")
    assert (done["corrected"]["edit"], done["corrected"]["after"]) == (xa, "xã")
    start = page["text"].split("\n")[1].index("Thanh")
    printed = run_sohoa(path, "review", "1", "1", f"2:{start}", "correct", "Thành").stdout
    assert "corrected: Thanh → Thành" in printed
    shown = run_json(path, "show", "1")["pages"][0]
    assert "xã Hương" in shown["text"] and "Phan Thành Xuyên" in shown["text"]
    assert page["edits"][xa - 1]["review"] and shown["review_count"] == page["review_count"] - 1
    refused = run_sohoa(path, "review", "1", "1", str(xa), "accept", check=False)
    assert refused.returncode == 1 and "corrected already" in refused.stderr
    assert run_sohoa(path, "repair", input=SIMILAR).stdout.count("xã Hương") == 1
    untaught = run_sohoa(path, "repair", "--no-dictionary", input=SIMILAR).stdout
    assert "xạ Hương" in untaught
    assert run_json(path, "trail", "verify", "--no-originals")["ok"] is True


def test_the_next_ingest_repairs_with_what_a_correction_taught(tmp_path):
    """Two scans of a similar line, OCR'd: the first is repaired wrong (`xạ`), a person corrects
    it once, and the next batch writes the taught word."""
    scans = tmp_path / "scans"
    scans.mkdir()
    home = tmp_path / "archive"
    line = "thon Khe Tre xa Huong Loc"
    one_line_page(line).save(scans / "mot.png", dpi=(300, 300))
    run_json(home, "ingest", str(scans / "mot.png"))
    first = run_json(home, "show", "1")["pages"][0]
    assert "xạ Hương" in first["text"], first["raw_text"]
    xa = next(n for n, e in enumerate(first["edits"], start=1) if e["after"] == "xạ")
    run_json(home, "review", "1", "1", str(xa), "correct", "xã")
    one_line_page(f"Ong Hai o {line}").save(scans / "hai.png", dpi=(300, 300))
    run_json(home, "ingest", str(scans / "hai.png"))
    second = run_json(home, "show", "2")["pages"][0]
    assert "xã Hương" in second["text"]
    [taught] = [e for e in second["edits"] if e["after"] == "xã"]
    assert taught["source"] == "dictionary"


def test_a_word_named_by_a_person_is_found_once_or_the_line_is_asked_for():
    from sohoa.archive.corrections import CorrectionError, Place, find_word

    text = "Số 12/KH-LHH\nKế hoạch số hóa\nsố hóa tài liệu, hóa đơn"
    assert find_word(text, "Kế") == Place(2, 0, 2)
    assert find_word(text, "tài") == Place(3, 7, 10)
    assert find_word(text, "hóa", line=2) == Place(2, 12, 15)
    with pytest.raises(CorrectionError, match="3 times"):
        find_word(text, "hóa")
    with pytest.raises(CorrectionError, match="2 times"):
        find_word(text, "hóa", line=3)
    with pytest.raises(CorrectionError, match="does not say 'hoa'"):
        find_word(text, "hoa")  # whole words as written: not the folded form
