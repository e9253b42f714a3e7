"""The site's plugins as one package (plugins/__init__.py), and the order its request wrappers
run in (plugins/wrappers.py): written in one list, asserted here, and seen in what readers get.
Every connection a plugin opens goes through the site's SQLite limits (throwaway_connection.py).
"""
import asyncio
import inspect
import re
import sqlite3

import pytest
from datasette.plugins import pm
from datasette.utils.asgi import Request
from datasette.views.base import DatasetteError

import plugins
from plugins import sqlite_limits, throwaway_connection, wrappers
from site_fixtures import headline_queries, site_client  # noqa: F401 (a fixture)

HEADLINE = next(iter(headline_queries()))

# The order a request meets them, outermost first; plugins/wrappers.py says why each is where it is.
ORDER = [
    "compression",          # gzips everything below, refusals and cached pages included
    "stopping",             # cancels whatever is below when the reader leaves or on SIGTERM
    "security_headers",     # headers every response below carries, refusals included
    "download_headers",     # Cache-Control (no-store on a refusal), CSV as text/csv
    "read_only",            # the cheapest refusals first
    "hidden_debug_pages",
    "request_limits",       # the address checked before anything below reads it
    "headline_page_cache",  # no SQL, so above admission; checked and given headers like any page
    "exports",              # a whole file holds no SQL slot
    "admission",            # visitors' SQL counted from here down
    "search_by_column",     # the query string rewritten for Datasette, once checked and admitted
    "forgiving_search",
    "response_limits",      # Datasette's answer measured whole
    "site_url",             # Datasette's own Link header corrected
    "body_batching",        # innermost: a stream's rows gathered before anything above sees them
]


def job_modules():
    return {module.__name__.split(".")[-1]: module for module in plugins.job_modules()}


def test_the_wrappers_run_in_the_order_written_down():
    assert [module.__name__.split(".")[-1] for module in wrappers.WRAPPERS] == ORDER


def test_a_request_meets_the_wrappers_in_that_order(monkeypatch):
    """The composed app really calls them in the list's order: each wrapper, replaced by one that
    notes its name and passes the request on, is met outermost first, then the site itself."""
    met = []

    def noting(name):
        def wrap(app, datasette):
            async def noted(scope, receive, send):
                met.append(name)
                await app(scope, receive, send)
            return noted
        return wrap

    for module in wrappers.WRAPPERS:
        monkeypatch.setattr(module, "wrap", noting(module.__name__.split(".")[-1]))

    async def site(scope, receive, send):
        met.append("the site")

    app = wrappers.asgi_wrapper(datasette=None)(site)
    asyncio.run(app({"type": "http"}, None, None))
    assert met == ORDER + ["the site"]


def test_no_module_wraps_requests_outside_the_list():
    """A module of plugins/ that implements asgi_wrapper itself would run in whatever order the
    plugin manager gives: a wrapper is a plain wrap(app, datasette), placed in wrappers.WRAPPERS."""
    modules = job_modules()
    for name, module in modules.items():
        if name != "wrappers":
            assert pm.parse_hookimpl_opts(module, "asgi_wrapper") is None, \
                f"plugins/{name}.py implements asgi_wrapper: make it wrap(app, datasette) and add it to " \
                f"plugins/wrappers.py's WRAPPERS where it belongs"
    defines_wrap = {name for name, module in modules.items()
                    if inspect.isfunction(getattr(module, "wrap", None)) and module.wrap.__module__ == module.__name__}
    assert defines_wrap == set(ORDER), "a wrap(app, datasette) not in plugins/wrappers.py's WRAPPERS never runs"
    from_the_site = [impl.plugin_name for impl in pm.hook.asgi_wrapper.get_hookimpls()
                     if impl.plugin_name.startswith("plugins")]
    assert from_the_site == ["plugins.wrappers"]


