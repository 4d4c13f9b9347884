"""The web pages' templates (Jinja2, in `api/templates/`) and what every page is given.

Pages are rendered on the server; each gets the signed-in user, the permissions of their role
(to show only what they may do) and the session's form token for its forms. Times are shown in
Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from sohoa.api import permissions
from sohoa.archive.models import VIETNAM

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

ROLE_NAMES = {
    "admin": "Quản trị",
    "archivist": "Lưu trữ viên",
    "auditor": "Đánh giá viên",
    "staff": "Cán bộ",
}


def local_time(moment: datetime | str | None, with_seconds: bool = False) -> str:
    """`05/12/2026 13:45` in Vietnam's time, as people there read a date."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    shown = moment.astimezone(VIETNAM)
    return shown.strftime("%d/%m/%Y %H:%M:%S" if with_seconds else "%d/%m/%Y %H:%M")


templates.env.filters["local_time"] = local_time
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with what every page needs: the user, what their role may do, the form
    token."""
    user = getattr(request.state, "user", None)
    may = set(permissions.granted(user.role)) if user else set()
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "may": may,
            "csrf": getattr(request.state, "csrf", None) or "",
            "status_code": status,
            **context,
        },
        status_code=status,
    )
