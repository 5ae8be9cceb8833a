"""Load for the benchmarks, run by ``bench`` as a separate headless locust process (never
imported by Django). Pick one user class per run on the command line.

Settings come from the environment:
- ``BENCH_CONSULTATION``: slug of the consultation open for comments (CommentUser);
- ``BENCH_API_PAGES``: how many 100-item pages the API users spread over (default 1);
- ``BENCH_SEED``: seeds each user's random choices;
- ``BENCH_MEASURE_SECONDS``: how long the measured part lasts, counted from the moment every
  user has fetched its page (the start line below).

Each user fetches its page first (the CSRF cookie and token, the draft list) and then only
posts, so that the POST statistics are the intake alone. A POST counts as a success only if it
ends as the product says a stored comment ends: a redirect to the receipt.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Iterator
from urllib.parse import urlencode

import gevent.event
from locust import FastHttpUser, task

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OCCUPATION_SELECT = re.compile(r'<select[^>]*name="occupation".*?</select>', re.S)
OPTION_VALUE = re.compile(r'<option value="(\d+)"')
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
SEED = int(os.environ.get("BENCH_SEED", "42"))
# Each user encodes this many form bodies before the start line and posts them in turn: the
# load process shares the server's two cores, and encoding a form on every request took CPU
# from the server under test.
PREPARED_BODIES = 500

BODIES = [
    "建议将该职业的定义补充具体的工作对象和工作场所。我单位有{n}名相关从业人员。",
    "主要工作任务第{n}项与现有职业交叉，建议合并表述。",
    "We employ about {n} people in this role and support adding it to the classification.",
    "Task wording should name the equipment; our {n} technicians use several kinds.",
]
FIELDS = ["", "name", "definition", "job_types", "markers"]


def _csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


class _StartLine:
    """Users that fetch a page before their measured requests wait here until every user has
    fetched it: otherwise the first measured requests queue behind other users' page loads,
    and the run measures a mix of both."""

    def __init__(self) -> None:
        self.arrived = 0
        self.everyone = gevent.event.Event()

    def wait(self, user: FastHttpUser) -> None:
        self.arrived += 1
        if self.arrived >= user.environment.runner.target_user_count:
            self.everyone.set()
            # The measured run lasts BENCH_MEASURE_SECONDS from here (locust's -t only caps
            # the whole run, page loads included).
            seconds = float(os.environ.get("BENCH_MEASURE_SECONDS", "0"))
            if seconds > 0:
                gevent.spawn_later(seconds, user.environment.runner.quit)
        self.everyone.wait(timeout=300)


START_LINE = _StartLine()


class _Base(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.random = random.Random(f"{SEED}-{id(self)}")


class CommentUser(_Base):
    """Posts valid comments to the open consultation's form."""

    def on_start(self) -> None:
        super().on_start()
        slug = os.environ["BENCH_CONSULTATION"]
        self.action = f"/consultations/{slug}/comment/"
        page = self.client.get(f"/consultations/{slug}/", name="comment page (GET)")
        html = page.text or ""
        self.token = _csrf_token(html)
        select = OCCUPATION_SELECT.search(html)
        self.occupations = OPTION_VALUE.findall(select.group(0)) if select else []
        self.bodies = self._bodies()
        START_LINE.wait(self)

    @task
    def post_comment(self) -> None:
        with self.client.post(
            self.action,
            data=next(self.bodies),
            headers=FORM_HEADERS,
            name="comment (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code == 302 and "/comments/" in location:
                response.success()
            else:
                response.failure(f"{response.status_code} {location}")

    def _bodies(self) -> Iterator[str]:
        rng = self.random
        forms = []
        for _ in range(PREPARED_BODIES):
            occupation = (
                rng.choice(self.occupations) if self.occupations and rng.random() < 0.8 else ""
            )
            form = {
                "csrfmiddlewaretoken": self.token,
                "occupation": occupation,
                "field": rng.choice(FIELDS) if occupation else "",
                "body": rng.choice(BODIES).format(n=rng.randint(1, 99_999)),
                "proposed_text": "",
                "name": "Respondent" if rng.random() < 0.6 else "",
                "organisation": "Vocational training centre" if rng.random() < 0.4 else "",
                "email": "",
                "consent_to_publish": "on" if rng.random() < 0.7 else "",
            }
            forms.append(urlencode(form))
        return itertools.cycle(forms)


class BaselineInsertUser(_Base):
    """Posts to the bare view that inserts one row (same token dance, same redirect)."""

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get("/bench-baseline/form/", name="baseline page (GET)")
        self.token = _csrf_token(page.text or "")
        rng = self.random
        self.bodies = itertools.cycle(
            [
                urlencode(
                    {
                        "csrfmiddlewaretoken": self.token,
                        "body": rng.choice(BODIES).format(n=rng.randint(1, 99_999)),
                    }
                )
                for _ in range(PREPARED_BODIES)
            ]
        )
        START_LINE.wait(self)

    @task
    def post_row(self) -> None:
        with self.client.post(
            "/bench-baseline/insert/",
            data=next(self.bodies),
            headers=FORM_HEADERS,
            name="baseline insert (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(str(response.status_code))


class _Pages(_Base):
    """Picks 100-item pages. No task here: locust gives a user class every task of its base
    classes as well as its own, so a task defined here would run in the revalidating user
    too (half its requests would be full pages under the 304 label)."""

    abstract = True
    path = ""
    label = ""

    def page(self) -> str:
        pages = int(os.environ.get("BENCH_API_PAGES", "1"))
        return f"{self.path}?page_size=100&page={self.random.randint(1, max(pages, 1))}"


class _PageReader(_Pages):
    abstract = True

    def on_start(self) -> None:
        super().on_start()
        START_LINE.wait(self)

    @task
    def get_page(self) -> None:
        with self.client.get(self.page(), name=self.label, catch_response=True) as response:
            if response.status_code == 200 and b'"results"' in (response.content or b""):
                response.success()
            else:
                response.failure(str(response.status_code))


class ApiListUser(_PageReader):
    """GETs 100-item pages of the published-occupation list."""

    path = "/api/v1/occupations/"
    label = "api list (GET)"


class BaselineListUser(_PageReader):
    """GETs the same pages from a plain DRF ListAPIView."""

    path = "/bench-baseline/occupations/"
    label = "baseline list (GET)"


class ApiNotModifiedUser(_Pages):
    """Revalidates 100-item pages it already holds: If-None-Match, expecting 304."""

    path = "/api/v1/occupations/"
    label = "api list 304 (GET)"

    def on_start(self) -> None:
        super().on_start()
        # One page per user, fetched once in full: the run then measures revalidation alone.
        self.url = self.page()
        response = self.client.get(self.url, name="api list (first GET)")
        self.etag = response.headers.get("ETag") if response.headers else None
        if not self.etag:
            raise RuntimeError("the API list sent no ETag")
        START_LINE.wait(self)

    @task
    def revalidate(self) -> None:
        with self.client.get(
            self.url,
            headers={"If-None-Match": self.etag},
            name=self.label,
            catch_response=True,
        ) as response:
            if response.status_code == 304:
                response.success()
            else:
                response.failure(str(response.status_code))
