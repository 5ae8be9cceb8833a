"""Every quote is a whole sentence of its article, and every fact that no cited sentence
states carries its provenance (occupations.provenance's one rule)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from consult.models import Consultation, DraftOccupation
from occupations.models import (
    Authority,
    Batch,
    ClassificationEdition,
    ClassificationGroup,
    Occupation,
    ReleasePeriod,
    SkillStandard,
)
from occupations.provenance import validate_provenance
from seeds.loader import check_quotes, read_seeds
from seeds.sentences import SentenceIndex

pytestmark = pytest.mark.django_db

ARTICLE = (
    "A Title Line\n"
    "By SOMEONE | example.com | Updated: 2026-07-03 19:24\n"
    "First, it is one.The next runs on. It costs 1.5 million, etc., and more.\n"
    "What are they? They are two.\n"
    "01A Heading\n"
    "Main Tasks:\n"
    "1. Analyze things;\n"
    "This profession includes the following job types:\n"
    "\n"
    "Data Annotators, AI Algorithm Testers\n"
    "“Quoted,” he said. “Closed.”\n"
)


@pytest.mark.parametrize(
    "quote",
    [
        "First, it is one.",
        "The next runs on.",
        "The next runs on. It costs 1.5 million, etc., and more.",
        "They are two.",
        "Analyze things;",
        "This profession includes the following job types:",
        "Data Annotators, AI Algorithm Testers",
        "“Closed.”",
    ],
)
def test_whole_sentences_are_accepted(quote):
    assert SentenceIndex(ARTICLE).is_whole(quote)


@pytest.mark.parametrize(
    "quote",
    [
        "A Title Line",  # a heading
        "By SOMEONE | example.com | Updated: 2026-07-03 19:24",  # a byline
        "A Heading",  # part of a heading
        "01A Heading",  # a heading glued to its number
        "it is one.",  # the end of a sentence
        "First, it is one",  # a sentence without its full stop
        "It costs 1.",  # cut inside a number
        "1.",  # a list number alone
        "They are two.\n01A Heading",  # across lines
    ],
)
def test_headings_bylines_and_fragments_are_not_sentences(quote):
    assert not SentenceIndex(ARTICLE).is_whole(quote)


def test_every_quote_of_the_seed_files_is_a_whole_sentence(seeds_dir, articles_dir):
    seeds = read_seeds(seeds_dir)
    sentences = {}
    for origin, source in seeds.all_sources():
        if source.file not in sentences:
            text = (articles_dir / source.file).read_text(encoding="utf-8")
            sentences[source.file] = SentenceIndex(text)
        assert sentences[source.file].is_whole(source.quote), (origin, source.quote[:80])
    assert check_quotes(seeds, articles_dir) > 400


def test_detailed_occupations_cite_their_definition_and_task_sentences(seeds_dir):
    seeds = read_seeds(seeds_dir)
    detailed = [o for b in seeds.batches for o in b.occupations if o.definition]
    assert len(detailed) == 30
    for occupation in detailed:
        quotes = {source.quote for source in occupation.sources}
        assert f"Definition: {occupation.definition}" in quotes, occupation.name
        assert set(occupation.tasks) <= quotes, occupation.name


def test_loading_a_record_whose_quote_is_a_heading_fails_naming_file_and_record(
    seed_copy, articles_dir
):
    path = seed_copy / "batches" / "2020-third-batch.yaml"
    text = path.read_text(encoding="utf-8")
    definition = (
        '"Definition: Personnel who utilize the interactivity and credibility of networks on '
        'digital information platforms to market and promote enterprise products."'
    )
    assert text.count(definition) == 1
    path.write_text(text.replace(definition, '"03Internet Marketing Specialists"'), "utf-8")

    with pytest.raises(CommandError) as refused:
        call_command("loadseeds", "--path", str(seed_copy), "--check-quotes", str(articles_dir))

    assert (
        "batches/2020-third-batch.yaml: occupation 3 (Internet Marketing Specialists): quote is "
        "not a whole sentence of 000_4f42679ce3381b74.txt"
    ) in str(refused.value)
    assert not Batch.objects.exists()


def test_without_the_articles_the_sentence_check_is_skipped_with_a_reason(
    seed_copy, tmp_path, settings
):
    settings.SEED_SOURCES_DIR = str(tmp_path / "absent")
    from io import StringIO

    out = StringIO()
    call_command("loadseeds", "--path", str(seed_copy), stdout=out)

    assert "Quotes not checked against the source articles" in out.getvalue()
    assert f"{tmp_path / 'absent'} is absent" in out.getvalue()
    assert Occupation.objects.count() == 80


# Every fact of the seed history that no cited sentence states: (model, record, field, basis).
KNOWN = [
    (Batch, "june-batch-2022", "announced_on", "reference"),
    (Batch, "third-batch-2020", "announced_on", "disagreement"),
    (Batch, "batch-2024", "announced_on", "inference"),
    *[
        (Batch, slug, "title", "inference")
        for slug in (
            "first-batch-2019",
            "second-batch-2020",
            "third-batch-2020",
            "fourth-batch-2021",
            "june-batch-2022",
            "batch-2024",
        )
    ],
    (Consultation, "draft-list-2026", "closes_at", "inference"),
    (Consultation, "draft-list-2026", "title", "inference"),
]


def test_every_inferred_or_outside_fact_carries_its_provenance(loaded_seeds):
    for model, slug, field, basis in KNOWN:
        record = model.objects.get(slug=slug)
        assert record.provenance[field]["basis"] == basis, (slug, field)
    # The 2026 opening is not known: null, not inferred from the article's time stamp.
    assert Consultation.objects.get(slug="draft-list-2026").opens_at is None
    for group in ClassificationGroup.objects.all():
        assert group.provenance["title"]["basis"] == "reference", group.code
    for authority in Authority.objects.all():
        assert authority.provenance["name_zh"]["basis"] == "reference", authority.name
    for standard in SkillStandard.objects.all():
        assert standard.provenance["title"]["basis"] == "inference", standard.title
    earlier = SkillStandard.objects.filter(provenance__has_key="levels")
    assert sorted(s.occupation.name for s in earlier) == [
        "Big Data Engineering Technicians",
        "Blockchain Engineering Technicians",
        "Intelligent Manufacturing Engineering Technicians",
    ]
    assert all(s.provenance["levels"]["basis"] == "inference" for s in earlier)
    for occupation in Occupation.objects.filter(digital=True):
        assert occupation.provenance["digital"]["basis"] == "reference", occupation.name
    for draft in DraftOccupation.objects.filter(green=True):
        assert draft.provenance["green"]["basis"] == "reference", draft.name
    for edition in ClassificationEdition.objects.all():
        assert edition.provenance["revision"]["basis"] == "inference", edition.year


def test_every_record_has_sound_provenance_and_sources(loaded_seeds):
    for model in (
        Batch,
        Occupation,
        SkillStandard,
        ClassificationEdition,
        ClassificationGroup,
        Authority,
        ReleasePeriod,
        Consultation,
        DraftOccupation,
    ):
        records = list(model.objects.all())
        assert records, model
        for record in records:
            validate_provenance(record.provenance)
            for source in record.sources:
                assert set(source) == {"file", "quote"}, record


def test_markers_are_true_only_where_a_source_marks_and_unknown_elsewhere(loaded_seeds):
    def counts(model, field):
        return Counter(model.objects.values_list(field, flat=True))

    assert counts(Occupation, "digital") == {True: 9, None: 71}
    assert counts(Occupation, "green") == {None: 80}
    assert counts(DraftOccupation, "digital") == {None: 12}
    assert counts(DraftOccupation, "green") == {True: 2, None: 10}


def test_the_earlier_releases_are_loaded_with_their_totals(loaded_seeds):
    period = ReleasePeriod.objects.get()
    assert (period.started_year, period.ended_year, period.batch_count) == (2004, 2009, 12)
    assert (period.occupation_count, period.occupation_count_is_minimum) == (120, True)
    assert period.sources[0]["file"] == "000_4f42679ce3381b74.txt"


@pytest.fixture
def loaded_seeds(seeds_dir):
    call_command("loadseeds", "--path", str(seeds_dir), verbosity=0)
