"""Labels held in two languages (Simplified Chinese and English): the language a record's
labels are written in, their translations, and the label in the reader's language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """The languages a label is held in (the site's languages)."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


LANGUAGE_VALUES = ["zh-hans", "en"]


def preferred_language() -> str:
    """The active language as a label language: English for any en-*, else Chinese."""
    return Language.EN if (get_language() or "").startswith("en") else Language.ZH_HANS


class Labelled:
    """A record whose labels are held in two languages: each label field in ``language`` and
    ``translated_<field>`` in the other. ``label()`` gives the one in the wanted language, or
    the other where it has none, with the language it is in."""

    language: str

    def label(self, field: str, language: str | None = None) -> tuple[object, str]:
        wanted = language or preferred_language()
        own = (getattr(self, field), self.language)
        translated = (getattr(self, f"translated_{field}"), self._other_language())
        first, second = (own, translated) if wanted == self.language else (translated, own)
        return first if first[0] else second

    def _other_language(self) -> str:  # two languages only
        return Language.ZH_HANS if self.language == Language.EN else Language.EN


def labelled_field(field: str) -> tuple[property, property]:
    """Properties ``localized_<field>`` (the label in the active language, or the other) and
    ``localized_<field>_language`` (the language it is in, for a page's ``lang``)."""
    return (
        property(lambda self: self.label(field)[0]),
        property(lambda self: self.label(field)[1]),
    )


def language_field() -> models.CharField:
    return models.CharField(
        _("language of the labels"),
        max_length=7,
        choices=Language.choices,
        default=Language.ZH_HANS,
        help_text=_("The language the name and other names are written in."),
    )
