"""The tables a query reads, asked on a connection of its own: the one helper for it.

foi.figures.tables_read_by puts an authorizer of its own on the connection it is given (SQLite
then reports each table a query reads, through views), so it never gets one that serves
requests. The connection it gets here is set up as Datasette sets up its own: every
prepare_connection hook (Datasette's SQL functions, the site's, and the site's SQLite limits,
sqlite_limits.py) runs on it. The home page (home_page_vars.py) and each page's releases
(release_attribution.py) ask through this.
"""
import contextlib

from datasette.plugins import pm

from foi.figures import tables_read_by


@contextlib.contextmanager
def connection(datasette, name, db):
    """A new connection to database `name`, through every prepare_connection hook; closed after."""
    conn = db.connect()
    try:
        pm.hook.prepare_connection(conn=conn, database=name, datasette=datasette)
        yield conn
    finally:
        conn.close()


def tables_read(datasette, name, db, sqls):
    """{key: the tables its SQL reads} for each of `sqls` ({key: SQL}), on one such connection."""
    with connection(datasette, name, db) as conn:
        return {key: tables_read_by(conn, sql) for key, sql in sqls.items()}
