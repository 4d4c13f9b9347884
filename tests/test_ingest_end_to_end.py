"""The whole path on the bundled samples: ingest → store → OCR → repair → index → search → show
→ HTTP.

The samples are ingested once per test run (`sample_archive` fixture) with the installed command.
"""

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein
from sqlmodel import Session, func, select

from conftest import SAMPLES, SOHOA, api_client, run_json, run_sohoa
from databases import archive_settings
from sohoa.api.web import create_app
from sohoa.archive import records, storage
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Event, Page
from sohoa.ingest.repair import repair

SOURCES = SAMPLES.parent / "scripts" / "sample_texts"
EXPECTED = {  # sample → (pages, an unaccented query that must find it first)
    "ke-hoach-so-hoa-2024.pdf": (2, "ke hoach so hoa tai lieu luu tru"),
    "bao-cao-hoat-dong-6-thang.tif": (2, "bao cao ket qua hoat dong 6 thang dau nam"),
    "quyet-dinh-thanh-lap-doan-danh-gia.jpg": (1, "quyet dinh thanh lap doan danh gia noi bo"),
    "thong-bao-hop-ban-thuong-vu.png": (1, "thong bao ket luan hop ban thuong vu"),
}
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def by_file(report: dict) -> dict[str, dict]:
    return {Path(d["name"]).name: d for d in report["documents"]}


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = reference.split(), hypothesis.split()
    return Levenshtein.distance(ref, hyp) / len(ref)


def test_every_sample_is_stored_and_read(sample_archive):
    home, report = sample_archive
    documents = by_file(report)
    assert set(documents) == set(EXPECTED)
    assert isinstance(report["batch"]["id"], int) and report["batch"]["started"]
    for name, (pages, _query) in EXPECTED.items():
        document = documents[name]
        assert document["status"] == "ingested", document
        assert document["pages"] == pages
        assert document["error"] is None and isinstance(document["id"], int)
        assert document["name"] == str(SAMPLES / name)  # the path as given
        assert document["sha256"] == storage.sha256_of(SAMPLES / name)
        stored = storage.original_path(home / "originals", document["sha256"])
        assert stored.read_bytes() == (SAMPLES / name).read_bytes()


def test_pages_keep_words_with_boxes_and_every_step_is_an_event(sample_archive):
    home, report = sample_archive
    engine = open_database(archive_settings(home=home))
    with Session(engine) as session:
        for document in report["documents"]:
            pages = session.exec(select(Page).where(Page.document_id == document["id"])).all()
            assert len(pages) == document["pages"]
            for page in pages:
                assert len(page.words) > 50 and 0.5 < page.confidence <= 1
                word = page.words[0]
                assert set(word) >= {"text", "box", "conf", "line"} and len(word["box"]) == 4
            actions = session.exec(
                select(Event.action).where(
                    Event.object_type == "document", Event.object_id == document["id"]
                )
            ).all()
            assert actions.count("document.stored") == 1
            assert actions.count("page.recognized") == document["pages"]
            assert actions.count("document.ingested") == 1
        batch_events = session.exec(select(Event.action).where(Event.object_type == "batch")).all()
        assert {"batch.started", "batch.finished"} <= set(batch_events)
        seqs = session.exec(select(Event.seq).order_by(Event.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))


def test_pages_keep_the_ocr_text_and_store_the_repaired_text_with_its_edits(sample_archive):
    home, report = sample_archive
    engine = open_database(archive_settings(home=home))
    with Session(engine) as session:
        pages = session.exec(select(Page)).all()
        assert len(pages) == sum(d["pages"] for d in report["documents"])
        for page in pages:
            # The OCR's words in reading order: none changed or added, only specks dropped.
            read, kept = Counter(w["text"] for w in page.words), Counter(page.raw_text.split())
            assert kept <= read
            assert kept.total() >= 0.97 * read.total()
            repaired = repair(page.raw_text)
            assert page.text == repaired.text
            assert isinstance(page.edits, list)
            assert page.edits == [edit.as_dict() for edit in repaired.edits]
            assert page.review_count == sum(1 for edit in page.edits if edit["review"])
            assert page.review_count == sum(1 for edit in repaired.edits if edit.review)
        repairs = session.exec(select(Event).where(Event.action == "page.repaired")).all()
        recorded = {(e.object_id, json.loads(e.details)["page"]): e for e in repairs}
        assert len(recorded) == len(repairs) == len(pages)
        for page in pages:
            details = json.loads(recorded[page.document_id, page.number].details)
            assert details == {
                "page": page.number,
                "edits": len(page.edits),
                "review": page.review_count,
            }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_document_is_found_first_by_an_unaccented_query(sample_archive, name):
    home, report = sample_archive
    results = run_json(home, "search", EXPECTED[name][1])
    assert results["hits"], results
    assert results["hits"][0]["document_id"] == by_file(report)[name]["id"]
    assert "<mark>" in results["hits"][0]["snippet"]


