"""What error reports may show."""

from __future__ import annotations

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class AlwaysSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, applied on the debug page too.

    Django masks the variables and POST parameters marked with ``sensitive_variables`` and
    ``sensitive_post_parameters`` only when ``DEBUG`` is off. A server switched to ``DEBUG``
    to chase a problem still holds real people's comments, names and e-mail addresses, so they
    stay masked whatever ``DEBUG`` says; settings are masked by name either way.
    """

    def is_active(self, request: HttpRequest | None) -> bool:
        return True
