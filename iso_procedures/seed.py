"""The six procedures an ISO 9001:2015 quality system usually starts with (../DESIGN.md), as a
new archive's registry is seeded.

Owners, required record types, keywords and retention are defaults for the organisation to
confirm: `sohoa procedures revise CODE --owner ... --retention ...` makes a new version.
Retention is 10 years for every procedure's records until the organisation fixes its own from the
retention tables of Circular 10/2022/TT-BNV (the periods for its kinds of records); `None` would
mean "kept permanently". Record types are Decree 30 document types (`archive.records`), so that
the auditor's report can say which required kind of record is missing; keywords, matched without
diacritics, link a document of a required type to the procedure by rule.
"""

from __future__ import annotations

from sohoa.iso_procedures.registry import ProcedureSpec

DEFAULT_RETENTION_YEARS = 10

SEED: tuple[ProcedureSpec, ...] = (
    ProcedureSpec(
        code="QT-HT-01",
        title="Kiểm soát thông tin dạng văn bản",
        clauses=["7.5"],
        owner="Văn phòng",
        record_types=["Quyết định", "Tờ trình", "Thông báo"],
        keywords=[
            "kiểm soát tài liệu",
            "thông tin dạng văn bản",
            "ban hành tài liệu",
            "sửa đổi tài liệu",
            "danh mục tài liệu",
            "kiểm soát hồ sơ",
        ],
        retention_years=DEFAULT_RETENTION_YEARS,
    ),
    ProcedureSpec(
        code="QT-HT-02",
        title="Đánh giá nội bộ",
        clauses=["9.2"],
        owner="Ban ISO",
        record_types=["Quyết định", "Kế hoạch", "Biên bản", "Báo cáo"],
        keywords=["đánh giá nội bộ", "chuyên gia đánh giá", "chương trình đánh giá"],
        retention_years=DEFAULT_RETENTION_YEARS,
    ),
    ProcedureSpec(
        code="QT-HT-03",
        title="Xem xét của lãnh đạo",
        clauses=["9.3"],
        owner="Chủ tịch",
        record_types=["Báo cáo", "Biên bản", "Thông báo"],
        keywords=["xem xét của lãnh đạo", "xem xét lãnh đạo", "họp xem xét"],
        retention_years=DEFAULT_RETENTION_YEARS,
    ),
    ProcedureSpec(
        code="QT-HT-04",
        title="Sự không phù hợp và hành động khắc phục",
        clauses=["8.7", "10.2"],
        owner="Ban ISO",
        record_types=["Biên bản", "Báo cáo"],
        keywords=["không phù hợp", "hành động khắc phục", "biện pháp khắc phục"],
        retention_years=DEFAULT_RETENTION_YEARS,
    ),
    ProcedureSpec(
        code="QT-HT-05",
        title="Rủi ro và cơ hội",
        clauses=["6.1"],
        owner="Ban ISO",
        record_types=["Kế hoạch", "Báo cáo"],
        keywords=["rủi ro và cơ hội", "quản lý rủi ro", "xử lý rủi ro", "đánh giá rủi ro"],
        retention_years=DEFAULT_RETENTION_YEARS,
    ),
    ProcedureSpec(
        code="QT-HT-06",
        title="Khiếu nại và sự thỏa mãn của khách hàng",
        clauses=["9.1.2"],
        owner="Văn phòng",
        record_types=["Báo cáo", "Biên bản", "Công văn"],
        keywords=["khiếu nại", "sự hài lòng", "thỏa mãn của khách hàng", "phản ánh, kiến nghị"],
        retention_years=DEFAULT_RETENTION_YEARS,
    ),
)
