"""The JSON routes of search: a query's results with facets and snippets, and the records like
one record. Restricted records are left out entirely for a role that may not read them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sohoa.api import auth, errors, objects
from sohoa.api.auth import AuthorisedRoute, CurrentUser
from sohoa.api.deps import Db, DocumentId, Index, Offset, readable
from sohoa.search import SORTS

router = APIRouter(route_class=AuthorisedRoute)


@router.get(
    "/api/search",
    summary="Search documents (as `sohoa search --json`)",
    responses=errors.documented(400),
)
def search(
    index: Index,
    user: CurrentUser,
    q: Annotated[
        str,
        Query(
            description='words, with or without diacritics; `"a phrase"`, `-left_out`, '
            "`a OR b`; filters: "
            '`type:"ke hoach"`, `year:2019..2024`, `date:2024-03..2024-07`, '
            '`issuer:"so khoa hoc"`, `number:45/KH-LHH`, `procedure:QT-07`'
        ),
    ],
    limit: Annotated[int, Query(ge=0, le=100)] = 10,
    offset: Offset = 0,
    sort: Annotated[str, Query(description=" | ".join(SORTS))] = "relevance",
) -> dict:
    """Restricted records are left out entirely (hits, snippets, facet counts) for a role the
    permission table does not let read them."""
    restricted = auth.may(user, "read-restricted")
    return objects.search_results(
        index.search(q, limit=limit, offset=offset, sort=sort, restricted=restricted)
    )


@router.get(
    "/api/documents/{document_id}/similar",
    summary="Documents like this one (as `sohoa similar --json`)",
)
def similar(
    document_id: DocumentId,
    db: Db,
    user: CurrentUser,
    index: Index,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict:
    readable(db, document_id, user)
    restricted = auth.may(user, "read-restricted")
    return objects.search_results(index.more_like(document_id, limit=limit, restricted=restricted))
