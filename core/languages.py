"""The reader's language: ``?lang=`` outranks the language cookie and Accept-Language, for
pages and the API alike (one rule, applied by ``LanguageParameterMiddleware``)."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# The query parameter that chooses the language of one answer.
LANGUAGE_PARAMETER = "lang"
# The languages ``?lang=`` takes (the site's and the labels' languages).
LABEL_LANGUAGES = ("zh-hans", "en")


def requested_language(params: QueryDict) -> str | None:
    """The language ``?lang=`` asks for, lower-cased; None when absent or not one we speak."""
    value = (params.get(LANGUAGE_PARAMETER) or "").strip().lower()
    return value if value in LABEL_LANGUAGES else None


class LanguageParameterMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (cookie, then Accept-Language), with ``?lang=zh-hans`` or
    ``?lang=en`` first: a link can name the language of the page it leads to. A value that is
    not one of ours is left to the view (the API refuses it; a page ignores it)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        language = requested_language(request.GET)
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
