"""RSS and Atom feeds of consultations: one item per consultation past drafting."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils import formats, timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.models import Consultation

FEED_LENGTH = 30


def _local(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _record(item: Consultation) -> str:
    record = getattr(item, "comment_record", None)
    if record is None:
        return ""
    return _(
        "Record of the comments received: %(count)s comments, root %(root)s (%(algorithm)s, "
        "computed %(computed_at)s)."
    ) % {
        "count": record.leaf_count,
        "root": record.root,
        "algorithm": record.algorithm,
        "computed_at": _local(record.computed_at),
    }


class ConsultationsFeed(Feed):
    title = gettext_lazy("Public consultations on new occupations")
    description = gettext_lazy("Draft lists of new occupations opened for public comment.")
    link = reverse_lazy("consultation-list")

    def items(self):
        return (
            Consultation.objects.public()
            .select_related("comment_record")
            .order_by("-opens_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item: Consultation) -> str:
        return item.title

    def item_description(self, item: Consultation) -> str:
        window = _("Comments from %(opens_at)s to %(closes_at)s (Beijing time).") % {
            "opens_at": _local(item.opens_at),
            "closes_at": _local(item.closes_at),
        }
        return "\n\n".join(part for part in (item.summary, window, _record(item)) if part)

    def item_pubdate(self, item: Consultation) -> dt.datetime:
        return item.opens_at

    def item_updateddate(self, item: Consultation) -> dt.datetime:
        record = getattr(item, "comment_record", None)
        return max(item.updated_at, record.computed_at) if record else item.updated_at


class ConsultationsAtomFeed(ConsultationsFeed):
    feed_type = Atom1Feed
    subtitle = ConsultationsFeed.description
