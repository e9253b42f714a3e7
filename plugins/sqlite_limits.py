"""Bounded work per query: SQLite's own limits, an authorizer, and a ceiling on what a result holds.

Anyone can send this site arbitrary SQL. Datasette stops a query after sql_time_limit_ms, but
it checks the clock only every 1,000 steps of SQLite's virtual machine, and one step can be
one function call on a huge value: `upper(printf('%.*c', 999999999, 'x'))` or `instr()` over
500 MB ran for seconds to minutes, took gigabytes, and no time limit or SIGTERM could stop it.
So every connection the site opens gets:

- LIMITS, SQLite's limits (sqlite3_limit). The one that matters is the length of any string,
  blob or row: 16 KB. The longest row in the database is 4 KB (a full-text index page; the
  longest value, a release's notes, is 644 bytes), so 16 KB leaves 4x room, while the slowest
  single step it allows (instr() or replace() of 16 KB, quadratic) takes 1.2 ms: 1,000 steps of
  it stay within a few tenths of a second of the time limit. At 1 MB that one step took 6.4 s;
  at 32 KB, 4.7 ms, and four queries of fifty such steps a row took up to 6.6 s to stop.
  A release with a row longer than 16 KB could not be read by the site: the build must keep
  rows under MAX_LENGTH (tests/test_hardening.py checks the shipped one).
- printf() and format() that give NULL at once for a `%c` repeated more than MAX_LENGTH times
  (`printf('%.*c', 999999999, 'x')`): SQLite 3.40 builds that one character at a time, and
  stops only at the end of the count, whatever the length limit (6.6 s for 10^9, in one step).
  Any other format goes to SQLite's own printf, unchanged (on a connection of its own).
- escape_fts(), which Datasette registers for `_search`, is forgiving_search.py's, which refuses
  text longer than its MAX_SEARCH (it is Python, holds the GIL, and took 9.4 s on 20 MB).
- An authorizer that refuses functions a public site has no use for (REFUSED_FUNCTIONS):
  fts3_tokenizer() hands out a pointer into the process and, given two arguments, installs a
  tokenizer at any address; load_extension() loads code. It also keeps each visitor to the
  database itself: the virtual tables that show the server rather than the data are refused
  (REFUSED_TABLES: `sqlite_stmt` lists the SQL other visitors' queries are running on that
  connection, `dbstat` and `sqlite_dbpage` the file's pages), and so is every pragma, as a
  statement or a `pragma_*` table-valued function, but those Datasette itself reads
  (ALLOWED_PRAGMAS: a table's columns, indexes and foreign keys, the schema version, the page
  size); `pragma_database_list` answers with its `file` (the database's path on disk) as NULL.
  Nothing is read from a database but `main` (there are no others: ATTACH is refused).
- A ceiling on one query's result as Python receives it (MAX_RESULT_BYTES, MAX_RESULT_CELLS):
  Datasette keeps up to max_returned_rows (1,000) rows of a page in memory and renders every
  cell in the server's one event loop, so 1,000 rows of 32 KB values, or of 200 columns, would
  take memory and hold up every other page. The largest real page (1,000 crimes of
  `cautions`) is 19,000 cells and 0.3 MB.
"""
import marshal
import re
import sqlite3
import threading
import weakref

from datasette import hookimpl

MAX_LENGTH = 16_384
LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_LENGTH,             # any string, blob or row, in bytes
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,            # a statement (the URL's query string is capped at 16 KB)
    sqlite3.SQLITE_LIMIT_COLUMN: 200,                    # columns of a table or result (widest table: 46)
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 200,                # nesting of an expression
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,            # SELECTs joined by UNION and the like
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 64,               # arguments of one function call
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,                    # no ATTACH (also refused as a write)
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 256,       # a LIKE or GLOB pattern
    sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: 500,           # :parameters of one statement
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 10,
    sqlite3.SQLITE_LIMIT_WORKER_THREADS: 0,              # no extra sorting threads
}
REFUSED_FUNCTIONS = {"fts3_tokenizer", "load_extension", "readfile", "writefile", "edit"}
REFUSED_TABLES = {"sqlite_stmt", "dbstat", "sqlite_dbpage"}
# What Datasette 0.65 reads itself (its table pages, /-/versions, the database page), and what it
# allows a visitor's SQL as pragma_<name>(): each describes the schema, none the server.
ALLOWED_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
                   "schema_version", "page_size", "page_count", "max_page_count", "function_list",
                   "compile_options", "database_list", "data_version"}  # data_version: FTS5 reads it
MAX_RESULT_BYTES = 3_000_000  # under the 5 MB any page may be (plugins/response_limits.py), escaping included
MAX_RESULT_CELLS = 60_000


