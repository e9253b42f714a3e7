"""Bounded work per request, before Datasette sees it: the size of the URL and of its parameters.

Datasette does work for every parameter a URL repeats, and some of it grows with the square
of the count: each `_facet=` runs a facet query and then writes every value's toggle link with
the whole query string in it (100 repeats took 30 s and 251 MB of response). So:

- a URL longer than MAX_TARGET bytes is refused (414): the longest real one, an SQL query
  written in the editor, fits many times over;
- more than MAX_PARAMETERS parameters, or one name repeated more than MAX_REPEATS times (400);
- `_facet`, `_facet_array` and `_facet_date` are deduplicated (the same facet twice is once),
  and more than MAX_FACETS of them is refused (400);
- full-text search (`_search`, `_search_<column>`) longer than MAX_SEARCH characters (400).

Refusals are plain text saying what to change.
"""
import urllib.parse

from datasette import hookimpl

MAX_TARGET = 16_384
MAX_PARAMETERS = 100
MAX_REPEATS = 30
MAX_FACETS = 5
MAX_SEARCH = 500
FACET_PARAMETERS = ("_facet", "_facet_array", "_facet_date")


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def bounded_query_string(path, query_string):
    """The query string to pass on (facets deduplicated), or Refused."""
    if len(path.encode("utf-8", "surrogateescape")) + len(query_string) > MAX_TARGET:
        raise Refused(414, f"This address is too long: at most {MAX_TARGET:,} bytes, path and query string together.")
    if not query_string:
        return query_string
    pairs = urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    kept, facets = [], set()
    for key, value in pairs:
        if key in FACET_PARAMETERS:
            if (key, value) in facets:
                continue
            facets.add((key, value))
        kept.append((key, value))
    if len(facets) > MAX_FACETS:
        raise Refused(400, f"Too many facets: at most {MAX_FACETS} _facet, _facet_array and _facet_date together.")
    if len(kept) > MAX_PARAMETERS:
        raise Refused(400, f"Too many parameters in this address: at most {MAX_PARAMETERS}.")
    if any((key == "_search" or key.startswith("_search_")) and len(value) > MAX_SEARCH for key, value in kept):
        raise Refused(400, f"The search text is too long: at most {MAX_SEARCH} characters.")
    counts = {}
    for key, _ in kept:
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > MAX_REPEATS:
            raise Refused(400, f"The parameter {key!r} is repeated too often: at most {MAX_REPEATS} times.")
    if len(kept) == len(pairs):
        return query_string
    return urllib.parse.urlencode(kept).encode("latin-1")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def request_limits(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            try:
                query_string = bounded_query_string(scope.get("path", ""), scope.get("query_string", b""))
            except Refused as refused:
                await send({"type": "http.response.start", "status": refused.status,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": refused.message.encode() + b"\n"})
                return
            if query_string is not scope.get("query_string", b""):
                scope = dict(scope, query_string=query_string)
            await app(scope, receive, send)
        return request_limits
    return wrap
