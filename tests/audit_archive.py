"""A small archive for the auditor's API and pages, made in a moment (no OCR): three records of
internal audits linked to QT-HT-02 (the 2023 report restricted), one record linked to nothing,
and the web app over it, sealed."""

from __future__ import annotations

from fastapi import FastAPI
from sqlmodel import Session

from conftest import store_original
from sohoa.api.web import create_app
from sohoa.archive import access, checkpoints, records
from sohoa.archive.models import Document
from sohoa.archive.settings import Settings
from sohoa.iso_procedures import links

RECORDS = [  # (doc_type, date, subject), ids 1, 2, 3 linked to QT-HT-02; id 4 to nothing
    ("Kế hoạch", "2024-03", "Kế hoạch đánh giá nội bộ năm 2024"),
    ("Báo cáo", "2024-11-20", "Báo cáo kết quả đánh giá nội bộ năm 2024"),
    ("Báo cáo", "2023-11-02", "Báo cáo kết quả đánh giá nội bộ năm 2023"),
    ("Công văn", "2024-05-06", "Công văn về lịch làm việc"),
]
SECRET = 3  # the restricted record
SECRET_SUBJECT = RECORDS[SECRET - 1][2]


def audit_app(settings: Settings) -> FastAPI:
    """The web app over a new archive (`settings`) holding the records."""
    app = create_app(settings)  # seeds the procedures
    with Session(app.state.engine) as session:
        for number, (doc_type, dated, subject) in enumerate(RECORDS, start=1):
            metadata = {
                **records.empty_metadata(),
                "doc_type": doc_type,
                "date": dated,
                "subject": subject,
                "number": f"{number}/KH-LHH",
                "issuer": "LIÊN HIỆP CÁC HỘI KHOA HỌC",
            }
            source = settings.home.parent / f"hs-{number}.pdf"
            content = f"%PDF-1.4 {subject}".encode()
            sha = store_original(settings, source, content)
            session.add(
                Document(
                    sha256=sha,
                    name=source.name,
                    size=len(content),
                    mime="application/pdf",
                    status="ingested",
                    record_metadata=metadata,
                )
            )
            session.flush()
            if number <= 3:
                links.link(session, number, "QT-HT-02", actor="lan", source="manual", reason="ĐGNB")
        access.set_access(
            session, session.get(Document, SECRET), "restricted", "lan", "đánh giá nhân sự"
        )
        session.commit()
    checkpoints.seal_archive(settings, app.state.engine)
    return app
