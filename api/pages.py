"""The reading pages: `/search` and `/documents/{id}` (Jinja2, server-rendered, Vietnamese).

Thin like the JSON routes: the data comes from the same `objects` functions, and this module
only shapes it for the templates (links that add a filter to the query, page numbers, boxes in
percentages of the page). A restricted record is refused with the 403 page to a role without
`read-restricted`, and reading one is a `document.viewed` event, sealed like the API's.

An archivist corrects metadata with a plain form (`POST /documents/{id}/metadata`, the session's
form token in `csrf_token`): no script needed, and the change is the same `objects.edit_metadata`
as `PATCH /api/documents/{id}/metadata`.
"""

from __future__ import annotations

from math import ceil
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from sohoa.api import auth, objects, templating
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.deps import LARGEST, Db, Index
from sohoa.api.errors import NotFound
from sohoa.api.marked_text import page_html
from sohoa.archive import records
from sohoa.archive.models import Document, User
from sohoa.search import SORTS, QueryError, SearchIndex
from sohoa.search.highlight import matched_words
from sohoa.search.query import parse
from sohoa.search.results import highlight_terms

router = APIRouter(route_class=AuthorisedRoute, include_in_schema=False)

PER_PAGE = 10
SIMILAR = 5
IMAGE_WIDTH = 1200

SORT_NAMES = {"relevance": "Liên quan nhất", "newest": "Mới nhất", "oldest": "Cũ nhất"}
FIELD_NAMES = {
    "doc_type": "Loại văn bản",
    "number": "Số, ký hiệu",
    "date": "Ngày ban hành",
    "place": "Địa danh",
    "issuer": "Cơ quan ban hành",
    "subject": "Trích yếu",
    "signer": "Người ký",
    "authority": "Thẩm quyền ký",
}
# each facet of the search results, the filter that keeps its value, and its heading
FACETS = {
    "doc_type": ("type", "Loại văn bản"),
    "year": ("year", "Năm"),
    "issuer": ("issuer", "Cơ quan ban hành"),
    "procedure": ("procedure", "Quy trình ISO"),
}
FLAG_NAMES = {
    "low-dpi": "Độ phân giải thấp",
    "low-confidence": "OCR kém tin cậy",
    "blank": "Trang trắng",
    "unread": "Chưa đọc được",
}
ACCESS_NAMES = {"open": "Mở", "restricted": "Hạn chế"}


@router.get("/search")
def search_page(
    request: Request,
    index: Index,
    user: CurrentUser,
    q: str = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    sort: str = "relevance",
) -> Response:
    """The search box, and for a query its results with facets, "did you mean" and pages."""
    q = q.strip()
    shown: dict[str, Any] = {"q": q, "sort": sort, "sorts": SORT_NAMES, "results": None}
    if not q:
        return templating.page(request, "search.html", **shown)
    try:
        found = index.search(
            q,
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
            sort=sort,
            restricted=auth.may(user, "read-restricted"),
        )
    except QueryError as error:
        return templating.page(request, "search.html", status=400, error=str(error), **shown)
    results = objects.search_results(found)
    shown["results"] = results
    return templating.page(
        request,
        "search.html",
        **shown,
        facets=facet_links(q, sort, results["facets"]),
        pages=page_numbers(page, ceil(results["total"] / PER_PAGE)),
        page=page,
    )


@router.get("/documents/{document_id}")
def document_page(
    document_id: int,
    request: Request,
    db: Db,
    index: Index,
    user: CurrentUser,
    actor: Actor,
    q: str = "",
) -> Response:
    """The record: its metadata, then each page's image beside its repaired text."""
    return _document(request, db, index, user, actor, document_id, q.strip())


@router.post("/documents/{document_id}/metadata")
async def metadata_form(
    document_id: int, request: Request, db: Db, index: Index, user: CurrentUser, actor: Actor
) -> Response:
    """The archivist's metadata form: the fields whose value changed are corrected (each a
    `metadata.corrected` event), then back to the record; a refused value shows the record
    again with the reason (422)."""
    document = _readable(db, document_id, user)
    form = await request.form()
    before = records.metadata_of(document)
    changes = {
        field: value
        for field in records.FIELDS
        if (value := _form_value(form.get(field))) is not None and value != before[field]
    }
    if changes:
        try:
            objects.edit_metadata(db, index, document_id, changes, actor)
        except ValueError as error:
            return _document(request, db, index, user, actor, document_id, "", str(error))
    return RedirectResponse(f"/documents/{document_id}#thong-tin", status_code=303)


def _form_value(value: Any) -> str | None:
    """A form field as typed, lines as `\\n` (a browser sends `\\r\\n`); None if not sent."""
    if not isinstance(value, str):
        return None
    return "\n".join(line.strip() for line in value.replace("\r\n", "\n").strip().split("\n"))


