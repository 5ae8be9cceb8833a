"""The cell spec in SQL: which querysets ``COPY`` can export, and which columns it refuses.
That its cells equal the Python path's is shown by the admin's exports (tests/admin)."""

import pytest
from django.db import connection

from consult.models import Comment
from core.exports.sql import can_copy, sql_cell
from occupations.models import Occupation

pytestmark = pytest.mark.django_db


def test_copy_is_not_used_with_distinct():
    """Django adds the ordering columns to a DISTINCT select list: they would be exported."""
    assert not can_copy(Comment.objects.distinct())
    assert can_copy(Occupation.objects.all()) is (connection.vendor == "postgresql")


def test_a_column_without_a_format_in_sql_is_refused():
    with pytest.raises(TypeError, match="file"):
        sql_cell(Comment, "attachments__file", tzname="Asia/Shanghai")