def test_the_plan_is_found_by_ke_hoach_so_hoa(sample_archive):
    home, report = sample_archive
    results = run_json(home, "search", "ke hoach so hoa")
    plan = by_file(report)["ke-hoach-so-hoa-2024.pdf"]["id"]
    assert plan in [h["document_id"] for h in results["hits"]]
    ids = [h["document_id"] for h in results["hits"]]
    assert len(ids) == len(set(ids)) == results["total"]  # one hit per document


def test_clean_300_dpi_sample_reads_with_at_most_3_percent_word_errors(sample_archive):
    home, report = sample_archive
    document = run_json(home, "show", str(by_file(report)["bao-cao-hoat-dong-6-thang.tif"]["id"]))
    text = "\n".join(page["text"] for page in document["pages"])
    source = (SOURCES / "bao-cao-hoat-dong-6-thang.txt").read_text(encoding="utf-8")
    error = wer(source.replace("\f", "\n"), text)
    print(f"word error rate on the clean sample: {error:.2%}")
    assert error <= 0.03


def test_show_json_has_the_stable_shape(sample_archive):
    home, report = sample_archive
    document = run_json(home, "show", str(report["documents"][0]["id"]))
    assert {"id", "name", "sha256", "metadata", "pages"} <= set(document)
    metadata = document["metadata"]
    assert set(metadata) == {*records.FIELDS, "confidence", "corrected", "procedures"}
    assert all(isinstance(metadata[name], str) for name in records.FIELDS)
    for page in document["pages"]:
        assert {"number", "text", "raw_text", "confidence", "edits", "review_count"} <= set(page)
        assert page["text"].strip() and page["raw_text"].strip()
        assert isinstance(page["edits"], list)
        assert page["review_count"] == sum(1 for edit in page["edits"] if edit["review"])
    missing = run_sohoa(home, "show", "999999", check=False)
    assert missing.returncode == 1 and "no document with id 999999" in missing.stderr


LHH = "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC GIANG"
LABELS = {  # as printed on the samples (scripts/sample_texts/)
    "ke-hoach-so-hoa-2024.pdf": ("45/KH-LHH", "2024-07-15", "Kế hoạch", "Nguyễn Văn Thành"),
    "bao-cao-hoat-dong-6-thang.tif": ("52/BC-LHH", "2024-07-05", "Báo cáo", "Nguyễn Văn Thành"),
    "quyet-dinh-thanh-lap-doan-danh-gia.jpg": (
        "38/QĐ-LHH",
        "2024-05-10",
        "Quyết định",
        "Nguyễn Văn Thành",
    ),
    "thong-bao-hop-ban-thuong-vu.png": ("21/TB-LHH", "2024-08-02", "Thông báo", "Lê Thị Thu Hà"),
}


def test_each_sample_is_described_from_its_first_and_last_page(sample_archive):
    home, report = sample_archive
    for name, document in by_file(report).items():
        metadata = run_json(home, "show", str(document["id"]))["metadata"]
        number, date, doc_type, signer = LABELS[name]
        assert metadata["issuer"] == LHH
        assert (metadata["number"], metadata["date"]) == (number, date)
        assert (metadata["doc_type"], metadata["signer"]) == (doc_type, signer)
        assert metadata["place"] == "Bắc Giang"
        assert metadata["subject"] and metadata["authority"]
        assert set(metadata["confidence"]) == set(records.FIELDS)
        assert all(0.5 < value <= 1 for value in metadata["confidence"].values())
    engine = open_database(archive_settings(home=home))
    with Session(engine) as session:
        described = session.exec(select(Event).where(Event.action == "document.described"))
        assert len(described.all()) == len(LABELS)


def test_the_stored_text_reads_header_blocks_before_the_body(sample_archive):
    home, report = sample_archive
    document = by_file(report)["thong-bao-hop-ban-thuong-vu.png"]
    text = run_json(home, "show", str(document["id"]))["pages"][0]["text"]
    blocks = text.split("\n\n")
    assert blocks[0].startswith("LIÊN HIỆP CÁC HỘI KHOA HỌC") and "Số: 21/TB-LHH" in blocks[0]
    assert blocks[1].startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert blocks[-1].endswith("Lê Thị Thu Hà")


def test_search_filters_by_the_metadata_read_from_the_pages(sample_archive):
    home, _report = sample_archive
    found = run_json(home, "search", "type:bao_cao year:2024")
    assert [Path(hit["name"]).name for hit in found["hits"]] == ["bao-cao-hoat-dong-6-thang.tif"]
    everything = run_json(home, "search", "lien hiep")
    assert everything["facets"]["doc_type"] == {
        "Báo cáo": 1,
        "Kế hoạch": 1,
        "Quyết định": 1,
        "Thông báo": 1,
    }


