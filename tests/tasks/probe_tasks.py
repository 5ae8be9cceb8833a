"""Tasks that the worker tests enqueue in a worker process (imported there by path)."""

from __future__ import annotations

from django.db import connection
from django_tasks import task


@task(takes_context=True)
def hold_the_database(context, seconds: float) -> str:
    """On its first attempt, wait ``seconds`` inside a query (for the test to kill its
    connection meanwhile); on a later one, finish at once."""
    if context.attempt == 1:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s) /* hold_the_database */", [seconds])
    return f"done on attempt {context.attempt}"
