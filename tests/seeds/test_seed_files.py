"""The seed files themselves: complete, consistent, and copied word for word from the sources."""

from __future__ import annotations

import datetime as dt

from seeds.loader import check_quotes, read_seeds

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _cited_text(articles_dir, sources) -> str:
    return "\n".join((articles_dir / source.file).read_text(encoding="utf-8") for source in sources)


def test_every_quote_is_copied_word_for_word_from_its_article(seeds_dir, articles_dir):
    seeds = read_seeds(seeds_dir)

    checked = check_quotes(seeds, articles_dir)

    assert checked == sum(1 for _ in seeds.all_sources())
    assert checked > 200


def test_published_texts_are_copied_from_the_articles_each_record_cites(seeds_dir, articles_dir):
    """Names, definitions, tasks and job types come from the cited articles, never paraphrased
    (names may be capitalised for display)."""
    seeds = read_seeds(seeds_dir)
    for batch in seeds.batches:
        for occupation in batch.occupations:
            text = _cited_text(articles_dir, occupation.sources)
            assert occupation.name.casefold() in text.casefold(), occupation.name
            for other in occupation.alternative_names:
                assert other.casefold() in text.casefold(), other
            assert occupation.definition in text, occupation.name
            for task in occupation.tasks:
                assert task in text, (occupation.name, task)
            for job_type in occupation.job_types:
                assert job_type in text, (occupation.name, job_type)


def test_draft_descriptions_are_the_articles_words(seeds_dir, articles_dir):
    """A draft's definition is the article's description, only its first letter capitalised."""
    (consultation,) = read_seeds(seeds_dir).consultations
    for draft in consultation.drafts:
        text = _cited_text(articles_dir, draft.sources)
        assert draft.name.casefold() in text.casefold()
        if draft.definition:
            assert draft.definition[0].lower() + draft.definition[1:] in text, draft.name


def test_the_files_hold_the_batches_the_issue_lists_with_no_invented_dates(seeds_dir):
    batches = {batch.slug: batch for batch in read_seeds(seeds_dir).batches}

    summary = {
        slug: (
            batch.number,
            batch.announced_on,
            batch.announced_precision,
            batch.announced_count,
            len(batch.occupations),
        )
        for slug, batch in batches.items()
    }
    assert summary == {
        "first-batch-2019": (1, dt.date(2019, 4, 1), "month", 13, 13),
        "second-batch-2020": (2, dt.date(2020, 2, 1), "month", 16, 16),
        "third-batch-2020": (3, dt.date(2020, 6, 1), "month", 9, 9),
        "fourth-batch-2021": (4, dt.date(2021, 3, 1), "month", 18, 18),
        "june-batch-2022": (None, dt.date(2022, 6, 14), "day", 18, 18),
        "batch-2024": (None, dt.date(2024, 1, 1), "year", 19, 6),
    }


def test_the_draft_list_closes_at_the_end_of_17_july_2026_in_shanghai(seeds_dir):
    (consultation,) = read_seeds(seeds_dir).consultations

    assert consultation.status == "review"
    assert consultation.closes_at == dt.datetime(2026, 7, 17, 23, 59, 59, tzinfo=SHANGHAI)
    # No source says when the list was released: the opening is null and the notes say why.
    assert consultation.opens_at is None
    assert consultation.comments_collected_elsewhere is True
    assert "opens_at is null" in consultation.notes
    assert len(consultation.drafts) == 12
    assert [d.name for d in consultation.drafts if d.green] == [
        "Hydrogen Fuel Cell Manufacturers",
        "Water Electrolysis Hydrogen Production Operators",
    ]


def test_occupations_follow_the_order_of_the_list_that_names_them(seeds_dir):
    """Where one sentence lists a whole batch, positions follow that sentence."""
    for batch in read_seeds(seeds_dir).batches:
        lists = {occupation.sources[0].quote for occupation in batch.occupations}
        if len(lists) != 1:
            continue  # June 2022: named across three sentences, stored group by group
        (sentence,) = lists
        places = []
        for occupation in batch.occupations:
            names = (occupation.name, *occupation.alternative_names)
            found = [sentence.casefold().find(n.casefold()) for n in names]
            places.append(max(found))
        assert min(places) >= 0, batch.slug
        assert places == sorted(places), batch.slug