def authorizer(action, arg1, arg2, database, source, READ=sqlite3.SQLITE_READ, OK=sqlite3.SQLITE_OK):
    """SQLite asks this while it prepares each statement, once for each column read (arg1 the
    table, arg2 the column), pragma (arg1 its name) and function called (arg2 its name): a hot
    path, so the common answer comes first. SQLite gives its own tables' and eponymous virtual
    tables' names as they are declared, and a pragma function's as the query spells it."""
    if action == READ:
        if arg1 in REFUSED_TABLES or (database != "main" and database is not None):
            return sqlite3.SQLITE_DENY
        if arg2 == "file" and arg1.lower() == "pragma_database_list":
            return sqlite3.SQLITE_IGNORE
        return OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in REFUSED_FUNCTIONS else OK
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() not in ALLOWED_PRAGMAS:
        return sqlite3.SQLITE_DENY
    return OK


PRINTF_SPEC = re.compile(r"%([-+ #!0,]*)(\*|\d*)(?:\.(\*|\d*))?(l{0,2})(.)", re.S)
_printf_connection = threading.local()  # per SQL thread: an empty database for SQLite's own printf


def c_int(value):
    """An argument as SQLite's printf reads a `*` width or precision: an int64 cast to a C int."""
    if isinstance(value, float):
        value = int(value)
    elif not isinstance(value, int):
        try:
            value = int(float(value or 0))
        except (TypeError, ValueError):
            value = 0
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def repeats_too_many(fmt, args):
    """True when some %c of this format is repeated (its precision) more than MAX_LENGTH times."""
    if isinstance(fmt, bytes):
        fmt = fmt.decode("utf-8", "replace")
    if not isinstance(fmt, str) or "%" not in fmt:
        return False
    next_arg = 0
    for flags, width, precision, _, conversion in PRINTF_SPEC.findall(fmt):
        if conversion == "%":
            continue
        if width == "*":
            next_arg += 1
        if precision == "*":
            repeat = abs(c_int(args[next_arg])) if next_arg < len(args) else 0
            next_arg += 1
        else:
            repeat = int(precision or 0) & 0x7FFFFFFF
        if conversion == "c" and repeat > MAX_LENGTH:
            return True
        next_arg += 1
    return False


def bounded_printf(fmt=None, *args):
    if repeats_too_many(fmt, args):
        return None  # what SQLite gives for a result longer than the length limit
    conn = getattr(_printf_connection, "conn", None)
    if conn is None:
        conn = _printf_connection.conn = sqlite3.connect(":memory:")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    placeholders = ", ".join("?" * (1 + len(args)))
    return conn.execute(f"select printf({placeholders})", (fmt, *args)).fetchone()[0]


class ResultTooLarge(sqlite3.OperationalError):
    """A DatabaseError, so Datasette shows it as the query's error message (status 400)."""


def bounded_rows():
    """A row factory for one connection: sqlite3.Row, as Datasette uses, counting what each cursor
    has returned. A connection serves one query at a time on one thread, so its count lives here.
    Each row is measured by marshal.dumps, in C: its strings' and blobs' bytes (UTF-8, so at least
    their length) plus a few bytes a value; a Python loop over the cells cost twice as much
    (1,000 rows of cautions: 2.2 ms in the factory, now 0.7 ms)."""
    reading = None           # a weak reference to the cursor being read
    names = cells = 0        # bytes of its column names; cells it may still return
    left = 0                 # bytes it may still return
    Row, dumps, ref = sqlite3.Row, marshal.dumps, weakref.ref

    def bounded_row(cursor, row):
        nonlocal reading, names, cells, left
        if reading is None or reading() is not cursor:
            # JSON objects repeat each column's name in every row: a 14 KB alias over 1,000 rows was 14 MB
            names = sum(len(d[0]) for d in cursor.description or ())
            reading, cells, left = ref(cursor), MAX_RESULT_CELLS, MAX_RESULT_BYTES
        cells -= len(row)
        left -= names + len(dumps(row))
        if left < 0 or cells < 0:
            raise ResultTooLarge(
                f"This query's result is too large for this site (more than {MAX_RESULT_CELLS:,} cells or "
                f"{MAX_RESULT_BYTES // 1_000_000} MB): select fewer rows or columns, or download the database.")
        return Row(cursor, row)

    return bounded_row


@hookimpl(trylast=True)  # last, after Datasette's own prepare_connection
def prepare_connection(conn):
    for limit, value in LIMITS.items():
        conn.setlimit(limit, value)
    conn.create_function("printf", -1, bounded_printf, deterministic=True)
    conn.create_function("format", -1, bounded_printf, deterministic=True)
    conn.set_authorizer(authorizer)
    conn.row_factory = bounded_rows()
