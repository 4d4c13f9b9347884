"""The web pages of the quality system and its trail: the procedures in force, one procedure with
the records that prove it and the record types still missing, and (for the auditor) the trail
with its signed checkpoint, a verification to run, and its events.

The pages read what the JSON routes read (`audit_routes`) and show it in Vietnamese; the audit
report and the export are the same downloads. Restricted records are listed only to roles that
may read them.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlmodel import Session
from starlette.background import BackgroundTask

from sohoa.api import auth, objects, templating
from sohoa.api.audit_routes import make_export, start_of
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.deps import Db
from sohoa.archive import checkpoints, keys, records, trail, users
from sohoa.archive.verify import Problem, Verification, verify
from sohoa.iso_procedures import links, registry, report
from sohoa.iso_procedures.registry import UnknownProcedure

router = APIRouter(route_class=AuthorisedRoute, include_in_schema=False)

PAGE_SIZE = 50

# The trail's actions as a person reads them; an action not named here shows as it is stored.
ACTIONS = {
    "document.stored": "Lưu bản gốc",
    "document.ingested": "Số hóa tài liệu",
    "document.described": "Trích xuất thông tin",
    "document.reread": "Đọc lại tài liệu",
    "document.preserved": "Tạo bản PDF/A lưu trữ",
    "document.viewed": "Xem tài liệu hạn chế",
    "document.disposed": "Hủy tài liệu hết hạn lưu trữ",
    "page.recognized": "Nhận dạng trang (OCR)",
    "page.repaired": "Sửa dấu tiếng Việt",
    "repair.reviewed": "Rà soát bản sửa",
    "metadata.corrected": "Sửa thông tin tài liệu",
    "access.changed": "Đổi mức truy cập",
    "ingest.failed": "Số hóa không thành công",
    "batch.started": "Bắt đầu lô số hóa",
    "batch.resumed": "Tiếp tục lô số hóa",
    "batch.finished": "Kết thúc lô số hóa",
    "procedure.added": "Ban hành quy trình",
    "procedure.revised": "Sửa đổi quy trình",
    "procedure.retired": "Bãi bỏ quy trình",
    "procedure.linked": "Gắn hồ sơ vào quy trình",
    "procedure.unlinked": "Gỡ hồ sơ khỏi quy trình",
    "audit.reported": "Lập báo cáo đánh giá",
    "export.bagged": "Xuất gói hồ sơ (BagIt)",
    "user.added": "Thêm người dùng",
    "user.role_changed": "Đổi vai trò",
    "user.password_changed": "Đổi mật khẩu",
    "user.activated": "Mở lại tài khoản",
    "user.deactivated": "Khóa tài khoản",
    "user.signed_in": "Đăng nhập",
    "token.issued": "Cấp mã API",
    "token.revoked": "Thu hồi mã API",
}
# Whole groups of actions, for the filter (the trail matches an action by its prefix).
ACTION_GROUPS = {
    "document.": "Tài liệu (mọi thao tác)",
    "procedure.": "Quy trình (mọi thao tác)",
    "batch.": "Lô số hóa (mọi thao tác)",
    "user.": "Tài khoản (mọi thao tác)",
}
OBJECTS = {
    "document": "tài liệu",
    "procedure": "quy trình",
    "batch": "lô",
    "user": "người dùng",
    "token": "mã API",
    "page": "trang",
}
LINK_SOURCES = {"rule": "theo quy tắc", "batch": "theo lô", "manual": "gắn tay"}
STATUSES = {"current": "đang hiệu lực", "obsolete": "hết hiệu lực", "retired": "đã bãi bỏ"}

templating.templates.env.globals.update(
    ACTIONS=ACTIONS, OBJECTS=OBJECTS, LINK_SOURCES=LINK_SOURCES, STATUSES=STATUSES
)


@router.get("/procedures", response_class=HTMLResponse)
def procedures_page(request: Request, db: Db, user: CurrentUser) -> HTMLResponse:
    shown = auth.may(user, "read-restricted")
    return templating.page(
        request,
        "procedures.html",
        procedures=registry.current(db),
        counts=_record_counts(db, shown),
    )


def _record_counts(session: Session, restricted: bool) -> dict[str, int]:
    """How many records prove each procedure, restricted ones counted only for who may read
    them (as `objects.procedure_list` counts)."""
    listed = objects.procedure_list(session, False, restricted)
    return {p["code"]: p["linked_documents"] for p in listed}


CHANGES = {
    "added": "Đã ban hành quy trình.",
    "revised": "Đã ban hành lần mới; lần trước hết hiệu lực và vẫn được lưu.",
    "retired": "Đã bãi bỏ quy trình; hồ sơ đã gắn vẫn được giữ.",
}


@router.get("/procedures/{code}", response_class=HTMLResponse)
def procedure_page(
    code: str, request: Request, db: Db, user: CurrentUser, done: str = ""
) -> HTMLResponse:
    return procedure_view(request, db, user, code, message=CHANGES.get(done))


def procedure_view(
    request: Request,
    db: Session,
    user,
    code: str,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """One procedure's page (also as the admin's change forms answer: with what was done, or
    why it was refused)."""
    try:
        versions = registry.versions(db, code)
    except UnknownProcedure:
        return templating.page(request, "procedure.html", status=404, missing=code.strip().upper())
    procedure = versions[0]
    linked = links.documents_of(db, procedure.code)
    hidden = 0
    if not auth.may(user, "read-restricted"):
        hidden = sum(1 for document, _ in linked if document.access == "restricted")
        linked = [(d, link) for d, link in linked if d.access != "restricted"]
    return templating.page(
        request,
        "procedure.html",
        procedure=procedure,
        versions=versions,
        records=[(d, records.metadata_of(d), link) for d, link in linked],
        hidden=hidden,
        gaps=report.gaps(db, procedure.code),
        today=date.today().isoformat(),
        year_start=date(date.today().year, 1, 1).isoformat(),
        message=message,
        error=error,
        status=status,
    )


@router.post("/procedures/{code}/export")
def export_procedure(code: str, request: Request, user: CurrentUser, actor: Actor) -> FileResponse:
    """The export form's download: the same zipped bag as `POST /api/exports`."""
    zipped, name = make_export(request, user, actor, code, None)
    return FileResponse(
        zipped,
        media_type="application/zip",
        filename=name,
        background=BackgroundTask(shutil.rmtree, zipped.parent, ignore_errors=True),
    )


