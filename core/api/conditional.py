"""Conditional GET for API reads: validators (ETag, Last-Modified) computed from one aggregate
query, a 304 when the client's copy is current, and public caching headers.

A response's validators come from its identity (viewset, action, path arguments, query,
format, language) and from ``freshness`` values: aggregates that change whenever the response
would (counts catch deletions; a new or changed row carries the latest ``updated_at``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

# Part of every ETag: bump it whenever a representation changes, so that clients and caches
# holding a body of the old shape fetch the new one.
API_REVISION = "2"


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: dt.datetime | None  # latest change among the records, if any
    count: int | None  # rows of the response's queryset, where freshness counted them


def validators_for(identity: Sequence[Any], values: dict[str, Any]) -> Validators:
    """The validators of the response named by ``identity`` (JSON-serializable parts) whose
    data is as fresh as ``values`` (``count`` and datetimes among them)."""
    key = [API_REVISION, *identity, sorted(values.items())]
    digest = hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:40]
    last = max((v for v in values.values() if isinstance(v, dt.datetime)), default=None)
    return Validators(etag=f'"{digest}"', last_modified=last, count=values.get("count"))


def not_modified(request: HttpRequest, validators: Validators) -> HttpResponseBase | None:
    """A 304 if the client's ``If-None-Match`` or ``If-Modified-Since`` matches
    ``validators``, else None."""
    last = validators.last_modified
    response = get_conditional_response(
        request,
        etag=validators.etag,
        last_modified=int(last.timestamp()) if last else None,
    )
    # Only 304 is answered here; If-Match and If-Unmodified-Since do not apply to reads.
    if response is None or response.status_code != 304:
        return None
    return response


def with_validators(
    response: HttpResponseBase, validators: Validators | None, *, max_age: int
) -> HttpResponseBase:
    """``response`` with its validators and public caching for ``max_age`` seconds; without
    validators, private and revalidated on every use."""
    if validators is None:
        patch_cache_control(response, private=True, no_cache=True)
        return response
    response["ETag"] = validators.etag
    if validators.last_modified is not None:
        response["Last-Modified"] = http_date(validators.last_modified.timestamp())
    patch_cache_control(response, public=True, max_age=max_age)
    patch_vary_headers(response, ["Accept", "Accept-Language"])
    return response


def whole_table(model: type[models.Model], aggregate: models.Aggregate) -> models.Aggregate:
    """``aggregate`` over every row of ``model``'s table, as a value for another query's
    ``aggregate()``: an uncorrelated subquery, which the database computes once, so that one
    round trip answers for several tables. Over an outer query without rows it is None, as
    every aggregate is; that query's own count already tells its validators apart."""
    rows = (
        model._default_manager.order_by()
        # Grouping by a constant leaves no GROUP BY: one row, even for an empty table.
        .annotate(whole_table=models.Value(1))
        .values("whole_table")
        .annotate(value=aggregate)
        .values("value")
    )
    # aggregate() takes aggregates only; the maximum of one value is that value.
    return models.Max(models.Subquery(rows))
