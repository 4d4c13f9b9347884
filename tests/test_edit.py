"""Correcting a document's metadata: `sohoa edit`, `PATCH /api/documents/{id}/metadata`, and how
`show` and `search` present the metadata. The archive is built directly (no OCR) and indexed."""

import json

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from conftest import api_client, run_json, run_sohoa
from databases import archive_settings, database_env
from sohoa.api.cli import app
from sohoa.api.web import create_app
from sohoa.archive import checkpoints, records
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Event, Page
from sohoa.iso_procedures import registry
from sohoa.search import archive_pages, open_index

PLAN = {
    "issuer": "UBND TỈNH BẮC GIANG\nSỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "number": "45/KH-SKHCN",
    "place": "Bắc Giang",
    "date": "2024-07-15",
    "doc_type": "Kế hoạch",
    "subject": "Số hóa tài liệu lưu trữ",
    "signer": "Nguyễn Văn An",
    "authority": "",
    "confidence": {
        "issuer": 0.93,
        "number": 0.61,
        "place": 0.9,
        "date": 0.88,
        "doc_type": 0.95,
        "subject": 0.7,
        "signer": 0.8,
    },
}


@pytest.fixture
def home(new_archive, tmp_path):
    """An archive of two ingested documents: a plan with metadata, and one ingested before
    metadata existed; both indexed."""
    settings = new_archive(tmp_path / "archive")
    engine = open_database(settings)
    with Session(engine) as session:
        for sha, name, metadata, text in [
            ("a", "ke-hoach.pdf", PLAN, "KẾ HOẠCH\nSố hóa tài liệu lưu trữ năm 2024"),
            ("b", "cu.pdf", {}, "Báo cáo kết quả thực hiện kế hoạch"),
        ]:
            document = Document(
                sha256=sha * 64,
                name=name,
                size=1,
                mime="application/pdf",
                status="ingested",
                page_count=1,
                record_metadata=metadata,
            )
            session.add(document)
            session.flush()
            session.add(
                Page(
                    document_id=document.id,
                    number=1,
                    width=1240,
                    height=1754,
                    dpi=150,
                    raw_text=text,
                    text=text,
                    confidence=0.9,
                )
            )
        session.commit()
        open_index(settings).rebuild(archive_pages(session))
    engine.dispose()
    return settings.home


def invoke(home, *args):
    """`sohoa ARGS` in this process (faster than the installed command), as actor `lan`."""
    environment = {"SOHOA_HOME": str(home), "SOHOA_ACTOR": "lan", **database_env(home)}
    return CliRunner().invoke(app, list(args), env=environment)


def trail_of(home):
    """The archive's events but the seeding of its procedure registry and the accounts made."""
    engine = open_database(archive_settings(home=home))
    with Session(engine) as session:
        return [
            (e.action, e.actor, e.object_id, json.loads(e.details))
            for e in session.exec(select(Event).order_by(Event.seq))
            if e.actor != registry.SEED_ACTOR and not e.action.startswith(("user.", "token."))
        ]


def test_edit_corrects_records_and_reindexes_with_the_installed_command(home):
    result = run_sohoa(home, "edit", "1", "doc_type", "bao cao", env={"SOHOA_ACTOR": "lan"})
    assert result.stdout == '#1 doc_type: "Kế hoạch" → "Báo cáo"\n'
    assert trail_of(home) == [
        (
            "metadata.corrected",
            "lan",
            1,
            {"field": "doc_type", "old": "Kế hoạch", "new": "Báo cáo", "old_confidence": 0.95},
        )
    ]
    found = run_json(home, "search", "type:bao_cao")
    assert [h["document_id"] for h in found["hits"]] == [1]  # the index followed
    assert found["hits"][0]["metadata"]["doc_type"] == "Báo cáo"
    assert found["facets"]["doc_type"] == {"Báo cáo": 1}


def test_edit_json_prints_the_metadata_after_the_change(home):
    result = invoke(home, "edit", "2", "date", "15/7/2019", "--json")
    assert result.exit_code == 0, result.output
    metadata = json.loads(result.stdout)
    assert metadata == {
        "issuer": "",
        "number": "",
        "place": "",
        "date": "2019-07-15",
        "doc_type": "",
        "subject": "",
        "signer": "",
        "authority": "",
        "confidence": {"date": 1.0},
        "corrected": ["date"],
        "procedures": [],
    }
    assert json.loads(invoke(home, "show", "2", "--json").stdout)["metadata"] == metadata
    assert [
        h.document_id for h in open_index(archive_settings(home=home)).search("year:2019").hits
    ] == [2]


