"""RSS and Atom feeds of published batches of new occupations and of the registry's releases.

A batch's item date is its announcement day only where the sources give the day. A batch
announced in "April 2019" or in "2024" has no publication date (RSS ``pubDate`` is omitted;
no day is invented), its description says the month or year, and its Atom ``updated`` is the
moment its record last changed in the registry. Names are given in the feed's language where
held in it (authorities' Chinese names in the Chinese feed)."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from occupations.models import Batch, DatePrecision, Release

FEED_LENGTH = 30


class BatchesFeed(Feed):
    title = gettext_lazy("New occupations: published batches")
    description = gettext_lazy(
        "Each published batch of new occupations: occupations not yet included in the "
        "classification, as the announcements define them."
    )
    link = reverse_lazy("occupation-list")

    def items(self):
        return (
            Batch.objects.latest_first()
            .with_occupation_count()
            .prefetch_related("authorities")[:FEED_LENGTH]
        )

    def item_title(self, item: Batch) -> str:
        return item.localized_title

    def item_description(self, item: Batch) -> str:
        named = item.occupation_total
        parts = [_("Announced %(date)s.") % {"date": item.announced_display}]
        if item.announced_count and item.announced_count != named:
            parts.append(
                ngettext(
                    "%(count)d occupation announced; %(named)d named in the registry.",
                    "%(count)d occupations announced; %(named)d named in the registry.",
                    item.announced_count,
                )
                % {"count": item.announced_count, "named": named}
            )
        else:
            parts.append(
                ngettext("%(count)d occupation.", "%(count)d occupations.", named)
                % {"count": named}
            )
        authorities = ", ".join(a.localized_name for a in item.authorities.all())
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


class ReleasesFeed(Feed):
    title = gettext_lazy("Occupation registry: releases")
    description = gettext_lazy(
        "Each numbered release of the registry, with what it added, changed and removed."
    )
    link = reverse_lazy("data")

    def items(self):
        return Release.objects.latest_first()[:FEED_LENGTH]

    def item_title(self, item: Release) -> str:
        return _("Release %(version)s") % {"version": item.version}

    def item_description(self, item: Release) -> str:
        counts = _("%(added)d added, %(changed)d changed, %(removed)d removed.") % {
            "added": item.added_count,
            "changed": item.changed_count,
            "removed": item.removed_count,
        }
        return f"{item.note} {counts}"

    def item_link(self, item: Release) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Release) -> str:
        # Stable whatever page lists the release.
        return f"release:{item.version}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Release) -> dt.datetime:
        return item.issued_at


class ReleasesAtomFeed(ReleasesFeed):
    feed_type = Atom1Feed
    subtitle = ReleasesFeed.description