@pytest.mark.asyncio
async def test_the_plugins_page_lists_the_package_then_each_job(site_client):
    """/-/plugins.json: the project (name and version from pyproject.toml) and each of its modules
    that implements a hook, by module name; none is registered twice or left out."""
    listed = {p["name"]: p for p in (await site_client.get("/-/plugins.json")).json()}
    assert listed["thames-valley-cautions"]["version"]
    with_hooks = {f"plugins.{name}" for name, module in job_modules().items() if plugins.implements_a_hook(module)}
    assert with_hooks <= set(listed)
    assert {name for name in listed if name.startswith("plugins.")} == with_hooks
    assert listed["plugins.wrappers"]["hooks"] == ["asgi_wrapper"]
    assert {"plugins.compression", "plugins.server_settings"}.isdisjoint(listed)  # no hook: nothing to register


@pytest.mark.asyncio
async def test_a_refusal_carries_the_headers_of_every_wrapper_above_it(site_client):
    """A POST, refused by read_only (405), still says nosniff (security_headers), is never cached
    (download_headers: no-store) and varies by Accept-Encoding (compression): it is refused below
    all three. (When read_only sat above them, the refusal carried none of these.)"""
    response = await site_client.post("/cautions/cautions", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 405
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "accept-encoding" in response.headers["vary"].lower()


@pytest.mark.asyncio
async def test_a_page_from_the_cache_gets_the_same_headers_and_gzip_as_a_new_one(site_client):
    """A headline page is kept after its first reader (headline_page_cache); the copy sent again is
    kept below the headers and compression, so it gets them as the first did: the same policy,
    the same caching, gzip for a reader who asks, and the plain page for one who does not."""
    path = f"/cautions/{HEADLINE}"
    first, again = [await site_client.get(path, headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
    plain = await site_client.get(path, headers={"Accept-Encoding": "identity"})
    for response in (first, again, plain):
        assert response.status_code == 200
        assert "frame-ancestors *" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == first.headers["cache-control"]
    assert first.headers["content-encoding"] == again.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert again.content == first.content == plain.content


# ---- every connection through the same limits ---------------------------------------------------

def test_a_throwaway_connection_has_the_sites_sqlite_limits(site_client):
    """The connection the home page and each page's releases ask their questions on (the tables a
    query reads, a visitor's ?sql= included) is set up like Datasette's own: the site's limits on it."""
    datasette = site_client.ds
    with throwaway_connection.connection(datasette, "cautions", datasette.databases["cautions"]) as conn:
        assert {limit: conn.getlimit(limit) for limit in sqlite_limits.LIMITS} == sqlite_limits.LIMITS
        with pytest.raises(sqlite3.DatabaseError, match="prohibited"):  # sqlite_limits.REFUSED_TABLES
            conn.execute("select * from dbstat")
    tables = throwaway_connection.tables_read(datasette, "cautions", datasette.databases["cautions"],
                                              {"q": "select count(*) from cautions"})
    assert tables == {"q": {"cautions"}}


def test_no_plugin_opens_a_connection_of_its_own():
    """Only throwaway_connection.py opens a database connection; sqlite_limits.py's in-memory one
    (printf's own evaluator, which the limits wrap) reads no data."""
    opening = re.compile(r"\b(?:sqlite3\.connect|db\.connect|\.connect)\(")
    found = {name for name, module in job_modules().items() if opening.search(inspect.getsource(module))}
    assert found == {"throwaway_connection", "sqlite_limits"}


# ---- the other hooks whose order matters ---------------------------------------------------------

@pytest.mark.asyncio
async def test_the_sites_error_page_answers_before_datasettes_own(site_client):
    """Datasette sends the first exception handler's answer, and its own handler is trylast: the
    site's page (error_pages.py) is the first answer; and request_limits.py's correction (a sort
    by something that is not a column is the visitor's mistake: 400, not 500) is tryfirst, so
    that page says 400."""
    await site_client.ds.invoke_startup()
    request = Request.fake("/cautions/cautions?_sort=nope")
    request.scope["csrftoken"] = lambda: "token"  # as Datasette's own middleware gives every request
    exception = DatasetteError("Cannot sort table by nope", status=500)
    answers = pm.hook.handle_exception(datasette=site_client.ds, request=request, exception=exception)
    assert answers[0].__module__ == "plugins.error_pages"
    page = await answers[0]()
    assert page.status == 400 and "Cannot sort table by nope" in page.body
