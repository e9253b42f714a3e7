"""plugins/headline_page_cache.py: a shared headline link is rendered once, then sent from memory,
and nothing else is ever kept.

Each test puts the plugin's ASGI wrapper in front of a stand-in for Datasette that counts how often
it is asked for a page and answers with whatever the test says.
"""
import asyncio
import importlib.util

import pytest
from datasette.app import Datasette

from site_fixtures import ROOT, headline_queries, serve_settings, site_client, site_metadata  # noqa: F401

spec = importlib.util.spec_from_file_location("headline_page_cache", ROOT / "plugins" / "headline_page_cache.py")
headline_page_cache = importlib.util.module_from_spec(spec)
spec.loader.exec_module(headline_page_cache)

HEADLINE = next(iter(headline_queries()))
PAGE = b"<html><body>the figure</body></html>"


class StandIn:
    """An ASGI app answering every request with `status`, `headers` and `body`, counting requests."""

    def __init__(self, status=200, headers=(), body=PAGE):
        self.status, self.headers, self.body, self.requests = status, list(headers), body, 0

    async def __call__(self, scope, receive, send):
        self.requests += 1
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"), *self.headers]})
        await send({"type": "http.response.body", "body": self.body})


def datasette(db_path, immutable=True):
    databases = {"immutables": [str(db_path)]} if immutable else {"files": [str(db_path)]}
    return Datasette(**databases, metadata=site_metadata(),
                     settings=serve_settings())


def get(app, path, query_string=b"", method="GET", headers=((b"host", b"example.org"),)):
    """One request through `app`: (status, headers, body)."""
    scope = {"type": "http", "method": method, "path": path, "query_string": query_string,
             "scheme": "http", "headers": list(headers)}
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    return messages[0]["status"], dict(messages[0]["headers"]), b"".join(m.get("body", b"") for m in messages[1:])


def wrapped(stand_in, ds):
    return headline_page_cache.wrap(stand_in, ds)


def test_a_headline_page_is_rendered_once_then_sent_from_memory(sample_db):
    stand_in = StandIn()
    app = wrapped(stand_in, datasette(sample_db))
    first, second = get(app, f"/cautions/{HEADLINE}"), get(app, f"/cautions/{HEADLINE}")
    assert first == second and first[2] == PAGE
    assert stand_in.requests == 1


@pytest.mark.parametrize("kind", [".json", ".csv"])
def test_a_headline_figures_json_and_csv_are_kept_as_its_page_is(sample_db, kind):
    stand_in = StandIn()
    app = wrapped(stand_in, datasette(sample_db))
    first, second = get(app, f"/cautions/{HEADLINE}{kind}"), get(app, f"/cautions/{HEADLINE}{kind}")
    assert first == second and stand_in.requests == 1
    get(app, f"/cautions/{HEADLINE}{kind}", query_string=b"_shape=array")  # another answer: asked afresh
    assert stand_in.requests == 2


def test_every_host_gets_the_one_copy_because_nothing_on_the_page_comes_from_the_host(sample_db):
    """The key is the path alone (plugins/site_url.py keeps the Host out of every page), so
    made-up Hosts neither get pages of their own nor push the real one out."""
    stand_in = StandIn()
    app = wrapped(stand_in, datasette(sample_db))
    for i in range(headline_page_cache.MAX_PAGES + 10):
        get(app, f"/cautions/{HEADLINE}", headers=[(b"host", f"junk-{i}.example".encode())])
    get(app, f"/cautions/{HEADLINE}", headers=[(b"host", b"127.0.0.1:8001")])
    assert stand_in.requests == 1


@pytest.mark.parametrize("why,request_kwargs", [
    ("a query string", {"query_string": b"_hide_sql=1"}),
    ("a visitor with a cookie", {"headers": [(b"host", b"example.org"), (b"cookie", b"ds_actor=x")]}),
    ("a HEAD request", {"method": "HEAD"}),
])
def test_a_request_that_is_not_a_plain_link_is_always_answered_afresh(sample_db, why, request_kwargs):
    stand_in = StandIn()
    app = wrapped(stand_in, datasette(sample_db))
    for _ in range(2):
        get(app, f"/cautions/{HEADLINE}", **request_kwargs)
    assert stand_in.requests == 2, why


@pytest.mark.parametrize("path", ["/cautions/cautions", "/cautions/search_cautions", "/cautions", "/"])
def test_pages_other_than_the_headline_queries_are_never_kept(sample_db, path):
    stand_in = StandIn()
    app = wrapped(stand_in, datasette(sample_db))
    for _ in range(2):
        get(app, path)
    assert stand_in.requests == 2


@pytest.mark.parametrize("why,stand_in", [
    ("an error status", StandIn(status=500)),
    ("a page with an error message (a chart stopped by the time limit)",
     StandIn(body=b'<p class="message-error">interrupted</p>')),
    ("a response setting a cookie", StandIn(headers=[(b"set-cookie", b"ds_messages=x")])),
])
def test_a_response_that_may_differ_next_time_is_not_kept(sample_db, why, stand_in):
    app = wrapped(stand_in, datasette(sample_db))
    for _ in range(2):
        get(app, f"/cautions/{HEADLINE}")
    assert stand_in.requests == 2, why


def test_nothing_is_kept_for_a_database_that_can_change(sample_db, tmp_path):
    import shutil
    copy = tmp_path / "cautions.db"
    shutil.copy(sample_db, copy)
    stand_in = StandIn()
    app = wrapped(stand_in, datasette(copy, immutable=False))
    for _ in range(2):
        get(app, f"/cautions/{HEADLINE}")
    assert stand_in.requests == 2


@pytest.mark.asyncio
async def test_the_real_headline_page_is_the_same_from_memory(site_client):
    """Through the whole site: the second response is byte for byte the first."""
    first = await site_client.get(f"/cautions/{HEADLINE}")
    second = await site_client.get(f"/cautions/{HEADLINE}")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and b"figure-number" in second.content
