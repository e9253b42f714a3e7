"""SQL functions for canned queries: normalise_offence_code('092/70') -> '92/70', the same
rule build.py applies to every release (foi/clean.py; build.py registers it too, to run every
canned query once before the database is published)."""
from datasette import hookimpl

from foi.clean import normalise_offence_code


@hookimpl
def prepare_connection(conn):
    conn.create_function("normalise_offence_code", 1, normalise_offence_code, deterministic=True)
