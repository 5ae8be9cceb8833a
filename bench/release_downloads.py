"""The release downloads benchmark: issue a release of the whole generated registry, build its
downloads as the worker does, then fetch every occupation, in process with the test client:
once as the release's full JSON download, once by paging the API at 100 per page (the live
registry, and the same release with ``?release=``). A fetch is the whole body received; the
time to parse the full JSON is reported beside it."""

from __future__ import annotations

import json
import time

from bench.benchmarks import Result
from bench.harness import Scale

API_PAGE_SIZE = 100


def _body(client, url: str, **params) -> bytes:
    response = client.get(url, params)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return b"".join(response.streaming_content) if response.streaming else response.content


def _page_through(client, **params) -> tuple[float, int, int]:
    """Seconds to fetch every page of occupations, records and pages fetched."""
    started = time.perf_counter()
    records, page, bodies = 0, 1, []
    while True:
        body = _body(client, "/api/v1/occupations/", page=page, page_size=API_PAGE_SIZE, **params)
        bodies.append(body)
        if b'"next":null' in body:
            break
        page += 1
    seconds = time.perf_counter() - started
    for body in bodies:
        records += len(json.loads(body)["results"])
    return seconds, records, page


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
    raw = _body(client, f"/downloads/{release.version}/registry.json")
    json_seconds = time.perf_counter() - started
    started = time.perf_counter()
    json_records = len(json.loads(raw)["occupations"])
    parse_seconds = time.perf_counter() - started

    api_seconds, api_records, pages = _page_through(client)
    release_seconds, release_records, _ = _page_through(client, release=release.version)

    per_json = json_seconds / json_records
    per_api = api_seconds / api_records
    per_release = release_seconds / release_records
    ratio = per_api / per_json
    counted = json_records == occupations == api_records == release_records
    result.add("occupations in the release", json_records, target=f"= {occupations:,}",
               met=counted)  # fmt: skip
    result.add("issue the release (snapshot and change list)", round(issue_seconds, 2), "s")
    result.add("build the downloads", round(build_seconds, 2), "s",
               target="≤ 10 s at 20,000 occupations", met=build_seconds <= 10)  # fmt: skip
    result.add("fetch the full JSON", round(json_seconds, 3), "s")
    result.add("parse the full JSON", round(parse_seconds, 3), "s")
    result.add(f"fetch every API page at {API_PAGE_SIZE}/page", round(api_seconds, 2), "s")
    result.add(f"fetch every API page at {API_PAGE_SIZE}/page with ?release=",
               round(release_seconds, 2), "s")  # fmt: skip
    result.add("per record, full JSON", round(per_json * 1e6, 2), "µs")
    result.add(f"per record, API at {API_PAGE_SIZE}/page", round(per_api * 1e6, 1), "µs")
    result.add(f"per record, API at {API_PAGE_SIZE}/page with ?release=",
               round(per_release * 1e6, 1), "µs")  # fmt: skip
    result.add("full JSON faster per record than the API", round(ratio, 1), "×",
               target="≥ 100×", met=ratio >= 100)  # fmt: skip
    result.add("full JSON faster per record than ?release= pages",
               round(per_release / per_json, 1), "×")  # fmt: skip
    result.details = {
        "scale": scale.name,
        "version": release.version,
        "build_outcome": outcome,
        "issue_seconds": issue_seconds,
        "build_seconds": build_seconds,
        "json_fetch_seconds": json_seconds,
        "json_parse_seconds": parse_seconds,
        "api_seconds": api_seconds,
        "api_release_seconds": release_seconds,
        "api_pages": pages,
        "records": {"json": json_records, "api": api_records, "api_release": release_records},
        "file_sizes": sizes,
    }
    return result
