"""factory_boy factories for every model. Status fields are protected (django-fsm): a factory
sets the initial state through the constructor, which is the one place that may."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from consult import clustering
from consult.models import (
    Comment,
    Consultation,
    DraftOccupation,
    comment_fingerprint,
    new_tracking_number,
)
from occupations.models import (
    Authority,
    Batch,
    ClassificationGroup,
    Occupation,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("name",)

    name = "Ministry of Human Resources and Social Security"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassificationGroup
        django_get_or_create = ("code",)

    code = "2"
    title = "专业技术人员"
    title_en = "Professional and technical personnel"
    level = ClassificationGroup.Level.MAJOR


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    slug = factory.Sequence(lambda n: f"batch-{n}")
    title = factory.Sequence(lambda n: f"Batch {n} of new occupations")
    announced_on = dt.date(2021, 3, 1)
    announced_precision = "month"


class OccupationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupation

    batch = factory.SubFactory(BatchFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = ""
    name = factory.Sequence(lambda n: f"Occupation {n}")
    definition = "Personnel who design and operate things."
    tasks = factory.LazyFunction(lambda: ["Design things.", "Operate things."])
    job_types = factory.LazyFunction(list)


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A consultation; pass ``status=`` for a later state (the window defaults around now)."""

    class Meta:
        model = Consultation

    slug = factory.Sequence(lambda n: f"consultation-{n}")
    title = factory.Sequence(lambda n: f"Draft list {n} of new occupations")
    summary = "Comments are invited on the draft list."
    status = Consultation.Status.DRAFTING
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=29))


class DraftOccupationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftOccupation

    consultation = factory.SubFactory(ConsultationFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Draft occupation {n}")
    definition = "Personnel who maintain hydrogen production equipment."
    tasks = factory.LazyFunction(lambda: ["Inspect equipment.", "Record readings."])
    job_types = factory.LazyFunction(list)
    status = DraftOccupation.Status.DRAFT


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment
        skip_postgeneration_save = True

    consultation = factory.SubFactory(ConsultationFactory, status=Consultation.Status.CONSULTATION)
    # A word of its own keeps two default comments apart as campaigns (a number alone would
    # leave them 70% alike).
    body = factory.Sequence(
        lambda n: (
            f"Comment number {n} on the draft list: "
            f"{hashlib.sha256(str(n).encode()).hexdigest()[:16]}."
        )
    )
    fingerprint = factory.LazyAttribute(lambda o: comment_fingerprint(o.body))
    tracking_number = factory.LazyFunction(new_tracking_number)
    consent_to_publish = True

    @factory.post_generation
    def clustered(obj, create, extracted, **kwargs):
        """Assigned to its campaign as the worker would do right after it is stored
        (``clustered=False``: left for the worker, as just after the POST)."""
        if create and extracted is not False:
            clustering.assign(obj.pk)
            obj.refresh_from_db(fields=["cluster"])
