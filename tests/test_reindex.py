"""Rebuilding the index from the database: resumable, with progress, the old index serving until
the new one is complete; and the start-up check that rebuilds a missing or broken index."""

import pytest
from sqlmodel import Session, select

from conftest import api_client, run_json, run_sohoa
from databases import database_env
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Page
from sohoa.search import (
    IndexedPage,
    chosen_engine,
    document_pages,
    open_index,
    ready_index,
    reindex,
)
from sohoa.search.whoosh_engine import FORMAT_FILE

WORDS = ["kế hoạch", "báo cáo", "quyết định", "biên bản", "thông báo"]


def add_documents(engine, count: int, start: int = 0) -> None:
    """`count` ingested documents of two pages; document i's first page names WORDS[i % 5]."""
    with Session(engine) as session:
        for i in range(start, start + count):
            document = Document(
                sha256=f"{i:064d}",
                name=f"d{i}.pdf",
                size=1,
                mime="application/pdf",
                status="ingested",
                page_count=2,
            )
            session.add(document)
            session.flush()
            for number, text in ((1, f"{WORDS[i % 5]} số {i}"), (2, f"trang hai của số {i}")):
                session.add(
                    Page(
                        document_id=document.id,
                        number=number,
                        width=1,
                        height=1,
                        dpi=150,
                        raw_text=text,
                        text=text,
                    )
                )
        session.commit()


@pytest.fixture
def archive(new_archive, tmp_path, search_engine, monkeypatch):
    """An archive of 30 documents, its index in the engine under test (the CLI's too)."""
    monkeypatch.setenv("SOHOA_SEARCH_ENGINE", search_engine)
    settings = new_archive(tmp_path / "archive", search_engine=search_engine)
    engine = open_database(settings)
    add_documents(engine, 30)
    return settings, engine


def test_reindex_builds_every_page_with_progress(archive):
    settings, engine = archive
    seen = []
    report = reindex(open_index(settings), engine, lambda done, total: seen.append((done, total)))
    assert report.pages == 60 and report.resumed_after == 0
    assert seen[0] == (0, 60) and seen[-1] == (60, 60)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    index = open_index(settings)
    assert index.page_count() == 60
    assert index.search("bien ban").total == 6


class Interrupted(Exception):
    pass


def test_an_interrupted_reindex_resumes_after_its_checkpoint_and_old_index_serves(archive):
    settings, engine = archive
    index = open_index(settings)
    index.rebuild([IndexedPage(99, "old.pdf", 1, "chỉ mục cũ")])

    def stop_in_the_second_segment(done, total):
        if done >= 30:
            raise Interrupted

    with pytest.raises(Interrupted):
        reindex(index, engine, stop_in_the_second_segment, pages_per_batch=10, segment_pages=20)
    assert index.search("chi muc cu").total == 1  # the old index still answers
    assert index.search("bien ban").total == 0

    report = reindex(index, engine, pages_per_batch=10, segment_pages=20)
    assert report.resumed_after == 10 and report.pages == 60  # documents 1-10 were committed
    assert index.page_count() == 60  # nothing twice
    assert index.search("chi muc cu").total == 0 and index.search("bien ban").total == 6


def test_a_crash_after_a_commit_before_its_checkpoint_writes_nothing_twice(archive):
    settings, engine = archive
    index = open_index(settings)
    builder = index.start_rebuild(resume=False, segment_pages=20)
    with Session(engine) as session:
        from sohoa.search.source import document_batches

        builder.add(next(document_batches(session, pages_per_batch=40)))  # 20 pages: committed
    assert builder.after_document == 10
    builder.close()  # the process dies: its writer goes with it
    (index.building / builder.CHECKPOINT).write_text('{"after_document": 0, "pages": 0}')
    assert reindex(index, engine).pages == 60 and index.page_count() == 60


def test_changes_during_a_rebuild_reach_the_new_index(archive):
    settings, engine = archive
    index = open_index(settings)
    reindex(index, engine)

    def meanwhile(done, total):
        if done == 20:  # documents 1-10 are in the new index, 11-30 not yet
            with Session(engine) as session:
                for document_id, text in ((2, "đã sửa lại"), (25, "bản mới")):
                    page = session.exec(
                        select(Page).where(Page.document_id == document_id, Page.number == 1)
                    ).one()
                    page.text = text
                    session.add(page)
                session.commit()
                index.index_pages(document_pages(session, 2))
                index.index_pages(document_pages(session, 25))
            index.delete(3)
            assert index.search("da sua lai").total == 1  # the live index has it at once

    reindex(index, engine, meanwhile, pages_per_batch=10, segment_pages=20)
    assert [h.document_id for h in index.search("da sua lai").hits] == [2]
    assert [h.document_id for h in index.search("ban moi").hits] == [25]
    assert index.page_count() == 60  # document 3 is still in the database: written again


