"""On PostgreSQL, a trigram index makes substring search (Chinese and English) use an index.

SQLite has no such index type; the search works there by a plain scan.
"""

from django.db import migrations


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create_index(apps, schema_editor):
    if _on_postgresql(schema_editor):
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS occupation_search_trgm "
            "ON occupations_occupation USING gin (search_text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if _on_postgresql(schema_editor):
        schema_editor.execute("DROP INDEX IF EXISTS occupation_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("occupations", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
