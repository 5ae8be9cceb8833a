"""The release downloads benchmark: issue a release of the whole generated registry, build its
downloads as the worker does, then read every occupation twice, in process with the test
client: once as the release's full JSON download, once by paging the API at 100 per page.
Each read includes parsing the JSON, as a client would."""

from __future__ import annotations

import json
import time

from bench.benchmarks import Result
from bench.harness import Scale

API_PAGE_SIZE = 100


def _fetch(client, url: str, **params) -> object:
    response = client.get(url, params)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(body)


def downloads(scale: Scale) -> Result:
    from django.test import Client

    from occupations import downloads as release_downloads
    from occupations.models import Occupation
    from occupations.workflow import issue_release

    result = Result("downloads")
    occupations = Occupation.objects.count()

    started = time.perf_counter()
    release = issue_release(by=None, note="Benchmark: the generated registry.")
    issue_seconds = time.perf_counter() - started

    started = time.perf_counter()
    outcome = release_downloads.build(release.pk)
    build_seconds = time.perf_counter() - started
    release.refresh_from_db()
    sizes = {file["name"]: file["size"] for file in release.downloads}

    client = Client()
    started = time.perf_counter()
    document = _fetch(client, f"/downloads/{release.version}/registry.json")
    json_seconds = time.perf_counter() - started
    json_records = len(document["occupations"])

    started = time.perf_counter()
    paged, page = 0, 1
    while True:
        body = _fetch(
            client, "/api/v1/occupations/", release=release.version, page=page,
            page_size=API_PAGE_SIZE,
        )  # fmt: skip
        paged += len(body["results"])
        if not body["next"]:
            break
        page += 1
    api_seconds = time.perf_counter() - started

    per_json = json_seconds / json_records if json_records else float("nan")
    per_api = api_seconds / paged if paged else float("nan")
    ratio = per_api / per_json if per_json else float("nan")
    result.add("occupations in the release", json_records, target=f"= {occupations:,}",
               met=json_records == occupations == paged)  # fmt: skip
    result.add("issue the release (snapshot and change list)", round(issue_seconds, 2), "s")
    result.add("build the downloads", round(build_seconds, 2), "s",
               target="≤ 10 s at 20,000 occupations", met=build_seconds <= 10)  # fmt: skip
    result.add("full JSON: fetch and parse", round(json_seconds, 3), "s")
    result.add(f"API at {API_PAGE_SIZE}/page: fetch and parse every page", round(api_seconds, 2),
               "s")  # fmt: skip
    result.add("per record, full JSON", round(per_json * 1e6, 1), "µs")
    result.add(f"per record, API at {API_PAGE_SIZE}/page", round(per_api * 1e6, 1), "µs")
    result.add("full JSON faster per record", round(ratio, 1), "×", target="≥ 100×",
               met=ratio >= 100)  # fmt: skip
    result.details = {
        "scale": scale.name,
        "version": release.version,
        "build_outcome": outcome,
        "issue_seconds": issue_seconds,
        "build_seconds": build_seconds,
        "json_seconds": json_seconds,
        "api_seconds": api_seconds,
        "api_pages": page,
        "api_records": paged,
        "json_records": json_records,
        "file_sizes": sizes,
    }
    return result
