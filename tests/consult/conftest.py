"""Builders for the consultation tests: a consultation in any status, with its drafts."""

from __future__ import annotations

import pytest
from django.utils import translation

from consult.models import Consultation, DraftOccupation
from tests.factories import BatchFactory, ConsultationFactory, DraftOccupationFactory

# The draft status each consultation status normally holds.
DRAFT_STATUS_FOR = {
    Consultation.Status.DRAFTING: DraftOccupation.Status.DRAFT,
    Consultation.Status.CONSULTATION: DraftOccupation.Status.PROPOSED,
    Consultation.Status.REVIEW: DraftOccupation.Status.PROPOSED,
    Consultation.Status.PUBLISHED: DraftOccupation.Status.ACCEPTED,
}


@pytest.fixture(autouse=True)
def _english():
    """Refusals are asserted by their English text; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def consultation_in(db, window):
    """``consultation_in(status)``: a consultation forced into ``status`` through the
    constructor, window 17 June–17 July 2026 (Shanghai), with two drafts in the usual state."""

    def build(status: str, **kwargs) -> Consultation:
        kwargs.setdefault("opens_at", window[0])
        kwargs.setdefault("closes_at", window[1])
        if status == Consultation.Status.PUBLISHED:
            kwargs.setdefault("batch", BatchFactory())
        consultation = ConsultationFactory(status=status, **kwargs)
        for position, name in enumerate(["Hydrogen producer", "Low-altitude pilot"], start=1):
            DraftOccupationFactory(
                consultation=consultation,
                position=position,
                name=name,
                status=DRAFT_STATUS_FOR[status],
                proposed_code=f"6-28-01-{16 + position}",
            )
        return consultation

    return build
