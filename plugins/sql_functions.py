"""SQL functions for canned queries: normalise_offence_code('092/70') -> '92/70', the same
rule build.py applies to every release.

Anyone can call it from arbitrary SQL, so input longer than any offence code (MAX_CODE_LENGTH)
gives NULL at once, before the regular expression sees it: a Python function holds the GIL,
and Datasette's time limit cannot stop it midway."""
from datasette import hookimpl

from foi.clean import offence_code

MAX_CODE_LENGTH = 64  # '092/70', '105A', with room for spaces: real codes are under 10 characters


def normalise_offence_code(text):
    if isinstance(text, int):
        text = str(text)
    if not text or not isinstance(text, str) or len(text) > MAX_CODE_LENGTH:
        return None
    return offence_code(text)


@hookimpl
def prepare_connection(conn):
    conn.create_function("normalise_offence_code", 1, normalise_offence_code, deterministic=True)
