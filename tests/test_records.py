"""A record's metadata: values checked and normalised, the full shape, and a person's corrections
with their events in the trail."""

import json
import unicodedata

import pytest
from sqlmodel import Session, func, select

from sohoa.archive import records, trail
from sohoa.archive.models import Document, Event
from sohoa.archive.settings import Settings

READ = {  # what describing the pages found, as `ingest/describe` stores it
    "issuer": "UBND TỈNH BẮC GIANG\nSỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "number": "45/KH-LHH",
    "place": "Bắc Giang",
    "date": "2024-07-15",
    "doc_type": "Kế hoạch",
    "subject": "Số hóa tài liệu lưu trữ",
    "signer": "Nguyễn Văn An",
    "authority": "",
    "confidence": {"issuer": 0.93, "number": 0.61, "date": 0.9, "doc_type": 0.95},
}


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("date", "2024-07-15", "2024-07-15"),
        ("date", " 2024-07 ", "2024-07"),
        ("date", "2024", "2024"),
        ("date", "15/7/2024", "2024-07-15"),
        ("date", "5.3.2019", "2019-03-05"),
        ("date", "7/2024", "2024-07"),
        ("date", "29/2/2024", "2024-02-29"),
        ("doc_type", "ke hoach", "Kế hoạch"),
        ("doc_type", "KẾ HOẠCH", "Kế hoạch"),
        ("doc_type", "  kế_hoạch ", "Kế hoạch"),
        ("doc_type", "de an", "Đề án"),
        ("doc_type", "du an", "Dự án"),
        ("doc_type", unicodedata.normalize("NFD", "Quyết định"), "Quyết định"),
        ("number", "Số: 45/KH-LHH", "45/KH-LHH"),
        ("number", "45/KH-LHH", "45/KH-LHH"),
        ("signer", unicodedata.normalize("NFD", " Nguyễn  Văn Hoà "), "Nguyễn Văn Hòa"),
        ("subject", "Số hóa tài liệu\n  lưu trữ", "Số hóa tài liệu lưu trữ"),
        ("issuer", " UBND TỈNH\n\n  SỞ  TƯ PHÁP ", "UBND TỈNH\nSỞ TƯ PHÁP"),
        ("authority", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"),
        ("date", "  ", ""),
        ("doc_type", "", ""),
    ],
)
def test_values_are_stored_in_one_form(field, value, stored):
    assert records.normalize_value(field, value) == stored


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x", 'unknown field "title"; the fields are: issuer, number, place, date, '),
        ("date", "2024-02-30", '"2024-02-30" is not a real date'),
        ("date", "31/4/2024", '"31/4/2024" is not a real date'),
        ("date", "2024-13", '"2024-13" is not a real date'),
        ("date", "tháng 7", '"tháng 7" is not a date: write it as 2024-07-15'),
        ("date", "24-7-15", "is not a date"),
        ("doc_type", "thư", 'unknown document type "thư"; the types are: Nghị quyết, '),
    ],
)
def test_unknown_fields_and_bad_values_say_what_is_expected(field, value, message):
    with pytest.raises(ValueError) as error:
        records.normalize_value(field, value)
    assert message in str(error.value)
    if field == "doc_type":
        assert "Kế hoạch" in str(error.value) and "Khác" in str(error.value)


def test_metadata_of_fills_in_the_full_shape():
    empty = records.metadata_of(Document(sha256="0" * 64, name="x", size=1, mime="x"))
    assert empty == {
        **{name: "" for name in records.FIELDS},
        "confidence": {},
        "corrected": [],
        "procedures": [],
    }
    metadata = records.metadata_of(
        {
            "number": "45/KH-LHH",
            "date": None,
            "confidence": {"number": 0.5, "title": 1, "date": "high"},
            "corrected": ["signer", "number", "title"],
        }
    )
    assert list(metadata) == [*records.FIELDS, "confidence", "procedures", "corrected"]
    assert metadata["number"] == "45/KH-LHH" and metadata["date"] == ""
    assert metadata["confidence"] == {"number": 0.5}
    assert metadata["corrected"] == ["number", "signer"]


def test_issuing_body_is_the_last_line_of_the_issuer():
    assert records.issuing_body(READ["issuer"]) == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert records.issuing_body("BỘ TÀI CHÍNH\n") == "BỘ TÀI CHÍNH"
    assert records.issuing_body("") == ""


@pytest.fixture
def document(engine):
    with Session(engine) as session:
        document = Document(sha256="a" * 64, name="kh.pdf", size=1, mime="application/pdf")
        document.record_metadata = dict(READ)
        session.add(document)
        trail.record(session, "document.stored", actor="ingest", object_type="document")
        session.commit()
        return document.id


