import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_chromium_renders_the_admin_login_page(live_server, page_for):
    """The browser stack works end to end: Chromium loads a page served by live_server."""
    page = page_for("en")
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("input[name=auth-username]").is_visible()
