"""The batches page: the archivist's upload form, uploads in progress, every batch and what
became of each of its files."""

from __future__ import annotations

from sqlmodel import Session

from conftest import api_client
from sohoa.api.web import create_app
from sohoa.archive.models import Batch, Document, IngestJob


def _archive_with_a_batch(settings):
    app = create_app(settings)
    with Session(app.state.engine) as session:
        batch = Batch(actor="lan", paths=["/quét/2024"])
        session.add(batch)
        session.flush()
        document = Document(
            sha256="a" * 64, name="hồ sơ/kế hoạch.pdf", size=1, mime="application/pdf"
        )
        session.add(document)
        session.flush()
        session.add(
            IngestJob(
                batch_id=batch.id,
                path="hồ sơ/kế hoạch.pdf",
                state="ingested",
                document_id=document.id,
            )
        )
        session.add(
            IngestJob(
                batch_id=batch.id,
                path="hồ sơ/<hỏng>.pdf",
                state="failed",
                error="a damaged PDF: not read",
            )
        )
        session.commit()
    return app


def test_the_archivist_sees_the_upload_form_and_every_batch(settings):
    app = _archive_with_a_batch(settings)
    archivist = api_client(app, "archivist", "lan")
    page = archivist.get("/batches")
    assert page.status_code == 200
    assert 'id="upload"' in page.text and 'action="/api/uploads"' in page.text
    assert "/static/upload.js" in page.text
    assert (
        'href="/batches/1"' in page.text and "Đã số hóa: 1" in page.text and "Lỗi: 1" in page.text
    )
    assert "QT-HT-01" in page.text  # the procedures an upload may be linked to


def test_a_batch_page_lists_each_file_with_its_outcome(settings):
    app = _archive_with_a_batch(settings)
    auditor = api_client(app, "auditor")
    page = auditor.get("/batches/1")
    assert page.status_code == 200
    assert "hồ sơ/kế hoạch.pdf" in page.text and 'href="/documents/1"' in page.text
    assert "hồ sơ/&lt;hỏng&gt;.pdf" in page.text and "a damaged PDF: not read" in page.text
    assert "<hỏng>" not in page.text
    listing = auditor.get("/batches")
    assert 'id="upload"' not in listing.text  # the auditor reads batches, uploads nothing
    missing = auditor.get("/batches/7", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "Không có lô số 7" in missing.text
