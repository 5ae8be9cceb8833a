"""No inline handlers anywhere: the policy blocks inline script, so a template with one would
carry a control that silently does nothing."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings


def test_no_template_carries_an_inline_handler():
    """Every template of the project, read as HTML: no ``on…`` attribute, no
    ``javascript:`` address (either would be blocked by the policy)."""
    found: list[str] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                    found.append(f"{self.path}: <{tag} {name}=…>")

    roots = [Path(settings.BASE_DIR) / "templates"]
    templates = [path for root in roots for path in root.rglob("*.html")]
    assert templates
    for path in templates:
        finder = Finder()
        finder.path = path
        finder.feed(path.read_text())
    assert found == []