def test_http_api_returns_the_same_objects_as_the_cli(sample_archive):
    home, report = sample_archive
    client = api_client(create_app(archive_settings(home=home)), "staff")
    assert client.get("/health").json() == {"status": "ok", "documents": len(EXPECTED)}
    listed = client.get("/api/documents").json()
    assert listed["total"] == len(EXPECTED)
    first = report["documents"][0]["id"]
    assert client.get(f"/api/documents/{first}").json() == run_json(home, "show", str(first))
    assert client.get("/api/search", params={"q": "ke hoach"}).json() == run_json(
        home, "search", "ke hoach"
    )
    assert client.get("/api/documents/424242").json()["error"]["code"] == "not_found"
    empty = client.get("/api/search", params={"q": "  "})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "bad_query"
    missing = client.get("/api/search")
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid_request"
    assert client.get("/openapi.json").json()["info"]["title"] == "sohoa"


def test_ingesting_the_samples_again_only_reports_duplicates(sample_archive):
    home, report = sample_archive
    engine = open_database(archive_settings(home=home))
    with Session(engine) as session:
        before = (
            session.exec(select(func.count()).select_from(Document)).one(),
            session.exec(select(func.count()).select_from(Page)).one(),
        )
    again = run_json(home, "ingest", str(SAMPLES))
    assert {d["status"] for d in again["documents"]} == {"duplicate"}
    assert {(d["name"], d["id"], d["pages"]) for d in again["documents"]} == {
        (d["name"], d["id"], d["pages"]) for d in report["documents"]
    }
    with Session(engine) as session:
        after = (
            session.exec(select(func.count()).select_from(Document)).one(),
            session.exec(select(func.count()).select_from(Page)).one(),
        )
        actions = session.exec(select(Event.action).where(Event.object_type != "batch")).all()
    assert after == before
    assert actions.count("document.stored") == len(EXPECTED)


def test_reindex_rebuilds_a_lost_index_from_the_database(sample_archive):
    home, report = sample_archive
    before = run_json(home, "search", "ke hoach so hoa")
    shutil.rmtree(home / "index")
    result = run_sohoa(home, "reindex")
    pages = sum(d["pages"] for d in report["documents"])
    assert f"Indexed {pages} page(s)." in result.stdout
    assert run_json(home, "search", "ke hoach so hoa") == before


def test_a_bad_file_is_recorded_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    page = Image.new("L", (1240, 600), 255)
    ImageDraw.Draw(page).text(
        (80, 200), "Biên bản họp Ban Thường vụ", fill=0, font=ImageFont.truetype(FONT, 64)
    )
    page.save(folder / "bien-ban.png", dpi=(150, 150))
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "notes.pdf").write_text("hello")
    (folder / "cut.pdf").write_bytes((SAMPLES / "ke-hoach-so-hoa-2024.pdf").read_bytes()[:4000])
    (folder / "same-again.png").write_bytes((folder / "bien-ban.png").read_bytes())
    home = tmp_path / "archive"

    result = run_sohoa(home, "ingest", str(folder), str(tmp_path / "missing.tif"), "--json")

    assert result.returncode == 0
    documents = by_file(json.loads(result.stdout))
    assert documents["bien-ban.png"]["status"] == "ingested"
    assert documents["same-again.png"]["status"] == "duplicate"
    assert documents["same-again.png"]["id"] == documents["bien-ban.png"]["id"]
    assert documents["zero.pdf"]["error"] == "empty file (0 bytes)"
    assert "not a PDF, TIFF, PNG or JPEG" in documents["notes.pdf"]["error"]
    assert "not a readable PDF" in documents["cut.pdf"]["error"]
    assert documents["missing.tif"]["error"] == "no such file or folder"
    for name in ("zero.pdf", "notes.pdf", "cut.pdf", "missing.tif"):
        assert documents[name]["status"] == "failed" and "\n" not in documents[name]["error"]
    found = run_json(home, "search", "bien ban hop")
    assert [h["document_id"] for h in found["hits"]] == [documents["bien-ban.png"]["id"]]


def test_missing_tesseract_says_what_to_install(tmp_path):
    bin_dir = str(Path(SOHOA).parent)
    result = run_sohoa(tmp_path / "a", "ingest", str(SAMPLES), check=False, env={"PATH": bin_dir})
    assert result.returncode == 2
    assert "apt-get install tesseract-ocr" in re.sub(r"\s+", " ", result.stderr)


def test_missing_vietnamese_model_says_what_to_install(tmp_path):
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    system = next(Path("/usr/share/tesseract-ocr").glob("*/tessdata/eng.traineddata"))
    (tessdata / "eng.traineddata").symlink_to(system)
    result = run_sohoa(
        tmp_path / "a", "ingest", str(SAMPLES), check=False, env={"TESSDATA_PREFIX": str(tessdata)}
    )
    assert result.returncode == 2
    assert "tesseract-ocr-vie" in result.stderr
