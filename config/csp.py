"""The Content Security Policy chosen by path.

Public pages get ``settings.CONTENT_SECURITY_POLICY``: everything from this origin only, no
inline script or style, never framed, forms post only here. The admin (with its two-step
sign-in) carries inline styles, and the API docs (Swagger UI) inline styles and ``data:``
images, so they get ``CSP_ADMIN_DIRECTIVES`` and ``CSP_API_DOCS_DIRECTIVES``: the same policy
with only that added. A view's own ``@csp`` decorator still wins.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.urls import reverse


def directives_for_path(path: str) -> dict | None:
    """The looser directives a path needs, or ``None`` for the public policy."""
    if path.startswith(reverse("admin:index")):
        return settings.CSP_ADMIN_DIRECTIVES
    if path.startswith(reverse("api-docs")):
        return settings.CSP_API_DOCS_DIRECTIVES
    return None


class PolicyByPathMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None:
            parts.config = directives_for_path(request.path_info)
        return parts
