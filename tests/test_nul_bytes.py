"""A NUL byte in a path or query string is refused with a 400 (config/nul_bytes.py), not a 500
from PostgreSQL. Through daphne: tests/e2e/test_server_edges.py."""

import pytest

from tests.accounts.factories import UserFactory

API_CASES = [
    ("get", "/api/v1/rooms/?q=%00", "query"),
    ("get", "/api/v1/rooms/?%00=1", "query"),
    ("get", "/api/v1/rooms/%00/", "path"),
    ("get", "/api/v1/users/%00/", "path"),
    ("post", "/api/v1/users/%00/follow/", "path"),
    ("get", "/api/v1/guilds/?q=a%00b", "query"),
]
SITE_CASES = ["/r/%00/", "/rooms/?q=%00", "/i/ab%00cd/", "/accounts/login/?next=%00"]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "where"), API_CASES)
def test_the_api_refuses_a_nul_byte_in_the_error_shape(client, method, url, where):
    client.force_login(UserFactory())
    response = getattr(client, method)(url)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid", "message": "A request's path and query string may not contain NUL bytes.", "extra": {"where": where},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", SITE_CASES)
def test_the_website_refuses_a_nul_byte_with_a_plain_400(client, url):
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_other_requests_pass(client):
    client.force_login(UserFactory())
    assert client.get("/api/v1/rooms/?q=%01").status_code == 200
