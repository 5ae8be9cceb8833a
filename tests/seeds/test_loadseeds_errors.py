"""Bad seed data: ``loadseeds`` names the file and the record, loads nothing and fails."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connections

from occupations.models import Batch, ClassificationGroup, Occupation
from tests.seeds.test_loadseeds import snapshot

pytestmark = pytest.mark.django_db


def loadseeds(path) -> str:
    out = StringIO()
    call_command("loadseeds", "--path", str(path), stdout=out)
    return out.getvalue()


def edit(path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


# (file, text to replace, replacement, record named in the error, words of the message)
BREAKAGES = [
    pytest.param(
        "batches/2021-fourth-batch.yaml",
        '  - name: "Corporate Financial Advisors"\n    alternative_names: []',
        '  - name: "Corporate Financial Advisors"\n    alternative_name: []',
        "occupation 3 (Corporate Financial Advisors)",
        "unknown key 'alternative_name'",
        id="misspelt key",
    ),
    pytest.param(
        "batches/2020-second-batch.yaml",
        "announced_on: 2020-02-01",
        "announced_on: 2020-02-14",
        "batch",
        "a date known to the month is written with day 01",
        id="day invented for a month",
    ),
    pytest.param(
        "batches/2019-first-batch.yaml",
        "announced_count: 13",
        "announced_count: 12",
        "batch",
        "'announced_count' is 12 but 13 occupations are listed",
        id="count below the names listed",
    ),
    pytest.param(
        "batches/2024-batch.yaml",
        "green: null",
        "green: perhaps",
        "occupation 1 (Biological Engineering Technician)",
        "'green' must be true, false or null",
        id="marker not a boolean",
    ),
    pytest.param(
        "batches/2019-first-batch.yaml",
        'group: "2"',
        'group: "9"',
        "occupation 1 (Artificial Intelligence Engineering Technicians)",
        "'group' must be a major group code",
        id="unknown major group",
    ),
    pytest.param(
        "batches/2022-june-batch.yaml",
        '    - "Ministry of Human Resources and Social Security"\n  sources:',
        '    - "Ministry of Magic"\n  sources:',
        "batch",
        "authority 'Ministry of Magic' is not in reference/authorities.yaml",
        id="unknown authority",
    ),
    pytest.param(
        "standards/national-skill-standards.yaml",
        'name: "IoT Engineering Technicians"',
        'name: "Internet of Things Engineers"',
        "standard 3 (National vocational and technical skills standard: IoT Engineering "
        "Technicians)",
        "no occupation named 'Internet of Things Engineers' in batch 'first-batch-2019'",
        id="standard on an unknown occupation",
    ),
    pytest.param(
        "standards/national-skill-standards.yaml",
        "levels: [primary, intermediate, advanced]",
        "levels: [primary, advanced]",
        "standard 1 (National vocational and technical skills standard: Integrated Circuit "
        "Engineering Technicians)",
        "a technical standard has the levels primary, intermediate, advanced",
        id="incomplete level set",
    ),
    pytest.param(
        "consultations/2026-draft-list.yaml",
        'closes_at: "2026-07-17T23:59:59+08:00"',
        'closes_at: "2026-07-17T23:59:59"',
        "consultation",
        "'closes_at' must state its UTC offset",
        id="window without time zone",
    ),
    pytest.param(
        "consultations/2026-draft-list.yaml",
        "  comments_collected_elsewhere: true\n",
        "",
        "consultation",
        "'opens_at' may be null only for a consultation whose comments were collected elsewhere",
        id="window without an opening",
    ),
    pytest.param(
        "batches/2024-batch.yaml",
        "    sources:\n      - file: 003_9e46addf4f3136d3.txt\n        quote: *y-19\n",
        "    sources: []\n",
        "occupation 1 (Biological Engineering Technician)",
        "'sources' must list at least one source",
        id="record without a source",
    ),
    pytest.param(
        "batches/2021-fourth-batch.yaml",
        "  slug: fourth-batch-2021\n  number: 4",
        "  slug: fourth-batch-2021\n  number: 3",
        "batch",
        "its number 3 is already used by batch in batches/2020-third-batch.yaml",
        id="batch number used twice",
    ),
    pytest.param(
        "batches/2021-fourth-batch.yaml",
        '  - name: "Corporate Financial Advisors"\n    alternative_names: []\n    definition: ""',
        '  - name: "Corporate Financial Advisors"\n    alternative_names: []\n'
        '    definition: "\\x01=1+1"',
        "occupation 3 (Corporate Financial Advisors)",
        "'definition' holds control characters",
        id="control character in a text",
    ),
    pytest.param(
        "batches/2021-fourth-batch.yaml",
        '  - name: "Corporate Financial Advisors"\n    alternative_names: []',
        '  - name: "Corporate Financial Advisors"\n    alternative_names: ["Fin\\u0085ance"]',
        "occupation 3 (Corporate Financial Advisors)",
        "'alternative_names item 1' holds control characters",
        id="control character in a list item",
    ),
    pytest.param(
        "batches/2020-third-batch.yaml",
        '      - name: "Live Sales Personnel"\n',
        '      - name: "Live Sales Personnel"\n        occupation_name: "online marketer"\n',
        "occupation 3 (Internet Marketing Specialists): job type 1 (Live Sales Personnel)",
        "'occupation_name' is only for a job type listed under the batch",
        id="occupation named on a job type under an occupation",
    ),
    pytest.param(
        "batches/2020-third-batch.yaml",
        '      basis: "disagreement"\n',
        '      basis: "hearsay"\n',
        "batch",
        "provenance of 'announced_on' must have a basis",
        id="provenance without a known basis",
    ),
    pytest.param(
        "reference/major_groups.yaml",
        '- code: "3"\n  title: "办事人员和有关人员"',
        '- code: "3"\n  title: "办事人员和有关人员\n',
        "line 37",
        "is not valid YAML",
        id="broken YAML",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "record", "message"), BREAKAGES)
def test_bad_data_is_refused_naming_file_and_record_and_nothing_is_loaded(
    seed_copy, file, old, new, record, message
):
    edit(seed_copy / file, old, new)

    with pytest.raises(CommandError) as refused:
        loadseeds(seed_copy)

    assert f"{file}: {record}: {message}" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert not ClassificationGroup.objects.exists()
    assert not Batch.objects.exists()


def test_a_record_the_database_refuses_late_in_the_load_rolls_back_everything(seed_copy):
    """The files pass every check, but the last batch's last name is too long for the
    database: the batches written before it are rolled back and what was loaded stays."""
    loadseeds(seed_copy)
    before = snapshot()
    edit(
        seed_copy / "batches" / "2024-batch.yaml",
        'name: "Intelligent Manufacturing System Operation and Maintenance Personnel"',
        'name: "'
        + "Intelligent Manufacturing System Operation and Maintenance " * 4
        + 'Personnel"',
    )
    edit(
        seed_copy / "batches" / "2019-first-batch.yaml",
        "through remote control devices.",
        "through remote control devices!",
    )

    with pytest.raises(CommandError) as refused:
        loadseeds(seed_copy)

    assert "batches/2024-batch.yaml: occupation 6 (Intelligent Manufacturing" in str(refused.value)
    assert "at most 200 characters" in str(refused.value)
    assert snapshot() == before
    assert Occupation.objects.get(name="Drone Pilots").definition.endswith("devices.")


def test_the_command_exits_non_zero_on_bad_data(seed_copy, capsys, monkeypatch):
    edit(seed_copy / "batches" / "2019-first-batch.yaml", "number: 1", "number: first")
    # manage.py closes the database connections on exit; the test's transaction needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "loadseeds", "--path", str(seed_copy)])

    assert exited.value.code != 0
    error = capsys.readouterr().err
    assert "batches/2019-first-batch.yaml: batch: 'number' must be a whole number" in error
    assert not Batch.objects.exists()


def test_a_misquoted_source_is_found_when_the_articles_are_at_hand(seed_copy, articles_dir):
    edit(
        seed_copy / "batches" / "2021-fourth-batch.yaml",
        "announced 18 new professions.",
        "announced 18 new occupations.",
    )

    with pytest.raises(CommandError) as refused:
        call_command(
            "loadseeds",
            "--path",
            str(seed_copy),
            "--check-quotes",
            str(articles_dir),
            stdout=StringIO(),
        )

    assert "batches/2021-fourth-batch.yaml: batch: quote not found word for word" in str(
        refused.value
    )
    assert not Batch.objects.exists()


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        loadseeds(tmp_path / "nowhere")