@dataclass
class Filters:
    action: str = ""
    actor: str = ""
    document: str = ""
    since: str = ""
    offset: int = 0

    def query(self, offset: int) -> str:
        """The page's address with these filters and another offset."""
        chosen = {k: v for k, v in vars(self).items() if v and k != "offset"}
        return "/trail?" + urlencode({**chosen, "offset": offset})

    def chosen(self) -> tuple[dict[str, Any], list[str]]:
        """The filters as `trail.find` takes them, and what was typed wrong (in Vietnamese):
        a wrong filter is left out and said, not refused."""
        wrong = []
        document_id = None
        if self.document.strip():
            number = self.document.strip().lstrip("#")
            if number.isdigit():
                document_id = int(number)
            else:
                wrong.append("Mã tài liệu là một số, ví dụ 12.")
        since = None
        if self.since:
            try:
                since = start_of(date.fromisoformat(self.since))
            except ValueError:
                wrong.append("Ngày bắt đầu phải có dạng năm-tháng-ngày.")
        chosen = {
            "document_id": document_id,
            "action": self.action.strip() or None,
            "actor": self.actor.strip() or None,
            "since": since,
        }
        return chosen, wrong


@router.get("/trail", response_class=HTMLResponse)
def trail_page(
    request: Request,
    db: Db,
    action: str = "",
    actor: str = "",
    document: str = "",
    since: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    return _trail(request, db, Filters(action, actor, document, since, offset))


@router.post("/trail/verify", response_class=HTMLResponse)
def verify_page(request: Request, db: Db) -> HTMLResponse:
    """The "Kiểm tra toàn vẹn" button: verifies the whole archive (plain `def`: in the
    threadpool, as re-hashing every original takes a while) and shows the trail with the
    outcome."""
    settings = request.app.state.settings
    result = verify(db, _public_key(settings), settings.originals_dir)
    return _trail(request, db, Filters(), result)


def _trail(
    request: Request, db: Session, filters: Filters, verification: Verification | None = None
) -> HTMLResponse:
    chosen, wrong = filters.chosen()
    total = trail.count(db, **chosen)
    rows = list(reversed(trail.find(db, limit=PAGE_SIZE, offset=filters.offset, **chosen)))
    settings = request.app.state.settings
    return templating.page(
        request,
        "trail.html",
        checkpoint=checkpoints.latest(db),
        key=_public_key(settings),
        verification=verification,
        problems_vi=[vietnamese(p) for p in verification.problems] if verification else [],
        warnings_vi=[vietnamese_warning(w) for w in verification.warnings] if verification else [],
        filters=filters,
        filter_problems=wrong,
        events=[(row, json.loads(row.details)) for row in rows],
        total=total,
        page_size=PAGE_SIZE,
        actions=ACTIONS,
        groups=ACTION_GROUPS,
        known_actors=_actors(db),
        detail_text=detail_text,
    )


def _public_key(settings) -> keys.PublicKey | None:
    try:
        return keys.load_public(settings.keys_dir)
    except keys.KeyProblem:
        return None


def _actors(session: Session) -> list[str]:
    """The users' names, suggested by the actor filter (reading every event's actor would scan
    the whole trail)."""
    return [user.name for user in users.all_users(session)]


def detail_text(details: dict[str, Any], limit: int = 160) -> str:
    """An event's details on one line: `key: value`, long values shortened."""
    parts = []
    for name, value in details.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{name}: {shown}")
    text = " · ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The verification's findings in Vietnamese: what is wrong, where; the English line stays as
# the technical detail (the same words as `sohoa trail verify`).
WHERE = [
    (re.compile(r"^events (\d+)-(\d+)$"), r"các sự kiện \1–\2"),
    (re.compile(r"^event (\d+)$"), r"sự kiện \1"),
    (re.compile(r"^checkpoint #(\d+)$"), r"điểm kiểm tra #\1"),
    (re.compile(r"^document #(\d+)(.*)$"), r"tài liệu #\1\2"),
    (re.compile(r"^keys$"), "khóa ký"),
    (re.compile(r"^the kept checkpoint$"), "điểm kiểm tra lưu bên ngoài"),
]
MEANING = [
    ("event", "was changed", "Nội dung sự kiện đã bị sửa: không còn khớp mã băm lúc ghi."),
    ("event", "numbered", "Sự kiện đã bị xóa hoặc đảo thứ tự từ vị trí này."),
    (
        "event",
        "no longer give the root",
        "Một sự kiện trong khoảng này đã bị sửa, xóa hoặc đảo "
        "thứ tự: không còn cho ra gốc Merkle đã ký.",
    ),
    ("checkpoint", "no public key", "Lưu trữ có điểm kiểm tra nhưng thiếu khóa công khai."),
    (
        "checkpoint",
        "changed after it was signed",
        "Kích thước hoặc gốc của điểm kiểm tra bị sửa sau khi ký.",
    ),
    (
        "checkpoint",
        "rolled back",
        "Điểm kiểm tra bị quay lùi: niêm phong ít sự kiện hơn điểm trước.",
    ),
    (
        "checkpoint",
        "events were removed",
        "Nhật ký ít sự kiện hơn số điểm kiểm tra đã niêm phong: sự kiện đã bị xóa.",
    ),
    ("checkpoint", "", "Chữ ký của điểm kiểm tra không hợp lệ (giả mạo hoặc hỏng)."),
    ("original", "is gone", "Bản gốc đã mất khỏi kho lưu trữ."),
    ("original", "was changed", "Bản gốc đã bị thay đổi: mã SHA-256 không còn khớp."),
    (
        "original",
        "marked disposed",
        "Tài liệu được đánh dấu đã hủy nhưng không có biên bản hủy hoặc sự kiện hủy.",
    ),
    ("against", "rolled back", "Nhật ký bị quay lùi so với điểm kiểm tra lưu bên ngoài."),
    (
        "against",
        "not an extension",
        "Nhật ký không nối tiếp điểm kiểm tra lưu bên ngoài: sự "
        "kiện cũ đã bị sửa, xóa hoặc đảo thứ tự.",
    ),
    ("against", "", "Không kiểm tra được điểm kiểm tra lưu bên ngoài."),
]


@dataclass
class Finding:
    where: str
    meaning: str
    detail: str


def vietnamese(problem: Problem) -> Finding:
    where = problem.where
    for pattern, replacement in WHERE:
        if pattern.match(where):
            where = pattern.sub(replacement, where)
            break
    said = problem.message
    meaning = next(
        (text for kind, words, text in MEANING if kind == problem.kind and words in said),
        "Không khớp.",
    )
    return Finding(where, meaning, problem.message)


def vietnamese_warning(warning: str) -> str:
    unsealed = re.match(r"(\d+) event\(s\) after the last checkpoint", warning)
    if unsealed:
        return f"{unsealed.group(1)} sự kiện sau điểm kiểm tra cuối chưa được ký niêm phong."
    none = re.match(r"none of the (\d+) events is sealed", warning)
    if none:
        return f"Chưa sự kiện nào trong {none.group(1)} sự kiện được ký niêm phong."
    return warning
