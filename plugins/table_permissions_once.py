"""Each table's `allow` rules worked out once, not on every request.

Datasette 0.65.5 checks view-table on every table request (page, JSON, CSV) by deep-copying the
whole of the site's metadata, twice, and merging it (`Datasette._table_permission_allows`): with
metadata.yml's descriptions, columns and canned queries that is about 2.3 ms a request, more than
a 1,000-row CSV's own rendering differs from plain Datasette's. The metadata never changes while
the site runs (metadata.yml is read at start, release_attribution.py adds to it at startup and
no `allow` rule), so the answer for a (database, table) is kept after it is first given.
Which actor the rules allow is still decided on every request, by Datasette.
"""
import functools

from datasette import hookimpl


@hookimpl
def startup(datasette):
    allows = datasette._table_permission_allows
    if getattr(allows, "cache_info", None):  # already kept (startup run twice on one instance)
        return

    @functools.lru_cache(maxsize=1024)
    def kept(database, table):
        return tuple(allows(database, table))

    datasette._table_permission_allows = lambda database, table: list(kept(database, table))
    datasette._table_permission_allows.cache_info = kept.cache_info
