"""The review queue over HTTP, for the archivist: the JSON routes, and the page `/review`.

The page is plain forms: each action posts to a `/review/...` route (with the form token),
which applies it and sends the browser back to the queue at the next item, saying what was done.
A refused action shows the queue again with the reason. Everything here needs `review`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.exceptions import HTTPException

from sohoa.api import auth, objects, templating
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.deps import LARGEST, Db, DocumentId, Index, Offset, PageNumber
from sohoa.api.pages import FLAG_NAMES
from sohoa.archive.models import User

router = APIRouter(route_class=AuthorisedRoute)

PAGE_SIZE = 20  # queue items a page shows
CROP_IMAGE = 1600  # the width of the page image copy the word's crop is cut from (pixels)

DONE = {  # what the queue says after an action (the word, if any, is filled in)
    "accepted": "Đã chấp nhận sửa: {word}",
    "rejected": "Đã từ chối, trả lại chữ OCR: {word}",
    "corrected": "Đã sửa thành: {word}",
    "checked": "Đã đánh dấu trang là đã xem",
}


class Correction(BaseModel):
    """Where the word is (an edit's number, or a line and offsets of the page's text now) and
    what the paper says."""

    word: str = Field(description="the word as the paper says it", examples=["xã"])
    edit: int | None = Field(
        None, ge=1, le=LARGEST, description="the number of the edit at that place (from 1)"
    )
    line: int | None = Field(
        None, ge=1, le=LARGEST, description="the line, from 1, when no edit is given"
    )
    start: int | None = Field(
        None, ge=0, le=LARGEST, description="offset of the word in that line of the page's text"
    )
    end: int | None = Field(
        None, ge=0, le=LARGEST, description="offset after it (default: the word's end)"
    )
    found: str | None = Field(
        None,
        max_length=200,
        description="or: the wrong word as the page's text says it (with `line` when it is "
        "there more than once)",
        examples=["xa"],
    )


@router.get("/api/review", summary="Pages awaiting review: uncertain edits, unchecked flags")
def queue(
    db: Db, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0
) -> dict:
    return objects.review_queue(db, auth.may(user, "read-restricted"), limit, offset)


@router.post(
    "/api/documents/{document_id}/pages/{page}/corrections",
    summary="Correct one word of a page's text (as `sohoa review DOC PAGE EDIT correct WORD`)",
    description="The page's text takes the word, its edits record it, the correction is a "
    "`text.corrected` event, and the repair learns the word for later pages. Returns the page.",
)
def post_correction(
    document_id: DocumentId, page: PageNumber, body: Correction, db: Db, index: Index, actor: Actor
) -> dict:
    where = objects.WordPlace(body.edit, body.line, body.start, body.end, body.found)
    try:
        return objects.correct_word(db, index, document_id, page, where, body.word, actor)
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


@router.post(
    "/api/documents/{document_id}/pages/{page}/checked",
    summary="Mark a flagged page as looked at (it leaves the review queue)",
)
def post_checked(document_id: DocumentId, page: PageNumber, db: Db, actor: Actor) -> dict:
    try:
        return objects.check_page(db, document_id, page, actor)
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


@router.get("/review", include_in_schema=False)
def review_page(
    request: Request,
    db: Db,
    user: CurrentUser,
    offset: Offset = 0,
    done: str | None = None,
    word: str = "",
) -> Response:
    message = DONE[done].format(word=word) if done in DONE else None
    return _queue_page(request, db, user, offset, message=message)


@router.post("/review/{document_id}/{page}/edits/{edit}", include_in_schema=False)
def review_decide(
    request: Request,
    document_id: DocumentId,
    page: PageNumber,
    edit: Annotated[int, Path(ge=1, le=LARGEST)],
    decision: Annotated[str, Form()],
    db: Db,
    index: Index,
    user: CurrentUser,
    actor: Actor,
) -> Response:
    try:
        done = objects.review_edit(db, index, document_id, page, edit, decision, actor)
    except (objects.NoSuchDocument, ValueError) as error:
        return _queue_page(request, db, user, 0, error=str(error))
    word = done["after"] if done["reviewed"] == "accepted" else done["before"]
    return _back(done["reviewed"], word, document_id, page)


@router.post("/review/{document_id}/{page}/corrections", include_in_schema=False)
def review_correct(
    request: Request,
    document_id: DocumentId,
    page: PageNumber,
    word: Annotated[str, Form()],
    db: Db,
    index: Index,
    user: CurrentUser,
    actor: Actor,
    edit: Annotated[int | None, Form(ge=1, le=LARGEST)] = None,
    found: Annotated[str | None, Form(max_length=200)] = None,
    line: Annotated[int | None, Form(ge=1, le=LARGEST)] = None,
) -> Response:
    """A waiting edit corrected (`edit`), or any word of the page, named as it reads now
    (`found`, on `line` when it is there more than once)."""
    where = objects.WordPlace(edit=edit, line=line, found=found or None)
    try:
        done = objects.correct_word(db, index, document_id, page, where, word, actor)
    except (objects.NoSuchDocument, ValueError) as error:
        return _queue_page(request, db, user, 0, error=str(error))
    return _back("corrected", done["corrected"]["after"], document_id, page)


@router.post("/review/{document_id}/{page}/checked", include_in_schema=False)
def review_checked(
    request: Request,
    document_id: DocumentId,
    page: PageNumber,
    db: Db,
    user: CurrentUser,
    actor: Actor,
) -> Response:
    try:
        objects.check_page(db, document_id, page, actor)
    except (objects.NoSuchDocument, ValueError) as error:
        return _queue_page(request, db, user, 0, error=str(error))
    return _back("checked", "", document_id, page)


def _back(done: str, word: str, document_id: int, page: int) -> RedirectResponse:
    """To the queue, where the item was (the next one is there now, if this one left)."""
    query = urlencode({"done": done, "word": word})
    return RedirectResponse(f"/review?{query}#item-{document_id}-{page}", status_code=303)


def _queue_page(
    request: Request,
    db: Session,
    user: User,
    offset: int,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    queue = objects.review_queue(db, auth.may(user, "read-restricted"), PAGE_SIZE, offset)
    for item in queue["items"]:
        item["flag_names"] = [FLAG_NAMES.get(flag, flag) for flag in item["flags"]]
        for edit in item["edits"]:
            at, text = edit["at"], edit["text"]
            edit["parts"] = (text[: at["start"]], text[at["start"] : at["end"]], text[at["end"] :])
            edit["crop"] = _crop(edit["box"], item["width"], item["height"])
    return templating.page(
        request,
        "review.html",
        status=422 if error else 200,
        queue=queue,
        offset=offset,
        page_size=PAGE_SIZE,
        message=message,
        error=error,
    )


def _crop(box: list[int] | None, width: int, height: int) -> dict | None:
    """Where the word is on a `CROP_IMAGE`-wide copy of the page image, and the window around it
    the page shows (the word with some of its line on either side): CSS pixels for the
    template, which shows the copy through that window and outlines the word."""
    if not box or width <= 0 or height <= 0:
        return None
    scale = CROP_IMAGE / width
    left, top, w, h = (round(v * scale) for v in box)
    margin_x, margin_y = 4 * max(h, 8), max(h // 2, 4)
    x0, y0 = max(left - margin_x, 0), max(top - margin_y, 0)
    x1 = min(left + w + margin_x, CROP_IMAGE)
    y1 = min(top + h + margin_y, round(height * scale))
    return {
        "image_width": CROP_IMAGE,
        "left": x0,
        "top": y0,
        "width": max(x1 - x0, 1),
        "height": max(y1 - y0, 1),
        "word": {"left": left - x0, "top": top - y0, "width": w, "height": h},
    }
