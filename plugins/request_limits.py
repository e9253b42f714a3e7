"""Bounded work per request, before Datasette sees it: the size of the URL and of its parameters.

Datasette does work for every parameter a URL repeats, and some of it grows with the square
of the count: each `_facet=` runs a facet query and then writes every value's toggle link with
the whole query string in it (100 repeats took 30 s and 251 MB of response). So:

- a URL longer than MAX_TARGET bytes is refused (414): the longest real one, an SQL query
  written in the editor, fits many times over;
- more than MAX_PARAMETERS parameters, or one name repeated more than MAX_REPEATS times (400);
- `_facet`, `_facet_array` and `_facet_date` are deduplicated (the same facet twice is once),
  and more than MAX_FACETS of them is refused (400);
- full-text search (`_search`, `_search_<column>`) longer than MAX_SEARCH characters (400);
- facets whose links would repeat the address too often: every value of every facet is a link
  carrying the whole query string, so a 15 KB address with five facets of up to 1,000 values
  (`_facet_size=max`) made a 53 MB page. The query string's length times the facet values a page
  can show (the facets asked for and the table's own from metadata.yml, each of `_facet_size`,
  default_facet_size or, for `max`, max_returned_rows values) is at most MAX_FACET_LINK_BYTES
  (414 beyond it): a plain address with `_facet_size=max` fits, a padded one does not;
- `_through=` that is not the JSON object Datasette reads (400, not Datasette's 500), and a
  `_sort` by something that is not a column (400: Datasette answered 500 "Cannot sort table by").

Refusals are plain text saying what to change.
"""
import json
import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_decode
from datasette.views.base import DatasetteError

MAX_TARGET = 16_384
MAX_PARAMETERS = 100
MAX_REPEATS = 30
MAX_FACETS = 5
MAX_SEARCH = 500
FACET_PARAMETERS = ("_facet", "_facet_array", "_facet_date")
MAX_FACET_LINK_BYTES = 2_000_000


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


def facet_values_shown(datasette, path, pairs):
    """How many facet value links a table page at `path` with these parameters can show."""
    parts = path.strip("/").split("/")
    facets = {(k, v) for k, v in pairs if k in FACET_PARAMETERS}
    if len(parts) >= 2 and parts[0] in datasette.databases:
        table = tilde_decode(parts[1]).removesuffix(".json")
        facets |= {("_facet", str(f)) for f in (datasette.table_metadata(parts[0], table) or {}).get("facets") or []}
    if not facets or dict(pairs).get("_nofacet"):
        return 0
    size = dict(pairs).get("_facet_size")
    max_rows = datasette.setting("max_returned_rows")
    if size == "max":
        per_facet = max_rows
    else:
        try:
            per_facet = min(int(size), max_rows)
        except (TypeError, ValueError):
            per_facet = datasette.setting("default_facet_size")
    return len(facets) * per_facet


def check_table_parameters(datasette, path, query_string):
    """Refused if the facets would repeat the address too often, or `_through` is not JSON."""
    if not query_string:
        return
    pairs = urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    shown = facet_values_shown(datasette, path, pairs)
    if shown and shown * len(query_string) > MAX_FACET_LINK_BYTES:
        raise Refused(414, f"This address is too long for a page of {shown:,} facet values, each a link that repeats "
                           f"it: at most {MAX_FACET_LINK_BYTES // shown:,} bytes of query string with these facets. "
                           "Remove parameters, ask for fewer facets, or a smaller _facet_size.")
    for key, value in pairs:
        if key == "_through":
            try:
                through = json.loads(value)
            except ValueError:
                through = None
            if not (isinstance(through, dict) and {"table", "column", "value"} <= set(through)):
                raise Refused(400, '_through must be JSON: {"table": ..., "column": ..., "value": ...}')


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """Sorting by something that is not a column is the visitor's mistake: 400, not 500."""
    if isinstance(exception, DatasetteError) and exception.status == 500 and \
            str(exception.message).startswith("Cannot sort table by"):
        exception.status = 400
    return None


def wrap(app, datasette):
    async def request_limits(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        try:
            query_string = bounded_query_string(scope.get("path", ""), scope.get("query_string", b""))
            check_table_parameters(datasette, scope.get("path", ""), query_string)
        except Refused as refused:
            await send({"type": "http.response.start", "status": refused.status,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": refused.message.encode() + b"\n"})
            return
        if query_string is not scope.get("query_string", b""):
            scope = dict(scope, query_string=query_string)
        await app(scope, receive, send)
    return request_limits
