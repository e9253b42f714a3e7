#!/bin/sh
# Serve the site. This is the one place the serve command lives: `make serve` and the
# Docker image both run this script, so what you test locally is what is published.
#
#   HOST       address to listen on (default 0.0.0.0; make serve uses 127.0.0.1)
#   PORT       port to listen on (default 8001)
#   DATASETTE  the datasette to run (default: datasette on PATH; make uses .venv/bin/datasette)
#   PYTHON     a Python 3 to read plugins/server_settings.py with (default python3)
#   SITE_URL   the site's public address, for citations and full links (default: relative links;
#              read by plugins/site_url.py, never taken from the request's Host)
#   CARDS      the folder of link-preview cards build.py --cards drew (default cards here)
#   EXPORTS    the folder of whole-table CSV files exports.py wrote (default exports here; read by
#              plugins/exports.py, which sends them for unfiltered streamed exports)
#   DATABASE, INSPECT_FILE  the database and its inspect data (default cautions.db and
#              inspect-data.json here; the tests and benchmarks serve their own builds)
#
# Needs cautions.db and inspect-data.json from `make build`. `./serve.sh verify` checks the whole
# database against its inspect file's sha256 and exits, serving nothing (`make verify`).
set -eu

cd "$(dirname "$0")"

HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8001}"
DATASETTE="${DATASETTE:-datasette}"
DATABASE="${DATABASE:-cautions.db}"
INSPECT_FILE="${INSPECT_FILE:-inspect-data.json}"

for f in "$DATABASE" "$INSPECT_FILE"; do
    if [ ! -f "$f" ]; then
        echo "serve.sh: $f is missing; run make build first" >&2
        exit 1
    fi
done

# The inspect file must be the one made with this database (build.py --inspect-file writes both
# together): Datasette trusts its row counts and sha256, and the home page cites that sha256.
# Hashing the whole file took 2 s at 1M rows and 28 s at 10M, at every start. So build.py also
# records the sha256 of the file's first and last MiB (ends_sha256): the first page holds SQLite's
# header (its change counter, page count) and the schema, the last the pages the build wrote
# last (the planner's statistics, with every table's row counts, and the views). With the size,
# that tells one build from another in a few milliseconds at any size; a byte changed in the
# middle of the file after the build is not seen here: `make verify` (./serve.sh verify) hashes
# the whole file. An inspect file without ends_sha256 (`datasette inspect`) is checked whole.
field() {
    sed -n "s/.*\"$1\": *\"\{0,1\}\([0-9a-f]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$INSPECT_FILE" | head -n 1
}
whole_sha256() {
    sha256sum "$DATABASE" | cut -d ' ' -f 1
}
refuse() {
    echo "serve.sh: $INSPECT_FILE does not belong to $DATABASE ($1). Run make build, which writes both together." >&2
    exit 1
}
expected=$(field hash)
expected_ends=$(field ends_sha256)
if [ "${1:-}" = verify ] || [ -z "$expected_ends" ]; then
    actual=$(whole_sha256)
    if [ "$expected" != "$actual" ]; then
        refuse "it describes a database with sha256 ${expected:-(none)}; $DATABASE has sha256 $actual"
    fi
    if [ "${1:-}" = verify ]; then
        echo "serve.sh: $DATABASE is the database $INSPECT_FILE describes (sha256 $actual)"
        exit 0
    fi
else
    size=$(wc -c < "$DATABASE" | tr -d ' ')
    ends=$({ head -c 1048576 "$DATABASE"; tail -c 1048576 "$DATABASE"; } | sha256sum | cut -d ' ' -f 1)
    if [ "$(field size)" != "$size" ] || [ "$expected_ends" != "$ends" ]; then
        refuse "it describes a database of $(field size) bytes whose first and last MiB have sha256 $expected_ends; $DATABASE has $size bytes and $ends"
    fi
fi

# Optional folders: Datasette refuses a --template-dir or --static folder that does not exist.
set --
if [ -d templates ]; then
    set -- "$@" --template-dir templates
fi
if [ -d static ]; then
    set -- "$@" --static static:static
fi
# Each headline figure's link-preview card (og:image), drawn by build.py --cards with the database.
CARDS="${CARDS:-cards}"
if [ -d "$CARDS" ]; then
    set -- "$@" --static "cards:$CARDS"
fi

# Every table and view as a whole CSV, written at build (exports.py): plugins/exports.py sends them.
EXPORTS="${EXPORTS:-exports}"
if [ -d "$EXPORTS" ]; then
    EXPORTS=$(cd "$EXPORTS" && pwd)
    export EXPORTS
else
    unset EXPORTS
fi

# The server's settings (queries time out at 1.5 s, pages cache for a day, ...) and --cors, from
# plugins/server_settings.py: the one place they live (static_site.py, the tests and the bench read it).
SETTINGS=$("${PYTHON:-python3}" plugins/server_settings.py) || {
    echo "serve.sh: could not read plugins/server_settings.py with ${PYTHON:-python3}; set PYTHON to a Python 3" >&2
    exit 1
}

# -i: immutable, so Datasette trusts the row counts in inspect-data.json and offers the whole
# database as a download. The site's plugins are an installed package (pyproject.toml's entry
# point): Datasette loads them itself. $SETTINGS unquoted: one argument a word, none has a space.
# shellcheck disable=SC2086
exec "$DATASETTE" serve -i "$DATABASE" \
    --inspect-file "$INSPECT_FILE" \
    --metadata metadata.yml \
    $SETTINGS \
    --host "$HOST" \
    --port "$PORT" \
    "$@"
