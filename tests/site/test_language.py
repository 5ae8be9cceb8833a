"""Each language on its own: Chinese pages name authorities and groups in Chinese without an
English gloss, English pages in English; time left reads naturally; the admin's third-party
parts speak Chinese too."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tests.factories import (
    AuthorityFactory,
    BatchFactory,
    GroupFactory,
    OccupationFactory,
    UserFactory,
)
from tests.site.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(db):
    batch = BatchFactory(slug="fourth", title="第四批新职业")
    batch.authorities.add(
        AuthorityFactory(
            name="Ministry of Human Resources and Social Security", name_zh="人力资源社会保障部"
        ),
        AuthorityFactory(name="Some Body Without A Chinese Name", name_zh=""),
    )
    OccupationFactory(batch=batch, name="碳排放管理员", code="4-09-07-04", group=GroupFactory())
    return batch


def page(language: str, path: str) -> str:
    return Client(HTTP_ACCEPT_LANGUAGE=language).get(path).content.decode()


def test_chinese_pages_name_authorities_in_chinese(batch):
    html = page("zh-hans", "/batches/fourth/")
    assert "人力资源社会保障部" in html
    assert "Ministry of Human Resources" not in html
    assert "Some Body Without A Chinese Name" in html  # no Chinese name: the one it has
    assert "Ministry of Human Resources and Social Security" in page("en", "/batches/fourth/")


def test_groups_are_named_in_the_language_of_the_page_without_a_gloss(batch):
    occupation = batch.occupations.get()
    chinese = page("zh-hans", f"/occupations/{occupation.pk}/")
    assert "2 专业技术人员" in chinese and "Professional and technical personnel" not in chinese
    english = page("en", f"/occupations/{occupation.pk}/")
    assert "2 Professional and technical personnel" in english and "专业技术人员" not in english
    assert "2 专业技术人员</option>" in page("zh-hans", "/occupations/")


def test_time_left_reads_naturally_in_chinese(db):
    world = build_world()
    with time_machine.travel(world.open.closes_at - dt.timedelta(days=29, hours=3), tick=False):
        chinese = page("zh-hans", f"/consultations/{world.open.slug}/")
        english = page("en", "/")
    assert "还剩 <strong>29 天</strong>" in chinese
    assert "周" not in chinese.split("还剩", 1)[1][:40]
    assert "<strong>29 days</strong> left" in english


def test_the_admin_index_names_third_party_parts_in_chinese(db, client):
    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for english in (
        "Tasks Database Backend",
        "TOTP devices",
        "Static devices",
        "Access attempts",
        "Task Results",
        "Model name",
        "Change or view list link",
    ):
        assert english not in html
    assert "任务队列" in html and "验证器应用" in html and "登录尝试" in html