def _document(
    request: Request,
    db: Session,
    index: SearchIndex,
    user: User,
    actor: str,
    document_id: int,
    q: str,
    form_error: str | None = None,
) -> Response:
    _readable(db, document_id, user)
    detail = objects.document_detail(db, document_id, actor, "web")
    request.state.appended = detail["access"] == "restricted"  # a reading recorded: sealed
    terms = _terms(q)
    words = objects.document_words(db, document_id) if terms else {}  # only to box matches
    return templating.page(
        request,
        "document.html",
        status=422 if form_error else 200,
        document=detail,
        q=q,
        pages=[
            _shown_page(document_id, p, words.get(p["number"], []), q, terms)
            for p in detail["pages"]
        ],
        history=objects.document_history(db, document_id),
        form_error=form_error,
    )


@router.get("/documents/{document_id}/similar")
def similar_page(
    request: Request,
    document_id: Annotated[int, Path(ge=1, le=LARGEST)],
    db: Db,
    index: Index,
    user: CurrentUser,
) -> Response:
    """The records most like this one. Its own page, which the document page loads after it
    shows (`static/similar.js`): finding them costs more than the rest of the page together."""
    document = _readable(db, document_id, user)
    restricted = auth.may(user, "read-restricted")
    similar = objects.search_results(
        index.more_like(document_id, limit=SIMILAR, restricted=restricted)
    )
    return templating.page(request, "similar.html", document=document, similar=similar["hits"])


def _readable(db: Session, document_id: int, user: User) -> Document:
    """The document, or the 404 page, or the 403 page for a restricted record the role may not
    read (as `deps.readable`, with pages instead of JSON errors)."""
    document = db.get(Document, document_id)
    if document is None:
        raise NotFound(f"Không có tài liệu số {document_id}.")
    if document.access == "restricted" and not auth.may(user, "read-restricted"):
        raise auth.Forbidden(f"Tài liệu số {document_id} thuộc loại hạn chế tiếp cận.")
    return document


def _terms(q: str) -> list[str]:
    """The folded words a query marks (none for a query search would refuse)."""
    if not q:
        return []
    try:
        return highlight_terms(parse(q))
    except QueryError:
        return []


def _shown_page(
    document_id: int, page: dict, words: list[dict], q: str, terms: list[str]
) -> dict[str, Any]:
    """One page as the template shows it: its image, the matched words' boxes in percentages
    of the page, its text marked, its flags named."""
    boxes = []
    if terms and page["width"] and page["height"]:
        for i in matched_words(words, q, page["raw_text"], page["text"]):
            left, top, width, height = words[i]["box"]
            boxes.append(
                {
                    "left": round(100 * left / page["width"], 3),
                    "top": round(100 * top / page["height"], 3),
                    "width": round(100 * width / page["width"], 3),
                    "height": round(100 * height / page["height"], 3),
                    "word": words[i].get("text", ""),
                }
            )
    return {
        **page,
        "image": f"/api/documents/{document_id}/pages/{page['number']}/image?width={IMAGE_WIDTH}",
        "boxes": boxes,
        "html": page_html(page["text"], page["edits"], terms),
        "flag_names": [FLAG_NAMES.get(flag, flag) for flag in page["flags"]],
        "edit_count": sum(1 for e in page["edits"] if e.get("reviewed") != "rejected"),
    }


def search_url(q: str, page: int = 1, sort: str = "relevance") -> str:
    """The search page's address for a query (defaults left out)."""
    params: dict[str, Any] = {"q": q}
    if sort != "relevance":
        params["sort"] = sort
    if page > 1:
        params["page"] = page
    return "/search?" + urlencode(params)


def document_url(document_id: int, q: str = "", page: int | None = None) -> str:
    """A record's page, with the query whose words it marks, at one of its pages."""
    query = "?" + urlencode({"q": q}) if q else ""
    return f"/documents/{document_id}{query}" + (f"#page-{page}" if page else "")


def facet_links(q: str, sort: str, facets: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Each facet with its values: the address that adds its filter to the query, or, when the
    query has it already, the address that takes it out."""
    shown = []
    for name, values in facets.items():
        key, heading = FACETS.get(name, (name, name))
        items = []
        for value, count in values.items():
            term = f'{key}:"{value.replace(chr(34), "")}"'
            active = term in q
            target = " ".join(q.replace(term, " ").split()) if active else f"{q} {term}"
            items.append(
                {
                    "value": value,
                    "count": count,
                    "active": active,
                    "url": search_url(target, 1, sort),
                }
            )
        if items:
            shown.append({"name": name, "heading": heading, "values": items})
    return shown


def page_numbers(current: int, last: int) -> list[int | None]:
    """The page numbers to link: the first, the last and two either side of the current one,
    None where some are left out."""
    shown = sorted({1, last, *range(current - 2, current + 3)} & set(range(1, last + 1)))
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def vn_date(value: str) -> str:
    """An ISO date of the metadata (`2024-07-05`, `2024-07`, `2024`) as Vietnamese write it."""
    return "/".join(reversed(value.split("-"))) if value else ""


templating.templates.env.globals.update(
    search_url=search_url,
    document_url=document_url,
    FIELD_NAMES=FIELD_NAMES,
    ACCESS_NAMES=ACCESS_NAMES,
    SORTS=SORTS,
)
templating.templates.env.filters["vn_date"] = vn_date
