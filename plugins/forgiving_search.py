"""Search that forgives: whatever a reader types into a search box searches, and never fails.

- `escape_fts()`, the SQL function Datasette wraps every ?_search= in (and which the canned
  query search_cautions uses), is replaced by `fts_query()`: each word a reader typed, or each
  "quoted phrase", becomes an FTS5 phrase that matches as a prefix ("shop" finds shoplifting,
  "cannab" cannabis), whatever quotes, hyphens or apostrophes are around it. A search with no
  letters or digits at all (a lone ", - or ') matches nothing, with a plain message, instead of
  Datasette's 400 page, fts5: syntax error.
- A crime reference typed into the cautions table's search box (SAMPLE-43-15-000001) finds
  its crime: the search becomes the filter ?crime_reference=, when that reference exists.
- The table page's search box says what it searches (search_help, in templates/table.html).
"""
import re
import urllib.parse

from datasette import hookimpl

MAX_SEARCH = 1_000  # characters of full-text search (request_limits.py allows 500 in _search)
WORD = re.compile(r"\w+", re.UNICODE)
PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')
LOOKS_LIKE_A_REFERENCE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9/_.-]{3,}$")
SEARCH_HELP = ("Searches the offence descriptions: whole or part words (shop finds shoplifting), "
               "or a \"phrase in quotes\". A crime reference finds its crime. "
               "To filter by year, type of caution or offence group, use the filters below.")


def fts_query(text):
    """What a reader typed -> an FTS5 query that cannot be a syntax error.
    'shop' -> '"shop"*'; 'ex-partner "intent to"' -> '"ex partner"* "intent to"*'; '"' -> '""'.
    Bounded: NULL gives NULL, and text longer than MAX_SEARCH is refused at once."""
    if text is None:
        return None
    if len(str(text)) > MAX_SEARCH:
        raise ValueError(f"search text longer than {MAX_SEARCH:,} characters")
    phrases = []
    for quoted, word in PHRASE_OR_WORD.findall(str(text or "").replace("\u201c", '"').replace("\u201d", '"')):
        tokens = WORD.findall(quoted if quoted else word)
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"*')
    if str(text or "").count('"') % 2:  # an unclosed quote: its words, one by one
        phrases = ['"' + t + '"*' for t in WORD.findall(str(text))]
    return " ".join(phrases) or '""'


def searchable(text):
    return bool(WORD.search(str(text or "")))


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, which registers escape_fts
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)


def searched_tables(datasette):
    """{path of a table with a full-text index in metadata.yml: (database, table)}"""
    found = {}
    for name in datasette.databases:
        for table, config in (datasette.metadata("tables", database=name) or {}).items():
            if config.get("fts_table"):
                found[datasette.urls.table(name, table)] = (name, table)
    return found


async def crime_reference(datasette, database, table, text):
    """[(column, value)] filters for the crime `text` names by its reference, or None."""
    text = text.strip()
    if not LOOKS_LIKE_A_REFERENCE.match(text):
        return None
    db = datasette.get_database(database)
    if "crime_reference" not in await db.table_columns(table):
        return None
    # release_id leads the unique index (release_id, crime_reference): no scan at any size
    if "release_id" in await db.table_columns(table) and await db.table_exists("releases"):
        sql = (f"select release_id, crime_reference from [{table}] where release_id in (select id from releases) "
               "and crime_reference in (:ref, upper(:ref)) limit 1")
        rows = (await db.execute(sql, {"ref": text})).rows
        return [("release_id", rows[0][0]), ("crime_reference", rows[0][1])] if rows else None
    rows = (await db.execute(f"select crime_reference from [{table}] where crime_reference in (:ref, upper(:ref)) "
                             "limit 1", {"ref": text})).rows
    return [("crime_reference", rows[0][0])] if rows else None


def wrap(app, datasette):
    tables = None

    async def forgiving_search(scope, receive, send):
        nonlocal tables
        if scope["type"] == "http" and b"_search=" in scope.get("query_string", b""):
            if tables is None:
                tables = searched_tables(datasette)
            path = scope["path"]
            base = path.rsplit(".", 1)[0] if path.rsplit(".", 1)[-1] in ("json", "csv") else path
            if base in tables:
                pairs = urllib.parse.parse_qsl(scope["query_string"].decode("utf-8", "replace"),
                                               keep_blank_values=True)
                search = " ".join(v for k, v in pairs if k == "_search").strip()
                filters = await crime_reference(datasette, *tables[base], search) if search else None
                if filters:
                    kept = [(k, v) for k, v in pairs if k != "_search"] + filters
                    scope = dict(scope, query_string=urllib.parse.urlencode(kept).encode(),
                                 found_crime_reference=search)
        await app(scope, receive, send)

    return forgiving_search


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    if template != "table.html" or not table:
        return {}
    if not (datasette.table_metadata(database, table) or {}).get("fts_table"):
        return {}
    search = request.args.get("_search") if request else None
    return {
        "search_help": SEARCH_HELP,
        "found_crime_reference": request.scope.get("found_crime_reference") if request else None,
        "search_unsearchable": bool(search) and not searchable(search),
    }
