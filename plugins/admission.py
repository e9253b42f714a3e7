"""Reading pages never wait for visitors' SQL: two pools of SQL threads, and admission control.

Datasette runs every query on one pool of num_sql_threads threads, so 50 visitors' queries that
each run into the time limit (1.5 s) queued every other page behind them for up to 39 s. And an
interrupted query's cursor was freed on the event loop, where SQLite's reset of it waited for
the connection, busy with the next query on its thread: the event loop itself stopped, 9 to 28 s,
static files and cached pages included. So:

- Two pools (SqlThreads, installed as Datasette's executor). Visitors' SQL (VISITOR_SQL: a `sql=`
  query, a table, view or row page, a canned query given parameters) runs on num_sql_threads
  threads of its own; everything else the site asks SQLite (a figure, its chart, the database
  page) on SITE_THREADS others, which no visitor's query can occupy. Which pool a query goes to
  is decided by the request that made it (a context variable the request carries).
- Every function run on either pool drops, on its own thread, what an exception it raises still
  holds (the frames of its traceback, the cursor among their locals): the cursor is finalised
  on the SQL thread that used it, never on the event loop.
- Admission control of visitors' SQL: at most PER_CLIENT such requests in flight (running or
  waiting for a thread) from one client address, and OVERALL from everyone; beyond that the
  answer is at once 429 (that client) or 503 (everyone), with Retry-After, never a long wait.
  A request admitted waits for at most OVERALL / num_sql_threads queries ahead of it.
  Behind a proxy every visitor has the proxy's address: set PER_CLIENT to OVERALL there, or
  put the limit in the proxy.

The home page, static files, link-preview cards and the cached figure pages ask no SQL at all
(home_page_vars.py reads at startup; headline_page_cache.py keeps the pages).
"""
import concurrent.futures
import contextvars
import traceback
import urllib.parse

from datasette.utils import tilde_decode

PER_CLIENT = 8       # the serve benchmark's eight connections fit; 50 at once do not
OVERALL = 16
SITE_THREADS = 2
RETRY_AFTER_SECONDS = 2
VISITOR_SQL = contextvars.ContextVar("visitor_sql", default=False)


def forget_frames(error, seen=None):
    """Clear the local variables of every finished frame an exception (and those it holds) keeps."""
    seen = seen if seen is not None else set()
    if not isinstance(error, BaseException) or id(error) in seen:
        return
    seen.add(id(error))
    traceback.clear_frames(error.__traceback__)
    for held in (error.__cause__, error.__context__, *error.args):
        forget_frames(held, seen)


def finalised(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except BaseException as error:
        forget_frames(error)
        raise


class SqlThreads(concurrent.futures.Executor):
    """Datasette's executor: visitors' SQL on one pool, the site's own on another."""

    def __init__(self, visitor_threads, site_threads=SITE_THREADS):
        self.visitor = concurrent.futures.ThreadPoolExecutor(visitor_threads, thread_name_prefix="sql-visitor")
        self.site = concurrent.futures.ThreadPoolExecutor(site_threads, thread_name_prefix="sql-site")

    def submit(self, fn, /, *args, **kwargs):
        pool = self.visitor if VISITOR_SQL.get() else self.site
        return pool.submit(finalised, fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.visitor.shutdown(wait, cancel_futures=cancel_futures)
        self.site.shutdown(wait, cancel_futures=cancel_futures)


def runs_visitor_sql(datasette, path, query_string, canned=None):
    """True for a request whose SQL a visitor chose: arbitrary SQL, a table, view or row page (their
    filters, facets, sorting, search and exports), a canned query given parameters.
    `canned`: {database: set of canned query names}, if known (metadata.yml is read once)."""
    keys = ()
    if query_string:
        keys = {key for key, _ in urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)}
        if "sql" in keys:
            return True
    parts = path.strip("/").split("/")
    if len(parts) < 2:
        return False  # the home page, a database page, /cautions.db
    database = parts[0]
    if database not in datasette.databases:
        return False  # /static/, /-/..., /cards/
    name = tilde_decode(parts[1])
    for suffix in (".json", ".csv"):
        if len(parts) == 2 and name.endswith(suffix):
            name = name[: -len(suffix)]
    queries = canned[database] if canned and database in canned else (
        datasette.metadata("queries", database=database) or {})
    if len(parts) == 2 and name in queries:
        return any(not key.startswith("_") for key in keys)  # _shape, _json, _dl: the same query
    return True


def refusal(status, message):
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
               (b"cache-control", b"no-store")]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": message.encode() + b"\n"})


def wrap(app, datasette):
    if datasette.executor is not None and not isinstance(datasette.executor, SqlThreads):
        previous = datasette.executor
        datasette.executor = SqlThreads(datasette.setting("num_sql_threads"))
        previous.shutdown(wait=False)

    in_flight = {}  # client address -> visitor-SQL requests running or waiting
    total = [0]
    canned = {}

    async def admission(scope, receive, send):
        if not canned:
            canned.update({name: set(datasette.metadata("queries", database=name) or {})
                           for name in datasette.databases})
        if scope["type"] != "http" or not runs_visitor_sql(
                datasette, scope.get("path", ""), scope.get("query_string", b""), canned):
            return await app(scope, receive, send)
        client = (scope.get("client") or ("unknown",))[0]
        if in_flight.get(client, 0) >= PER_CLIENT:
            for message in refusal(429, f"Too many queries at once from your address (at most {PER_CLIENT}): "
                                        f"try again in {RETRY_AFTER_SECONDS} seconds."):
                await send(message)
            return
        if total[0] >= OVERALL:
            for message in refusal(503, "The site is answering as many queries as it can: "
                                        f"try again in {RETRY_AFTER_SECONDS} seconds."):
                await send(message)
            return
        in_flight[client] = in_flight.get(client, 0) + 1
        total[0] += 1
        token = VISITOR_SQL.set(True)
        try:
            await app(scope, receive, send)
        finally:
            VISITOR_SQL.reset(token)
            total[0] -= 1
            in_flight[client] -= 1
            if not in_flight[client]:
                del in_flight[client]

    return admission
