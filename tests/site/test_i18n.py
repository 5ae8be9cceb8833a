"""The catalogues: every message of the project translated into Chinese, and the English
catalogue complete too (every msgid with its English text), so that both languages are whole."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

from consult.models import Comment, Consultation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def catalogue(language: str) -> dict:
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def msgids(language: str) -> set[str]:
    return {key if isinstance(key, str) else key[0] for key in catalogue(language)} - {""}


def po_msgids(language: str) -> set[str]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    found = set()
    for block in text.split("\n\n"):
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        match = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not match:
            continue
        msgid = "".join(re.findall(r'"(.*)"', match.group(1)))
        msgid = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        if msgid:
            found.add(f"{context.group(1)}\x04{msgid}" if context else msgid)
    return found


def test_every_message_of_the_source_catalogue_is_translated_into_chinese():
    assert po_msgids("zh_Hans") - msgids("zh_Hans") == set()


def test_every_chinese_message_has_its_english_entry():
    assert msgids("zh_Hans") - msgids("en") == set()
    assert msgids("en") - msgids("zh_Hans") == set()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["公开征求意见", "部分采纳", "垃圾信息"]),
        ("en", ["public consultation", "partly adopted", "spam"]),
    ],
)
def test_model_choices_and_workflow_labels_speak_both_languages(language, expected):
    with translation.override(language):
        labels = [
            str(Consultation.Status.CONSULTATION.label),
            str(Comment.Disposition.PARTLY_ADOPTED.label),
            str(Comment.Status.SPAM.label),
        ]
    assert labels == expected