@pytest.mark.parametrize("damage", ["missing", "garbage", "old format"])
def test_a_missing_or_broken_index_is_rebuilt_at_start_up(archive, damage):
    settings, engine = archive
    reindex(open_index(settings), engine)
    directory = settings.index_dir / settings.search_engine
    if damage == "missing":
        for path in directory.iterdir():
            path.unlink()
    elif damage == "garbage":
        segments = {"whoosh": "*.seg", "tantivy": "*.term"}[settings.search_engine]
        for path in directory.glob(segments):
            path.write_bytes(b"\0not an index" * 10)
    else:
        (directory / FORMAT_FILE).unlink()
    index = open_index(settings)
    assert index.problem() is not None
    reasons = []
    ready_index(index, engine, reasons.append)
    assert len(reasons) == 1 and "index" in reasons[0]
    assert index.problem() is None and index.page_count() == 60
    assert index.search("quyet dinh").total == 6


def test_the_cli_rebuilds_a_lost_index_before_searching(archive):
    settings, engine = archive
    reindex(open_index(settings), engine)
    engine.dispose()
    for path in (settings.index_dir / settings.search_engine).iterdir():
        path.unlink()
    result = run_sohoa(settings.home, "search", "bao cao", "--json")
    assert "the search index is missing; rebuilding it from the database" in result.stderr
    assert run_json(settings.home, "search", "bao cao")["total"] == 6


def test_cli_reindex_reports_pages_and_resumes(archive):
    settings, engine = archive
    engine.dispose()
    result = run_sohoa(settings.home, "reindex")
    assert "Indexed 60 page(s)." in result.stdout
    found = run_json(settings.home, "search", "thong bao", "--limit", "2", "--page", "2")
    assert found["total"] == 6 and found["offset"] == 2 and len(found["hits"]) == 2


def test_http_search_pages_sorts_finds_similar_and_explains_bad_queries(archive):

    from sohoa.api.web import create_app

    settings, engine = archive
    engine.dispose()
    client = api_client(create_app(settings), "staff")  # no index yet: built at start
    page = client.get("/api/search", params={"q": "so", "limit": 5, "offset": 5}).json()
    assert page["total"] == 30 and page["offset"] == 5 and len(page["hits"]) == 5
    assert page["hits"][0]["snippets"][0]["page"] in (1, 2)
    assert "<mark>số</mark>" in page["hits"][0]["snippets"][0]["text"]
    assert page["facets"]["procedure"] == {}
    similar = client.get("/api/documents/3/similar").json()
    assert similar["total"] >= 1 and all(h["document_id"] != 3 for h in similar["hits"])
    for bad, message in [
        ({"q": '"so hoa'}, "a quote is not closed"),
        ({"q": "-so"}, "the query only says what to leave out"),
        ({"q": "so", "sort": "size"}, "sort must be one of"),
        ({"q": "so year:24"}, "year: expects a year"),
    ]:
        response = client.get("/api/search", params=bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["message"].startswith(message)


def test_reindex_engine_moves_the_archive_to_tantivy_and_back(settings, monkeypatch):
    """`sohoa reindex --engine tantivy` builds the new index while the old one serves, then the
    archive (and a web app already running) searches with it; the old index is removed."""

    from sohoa.api.web import create_app

    monkeypatch.delenv("SOHOA_SEARCH_ENGINE", raising=False)
    engine = open_database(settings)
    add_documents(engine, 30)
    app = create_app(settings)
    client = api_client(app, "staff")
    before = client.get("/api/search", params={"q": "bien ban"}).json()
    assert chosen_engine(settings) == "whoosh" and before["total"] == 6

    result = run_sohoa(settings.home, "reindex", "--engine", "tantivy")
    assert "Indexed 60 page(s)." in result.stdout and "Searches now use tantivy." in result.stdout
    assert chosen_engine(settings) == "tantivy"
    assert not (settings.index_dir / "whoosh").exists()
    after = client.get("/api/search", params={"q": "bien ban"}).json()
    assert type(app.state.index).__name__ == "TantivyIndex"
    assert [h["document_id"] for h in after["hits"]] == [h["document_id"] for h in before["hits"]]
    assert run_json(settings.home, "search", "bien ban")["total"] == 6

    result = run_sohoa(settings.home, "reindex", "--engine", "whoosh")
    assert "Searches now use whoosh." in result.stdout and chosen_engine(settings) == "whoosh"
    assert run_sohoa(settings.home, "reindex", "--engine", "lucene", check=False).returncode == 1


def test_doctor_advises_tantivy_past_the_size_whoosh_stays_fast(archive, monkeypatch):
    from typer.testing import CliRunner

    from sohoa.api import cli

    settings, engine = archive
    reindex(open_index(settings), engine)
    monkeypatch.setenv("SOHOA_HOME", str(settings.home))
    monkeypatch.setattr(cli, "WHOOSH_PAGES", 50)
    environment = {"COLUMNS": "200", **database_env(settings.home)}
    report = CliRunner().invoke(cli.app, ["doctor"], env=environment)
    # This archive's documents were made without their originals or their PDF/A copies.
    assert report.exit_code == 1
    assert "its original is missing" in report.stdout
    assert "60 findings in all (originals: 30, preservation: 30); the first 50" in report.stdout
    monkeypatch.setattr(cli, "DOCTOR_ROWS", 5)
    few = CliRunner().invoke(cli.app, ["doctor"], env=environment)
    assert "60 findings in all (originals: 30, preservation: 30); the first 5 are" in few.stdout
    assert f"search: {settings.search_engine}, 60 page(s) indexed" in report.stdout
    advised = "sohoa reindex --engine tantivy" in report.stdout
    assert advised == (settings.search_engine == "whoosh")
