"""`datasette`, plain: Datasette's own command line without the site's plugins, for the benchmarks'
comparisons with plain Datasette. The site's plugin package is installed in this environment
(pyproject.toml's entry point), so every `datasette` here loads it; this unregisters it first.

    python bench/plain_datasette.py serve -i cautions.db --inspect-file inspect-data.json ...
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

if __name__ == "__main__":
    common.without_site_plugins()
    from datasette.cli import cli
    cli()
