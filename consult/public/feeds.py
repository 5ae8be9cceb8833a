"""RSS and Atom feeds of consultations: one item per consultation past drafting, samples (the
demonstration consultation) left out.

An item's date is the moment comments opened where a source states it; a consultation whose
opening no source states (one imported from the history) has no publication date, and its
Atom ``updated`` is the moment its record last changed, never an invented opening."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse_lazy
from django.utils import formats, timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.models import Consultation

FEED_LENGTH = 30


def _local(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def window_text(item: Consultation) -> str:
    """The comment window as the sources give it: a moment no source states is said to be
    unstated, never filled in."""
    if item.opens_at is None and item.closes_at is None:
        return _("The comment window is not stated in the sources.")
    if item.opens_at is None:
        return _(
            "Comments until %(closes_at)s (Beijing time); when they opened is not stated in "
            "the sources."
        ) % {"closes_at": _local(item.closes_at)}
    if item.closes_at is None:
        return _(
            "Comments from %(opens_at)s (Beijing time); when they close is not stated in the "
            "sources."
        ) % {"opens_at": _local(item.opens_at)}
    return _("Comments from %(opens_at)s to %(closes_at)s (Beijing time).") % {
        "opens_at": _local(item.opens_at),
        "closes_at": _local(item.closes_at),
    }


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
            .filter(sample=False)
            .select_related("comment_record")
            .order_by(Coalesce("opens_at", "closes_at").desc(nulls_last=True), F("pk").desc())[
                :FEED_LENGTH
            ]
        )

    def item_title(self, item: Consultation) -> str:
        return item.title

    def item_description(self, item: Consultation) -> str:
        window = window_text(item)
        if item.comments_collected_elsewhere:
            window = " ".join(
                [
                    window,
                    _(
                        "Comments were sent to the ministry by other channels; this site "
                        "holds none and does not know how many there were."
                    ),
                ]
            )
        return "\n\n".join(part for part in (item.summary, window, _record(item)) if part)

    def item_pubdate(self, item: Consultation) -> dt.datetime | None:
        # Only a stated opening; never a moment no source gives.
        return item.opens_at

    def item_updateddate(self, item: Consultation) -> dt.datetime:
        record = getattr(item, "comment_record", None)
        return max(item.updated_at, record.computed_at) if record else item.updated_at


class ConsultationsAtomFeed(ConsultationsFeed):
    feed_type = Atom1Feed
    subtitle = ConsultationsFeed.description
