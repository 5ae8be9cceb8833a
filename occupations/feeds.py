"""RSS and Atom feeds of published batches of new occupations."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from occupations.models import Batch, DatePrecision

FEED_LENGTH = 30


class BatchesFeed(Feed):
    title = gettext_lazy("New occupations: published batches")
    description = gettext_lazy("Each batch of new occupations added to the classification.")
    link = reverse_lazy("occupation-list")

    def items(self):
        return (
            Batch.objects.latest_first()
            .with_occupation_count()
            .prefetch_related("authorities")[:FEED_LENGTH]
        )

    def item_title(self, item: Batch) -> str:
        return item.title

    def item_description(self, item: Batch) -> str:
        count = item.announced_count or item.occupation_total
        parts = [
            _("Announced %(date)s.") % {"date": item.announced_display},
            ngettext("%(count)d occupation.", "%(count)d occupations.", count) % {"count": count},
        ]
        authorities = ", ".join(a.name for a in item.authorities.all())
        if authorities:
            parts.append(authorities)
        return " ".join(parts)

    def item_pubdate(self, item: Batch) -> dt.datetime | None:
        # The announcement date when the source gives the day; a feed date is a moment, and
        # "April 2019" must not become 1 April 2019 (the description says the month).
        if item.announced_precision != DatePrecision.DAY:
            return None
        return dt.datetime.combine(
            item.announced_on, dt.time.min, tzinfo=timezone.get_default_timezone()
        )

    def item_updateddate(self, item: Batch) -> dt.datetime:
        return item.updated_at


class BatchesAtomFeed(BatchesFeed):
    feed_type = Atom1Feed
    subtitle = BatchesFeed.description
