"""The report's PDF builder fetches nothing but ``data:`` URLs and the project's static files:
a reference to another address or to a file on the server is never requested, whether it
comes in a comment or in the HTML itself (as if escaping had failed)."""

from __future__ import annotations

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from consult.reporting import pdf
from consult.workflow.moderation import moderate_comments
from tests.factories import CommentFactory, UserFactory
from tests.site.world import build_world

# A 1×1 PNG.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


@pytest.fixture
def server():
    """A local HTTP server that records the paths requested of it; stopped after the test."""
    requested: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            body = b"body::after { content: 'FETCHED-OVER-HTTP' }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requested
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.fixture
def local_css(tmp_path) -> Path:
    path = tmp_path / "leak.css"
    path.write_text("body::after { content: 'READ-FROM-DISK' }")
    return path


def hostile_html(base: str, local_css: Path) -> str:
    return f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="{base}/remote.css">
<link rel="stylesheet" href="file://{local_css}">
</head><body><p>Report</p>
<img src="{base}/pixel.png"><img src="file:///etc/passwd">
<img src="data:image/png;base64,{PIXEL}">
</body></html>"""


def text_of(document: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def test_the_default_fetcher_would_fetch_both(server, local_css):
    """The check below can see a fetch: WeasyPrint's own fetcher makes both."""
    base, requested = server
    document = HTML(string=hostile_html(base, local_css), url_fetcher=URLFetcher()).write_pdf()
    assert {"/remote.css", "/pixel.png"} <= set(requested)
    assert "READ-FROM-DISK" in text_of(document)


def test_the_report_fetcher_fetches_neither_http_nor_files(server, local_css):
    base, requested = server
    document = pdf.html_to_pdf(hostile_html(base, local_css), base_url=f"{base}/report/")
    assert requested == []
    text = text_of(document)
    assert "Report" in text
    assert "FETCHED-OVER-HTTP" not in text and "READ-FROM-DISK" not in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "http://testserver/static/../../etc/passwd",
        "http://testserver/static/css/%2e%2e/%2e%2e/pyproject.toml",
        "ftp://example.org/x",
    ],
)
def test_the_report_fetcher_refuses(url):
    with pytest.raises(ValueError, match="Only static files"):
        pdf.report_fetcher().fetch(url)


def test_the_report_fetcher_reads_static_files_from_disk_and_data_urls():
    fetcher = pdf.report_fetcher()
    static = fetcher.fetch("http://testserver/static/css/site.css")
    assert static.read() == Path("static/css/site.css").read_bytes()
    assert fetcher.fetch(f"data:image/png;base64,{PIXEL}").read() == base64.b64decode(PIXEL)


@pytest.mark.django_db
def test_references_in_a_comment_are_not_fetched(server):
    base, requested = server
    world = build_world()
    body = f'<img src="{base}/comment.png"> <link rel=stylesheet href="file:///etc/passwd">'
    late = CommentFactory(consultation=world.closed, body=body)
    moderate_comments([late], by=UserFactory(roles=["Moderators"]), action="publish")

    document = pdf.render_pdf(world.closed, language="en", page_url=f"{base}/report/")

    assert requested == []
    assert f"{base}/comment.png" in text_of(document).replace("\n", "")
