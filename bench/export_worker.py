"""Runs the admin's comment CSV export to the end in this process and prints one JSON line:
rows, seconds, bytes, and the process's resident memory before and at its peak.

    python -m bench.export_worker --username bench-admin

Started by ``bench.benchmarks.export`` with the bench database in the environment, so that the
peak RSS is the export's alone (Django loaded, logged in, every row streamed and dropped).
The request goes through the admin view (``admin:consult_comment_export``, format csv) with
Django's test client, without filters: every comment.
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--username", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.username))
    url = reverse("admin:consult_comment_export", kwargs={"fmt": "csv"})
    start_rss = _status_kb("VmRSS")
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200 or not response.streaming:
        raise SystemExit(f"{url} answered {response.status_code} (streaming={response.streaming})")
    lines = 0
    size = 0
    for chunk in response.streaming_content:
        # One line per record (CRLF from Python's csv, LF from PostgreSQL's COPY): the bench
        # data has no line breaks inside values, and the count is checked against the table.
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    # ru_maxrss is in kilobytes on Linux; VmHWM is the same high-water mark from /proc.
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, _status_kb("VmHWM"))
    print(
        json.dumps(
            {
                "url": url,
                "rows": lines - 1,  # the header is not a comment
                "seconds": seconds,
                "bytes": size,
                "start_rss_kb": start_rss,
                "peak_rss_kb": peak,
            }
        )
    )


if __name__ == "__main__":
    main()