def events(session):
    return session.exec(select(Event).order_by(Event.seq)).all()


def test_a_correction_is_certain_marked_and_recorded_with_the_old_value(engine, document):
    with Session(engine, expire_on_commit=False) as session:
        before = events(session)
        doc = session.get(Document, document)
        metadata = records.correct(session, doc, "number", "Số: 46/KH-LHH", "lan")
        session.commit()
    with Session(engine) as session:
        stored = records.metadata_of(session.get(Document, document))
        assert stored == metadata
        assert stored["number"] == "46/KH-LHH"
        assert stored["confidence"] == {**READ["confidence"], "number": 1.0}
        assert stored["corrected"] == ["number"]
        assert {name: stored[name] for name in records.FIELDS if name != "number"} == {
            name: READ[name] for name in records.FIELDS if name != "number"
        }
        after = events(session)
    assert [(e.seq, e.leaf_hash) for e in after[: len(before)]] == [
        (e.seq, e.leaf_hash) for e in before
    ]
    (event,) = after[len(before) :]
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        "metadata.corrected",
        "lan",
        "document",
        document,
    )
    assert json.loads(event.details) == {
        "field": "number",
        "old": "45/KH-LHH",
        "new": "46/KH-LHH",
        "old_confidence": 0.61,
    }
    assert event.leaf_hash == trail.leaf_hash(trail.canonical_bytes(event))


def test_corrections_accumulate_and_clearing_a_field_drops_its_confidence(engine, document):
    with Session(engine) as session:
        doc = session.get(Document, document)
        records.correct(session, doc, "signer", "Trần Thị Bình", "lan")
        records.correct(session, doc, "date", "15/8/2024", "lan")
        metadata = records.correct(session, doc, "issuer", "", "minh")
        session.commit()
        details = [json.loads(e.details) for e in events(session)[1:]]
    assert metadata["corrected"] == ["issuer", "date", "signer"]  # in FIELDS order
    assert metadata["issuer"] == "" and "issuer" not in metadata["confidence"]
    assert metadata["date"] == "2024-08-15" and metadata["confidence"]["date"] == 1.0
    assert details == [
        {"field": "signer", "old": "Nguyễn Văn An", "new": "Trần Thị Bình", "old_confidence": None},
        {"field": "date", "old": "2024-07-15", "new": "2024-08-15", "old_confidence": 0.9},
        {"field": "issuer", "old": READ["issuer"], "new": "", "old_confidence": 0.93},
    ]


def test_confirming_a_value_records_once_and_a_bad_value_records_nothing(engine, document):
    with Session(engine) as session:
        doc = session.get(Document, document)
        records.correct(session, doc, "doc_type", "ke hoach", "lan")  # confirms what was read
        records.correct(session, doc, "doc_type", "KẾ HOẠCH", "lan")  # nothing new
        with pytest.raises(ValueError, match="not a real date"):
            records.correct(session, doc, "date", "30/2/2024", "lan")
        session.commit()
        metadata = records.metadata_of(session.get(Document, document))
        actions = [e.action for e in events(session)]
    assert actions == ["document.stored", "metadata.corrected"]
    assert metadata["doc_type"] == "Kế hoạch" and metadata["confidence"]["doc_type"] == 1.0
    assert metadata["date"] == "2024-07-15"


def test_a_correction_and_its_event_share_the_callers_transaction(engine, document):
    with Session(engine) as session:
        records.correct(session, session.get(Document, document), "place", "Hà Nội", "lan")
        session.rollback()
    with Session(engine) as session:
        assert records.metadata_of(session.get(Document, document))["place"] == "Bắc Giang"
        assert session.exec(select(func.count()).select_from(Event)).one() == 1


def test_a_document_ingested_before_metadata_can_be_corrected(engine):
    with Session(engine) as session:
        doc = Document(sha256="b" * 64, name="old.pdf", size=1, mime="application/pdf")
        session.add(doc)
        session.commit()
        records.correct(session, doc, "doc_type", "bao cao", "lan")
        session.commit()
        session.refresh(doc)
        assert doc.record_metadata["doc_type"] == "Báo cáo"
        assert set(doc.record_metadata) == {
            *records.FIELDS,
            "confidence",
            "corrected",
            "procedures",
        }
        (event,) = events(session)
    assert json.loads(event.details)["old"] == ""


def test_the_trail_names_the_configured_actor_or_the_os_user(monkeypatch):
    assert Settings(actor="lan").trail_actor == "lan"
    monkeypatch.setattr("getpass.getuser", lambda: "archivist")
    assert Settings(actor=None).trail_actor == "archivist"
