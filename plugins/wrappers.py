"""Every request wrapper of the site, in one list and one order: the site's only asgi_wrapper.

Each job module below exposes a plain `wrap(app, datasette)` that returns the app wrapped; this
module is the one that implements Datasette's asgi_wrapper hook, so the order in which a request
meets them is this list, not whatever order the plugin manager registered the modules in.

OUTERMOST first: a request goes down the list to Datasette, and its response comes back up.
A wrapper sees everything the wrappers below it send (their refusals included) and nothing the
ones above it send. A new wrapper goes where what it needs of the others holds (a refusal:
below the headers, so it carries them; a rewrite of the query string: below the request limits,
so it rewrites a request already checked); tests/test_plugin_order.py fails if a module of
plugins/ implements asgi_wrapper itself, or exposes a `wrap` that is not in this list.
"""
from datasette import hookimpl

from . import (admission, body_batching, compression, download_headers, exports, forgiving_search,
               headline_page_cache, hidden_debug_pages, read_only, request_limits, response_limits,
               search_by_column, security_headers, site_url, stopping)

WRAPPERS = (
    # Gzip whatever any wrapper below sends, refusals and cached pages included (the page
    # cache keeps the plain page, for readers with and without gzip).
    compression,
    # A response that stops: cancelled when its reader leaves or on SIGTERM, HEAD stopped after
    # the headers. Above everything that streams (a whole export's file included).
    stopping,
    # Headers every response carries, refusals included: nosniff, the Content-Security-Policy and
    # who may frame the page; then Cache-Control (no-store on a refusal such as 429 or 503, so a
    # cache never keeps one) and CSV as text/csv.
    security_headers,
    download_headers,
    # The cheapest refusals, before any work: a write (405), a debug page (404).
    read_only,
    hidden_debug_pages,
    # The address checked (and its query string bounded) before anything below reads it.
    request_limits,
    # The headline pages from memory: no SQL, so above admission; below the limits and headers,
    # so a cached page is checked and gets the headers like any other.
    headline_page_cache,
    # A whole export is a file, sent above admission so a long download holds none of the
    # visitors' SQL slots; a stream too large is refused here, before it starts.
    exports,
    # Visitors' SQL counted from here down, on threads of its own.
    admission,
    # The query string rewritten for Datasette (a column search as _search, a crime reference
    # typed into the search box as its filter): after the limits and admission, so the crime
    # reference's lookup is a visitor's query like any other.
    search_by_column,
    forgiving_search,
    # Datasette's answer measured whole: a page over MAX_BODY refused, a cut CSV never complete.
    response_limits,
    # Datasette's own Link header given its angle brackets (so a cached page keeps them).
    site_url,
    # Innermost: a streamed CSV's rows gathered into pieces before any wrapper above handles them.
    body_batching,
)


@hookimpl
def asgi_wrapper(datasette):
    def wrap_all(app):
        for module in reversed(WRAPPERS):  # innermost first, so the first of WRAPPERS ends outermost
            app = module.wrap(app, datasette)
        return app
    return wrap_all
