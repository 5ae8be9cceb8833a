"""The registry's tasks on the queue (Django's Tasks API through the django-tasks backport).
Each is a thin call into the module that owns the rule; arguments are ids."""

from __future__ import annotations

from django_tasks import task

from occupations import downloads


@task()
def build_release_downloads(release_id: int) -> str:
    """Build the downloads of one release (``occupations.downloads.build``)."""
    return downloads.build(release_id)
