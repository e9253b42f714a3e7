"""SQL functions for canned queries: normalise_offence_code('092/70') -> '92/70', the same
rule build.py applies to every release."""
import sys
from pathlib import Path

from datasette import hookimpl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for foi/
from foi.clean import offence_code  # noqa: E402


@hookimpl
def prepare_connection(conn):
    conn.create_function("normalise_offence_code", 1, lambda text: offence_code(text) if text else None,
                         deterministic=True)
