"""What changed between the consulted draft and the published occupation, character by
character (Chinese has no spaces to split on)."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import translation

from consult.reporting import textdiff


def test_chinese_text_is_compared_by_character():
    before, after = textdiff.inline("从事氢气生产的人员", "从事绿色氢气生产与储运的人员")
    assert before == [("equal", "从事"), ("equal", "氢气生产"), ("equal", "的人员")]
    assert after == [
        ("equal", "从事"),
        ("ins", "绿色"),
        ("equal", "氢气生产"),
        ("ins", "与储运"),
        ("equal", "的人员"),
    ]


def test_only_changed_fields_are_listed_with_lists_item_by_item():
    consulted = {
        "proposed_code": "",
        "name": "氢能工",
        "tasks": ["操作电解槽。", "记录读数。"],
        "job_types": [],
        "green": False,
        "group_id": 1,
    }
    published = SimpleNamespace(
        code="6-28-01-17",
        name="氢能工",
        tasks=["操作电解槽。", "记录并报告读数。", "培训员工。"],
        job_types=[],
        green=True,
        group_id=1,
    )
    with translation.override("en"):
        changed = {c.label: c for c in textdiff.changes(consulted, published)}
    assert set(changed) == {"Code", "Main tasks", "Green occupation (L)"}
    assert changed["Code"].after.items == [[("ins", "6-28-01-17")]]
    tasks = changed["Main tasks"]
    assert tasks.is_list
    assert tasks.after.items[1] == [("equal", "记录"), ("ins", "并报告"), ("equal", "读数。")]
    assert tasks.after.items[2] == [("ins", "培训员工。")]
    assert changed["Green occupation (L)"].before.items == [[("del", "no")]]
    assert changed["Green occupation (L)"].after.items == [[("ins", "yes")]]


def test_nothing_changed_gives_no_rows():
    consulted = {"name": "A", "definition": "B", "tasks": ["C"]}
    published = SimpleNamespace(name="A", definition="B", tasks=["C"])
    assert textdiff.changes(consulted, published) == []
