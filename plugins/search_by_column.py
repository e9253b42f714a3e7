"""`?_search_<column>=` on a table searched through another table's full-text index.

The cautions table is searched through offence_descriptions_fts, the index of the distinct
offence descriptions, whose rowid is cautions.offence_description_id (`fts_table` and
`fts_pk` in metadata.yml). Datasette 0.65 uses `fts_pk` for `?_search=`, but the column form
`?_search_<column>=` matches the index's rowids against the table's own: it would list the
wrong crimes, with no error. The index has a single column, so a search of any column means
what `_search` means; this turns one into the other before Datasette sees the request.
"""
import urllib.parse



def tables_searched_elsewhere(datasette):
    """The path of each table whose metadata gives an `fts_pk` other than rowid."""
    paths = set()
    for name in datasette.databases:
        for table, config in (datasette.metadata("tables", database=name) or {}).items():
            if config.get("fts_table") and config.get("fts_pk", "rowid") != "rowid":
                paths.add(datasette.urls.table(name, table))
    return paths


def as_one_search(query_string):
    """'_search_offence_description=rape&_size=5' -> '_search=rape&_size=5'; None if no column search."""
    pairs = urllib.parse.parse_qsl(query_string, keep_blank_values=True)
    if not any(key.startswith("_search_") for key, _ in pairs):
        return None
    terms = [value for key, value in pairs if (key == "_search" or key.startswith("_search_")) and value.strip()]
    kept = [(key, value) for key, value in pairs if key != "_search" and not key.startswith("_search_")]
    return urllib.parse.urlencode([("_search", " ".join(terms))] + kept)


def wrap(app, datasette):
    paths = None

    async def search_by_column(scope, receive, send):
        nonlocal paths
        if scope["type"] == "http" and b"_search_" in scope.get("query_string", b""):
            if paths is None:
                paths = tables_searched_elsewhere(datasette)
            if scope["path"].rsplit(".", 1)[0] in paths or scope["path"] in paths:
                rewritten = as_one_search(scope["query_string"].decode("latin-1"))
                if rewritten is not None:
                    scope = dict(scope, query_string=rewritten.encode("latin-1"))
        await app(scope, receive, send)

    return search_by_column