def test_an_empty_value_clears_a_field(home):
    result = invoke(home, "edit", "1", "signer", "")
    assert result.stdout == '#1 signer: "Nguyễn Văn An" → ""\n'
    metadata = json.loads(invoke(home, "show", "1", "--json").stdout)["metadata"]
    assert metadata["signer"] == "" and "signer" not in metadata["confidence"]
    assert metadata["corrected"] == ["signer"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("9", "date", "2024"), "sohoa: no document with id 9"),
        (("1", "title", "x"), 'sohoa: unknown field "title"; the fields are: issuer, number, '),
        (("1", "date", "31/2/2024"), 'sohoa: "31/2/2024" is not a real date'),
        (("1", "doc_type", "thu"), 'sohoa: unknown document type "thu"; the types are: '),
    ],
)
def test_edit_refuses_what_it_cannot_store_and_changes_nothing(home, args, message):
    result = invoke(home, "edit", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stdout == ""
    assert trail_of(home) == []
    assert json.loads(invoke(home, "show", "1", "--json").stdout)["metadata"]["corrected"] == []


def test_show_prints_the_fields_read_with_their_confidence_above_the_pages(home):
    assert invoke(home, "edit", "1", "number", "46/KH-SKHCN").exit_code == 0
    head, rule, pages = invoke(home, "show", "1").stdout.partition("page 1 · OCR confidence")
    lines = [line.split() for line in head.splitlines() if line.strip()]
    fields = {words[0]: words[1:] for words in lines if words[0] in records.FIELDS}
    assert fields == {
        "issuer": ["UBND", "TỈNH", "BẮC", "GIANG", "93%"],
        "number": ["46/KH-SKHCN", "(corrected)"],
        "place": ["Bắc", "Giang", "90%"],
        "date": ["2024-07-15", "88%"],
        "doc_type": ["Kế", "hoạch", "95%"],
        "subject": ["Số", "hóa", "tài", "liệu", "lưu", "trữ", "70%"],
        "signer": ["Nguyễn", "Văn", "An", "80%"],
    }  # the empty authority left out
    assert ["SỞ", "KHOA", "HỌC", "VÀ", "CÔNG", "NGHỆ"] in lines  # the issuer's second line
    assert rule and "Số hóa tài liệu lưu trữ năm 2024" in pages
    head, rule, _ = invoke(home, "show", "2").stdout.partition("page 1 · OCR confidence")
    assert rule and not any(name in head.split() for name in records.FIELDS)  # nothing read


def test_search_prints_each_hits_record_and_the_facets(home):
    output = invoke(home, "search", "ke hoach").stdout
    assert "2 document(s) for ke hoach" in output
    assert "types: Kế hoạch 1 · years: 2024 1 · issuers: SỞ KHOA HỌC VÀ CÔNG NGHỆ 1" in output
    assert "Kế hoạch · 45/KH-SKHCN · 2024-07-15" in output
    assert "1-2 of 2 document(s)" in output and "p.1: " in output  # snippets name their page
    bad = invoke(home, "search", "ke hoach year:24")
    assert bad.exit_code == 1 and "year: expects a year" in bad.stderr
    unclosed = invoke(home, "search", '"ke hoach')
    assert unclosed.exit_code == 1 and "a quote is not closed" in unclosed.stderr
    assert "Did you mean: ke hoach" in invoke(home, "search", "ke hoachh").stdout
    similar = invoke(home, "similar", "2").stdout  # "kế hoạch" is all they share
    assert "of 1 document(s) for like:2" in similar and "#1 ke-hoach.pdf" in similar


def test_patch_corrects_several_fields_for_the_signed_in_user(home):
    app = create_app(archive_settings(home=home))
    client = api_client(app, "archivist", "minh")
    response = client.patch(
        "/api/documents/1/metadata",
        json={
            "doc_type": "QUYẾT ĐỊNH",
            "date": "2024-08",
            "authority": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        },
    )
    assert response.status_code == 200, response.text
    metadata = response.json()
    assert (metadata["doc_type"], metadata["date"]) == ("Quyết định", "2024-08")
    assert metadata["authority"] == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    assert metadata["corrected"] == ["date", "doc_type", "authority"]
    assert client.get("/api/documents/1").json()["metadata"] == metadata
    assert [(action, actor, field["field"]) for action, actor, _, field in trail_of(home)] == [
        ("metadata.corrected", "minh", "doc_type"),
        ("metadata.corrected", "minh", "date"),
        ("metadata.corrected", "minh", "authority"),
    ]
    found = client.get("/api/search", params={"q": "type:quyet_dinh"}).json()
    assert [h["document_id"] for h in found["hits"]] == [1]
    other = api_client(app, "archivist", "lan")
    assert other.patch("/api/documents/2/metadata", json={"place": None}).status_code == 200
    assert trail_of(home)[-1][1] == "lan"
    with Session(open_database(archive_settings(home=home))) as session:  # each change sealed
        assert checkpoints.latest(session).tree_size == len(session.exec(select(Event)).all())


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/documents/9/metadata", {"date": "2024"}, 404, "no document with id 9"),
        ("/api/documents/1/metadata", {"date": "2024", "title": "x"}, 422, 'unknown field "title"'),
        ("/api/documents/1/metadata", {"date": "2024-02-30"}, 422, "is not a real date"),
        ("/api/documents/1/metadata", {}, 422, "no field to change"),
        ("/api/documents/1/metadata", {"date": 2024}, 422, "body.date: "),
    ],
)
def test_patch_refuses_with_the_error_shape_and_stores_nothing(home, path, body, status, message):
    client = api_client(create_app(archive_settings(home=home)), "archivist")
    response = client.patch(path, json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == {404: "not_found", 422: "invalid_request"}[status]
    assert message in error["message"]
    assert trail_of(home) == []
    assert client.get("/api/documents/1").json()["metadata"]["date"] == "2024-07-15"
