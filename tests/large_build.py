"""A larger build for the tests that compare this site's fast paths with Datasette's own: the
benchmarks' FOI-shaped release (bench/common.py) of 100,000 rows, built by build.py once and kept
in bench/out/ while build.py, foi/ and metadata.yml are unchanged (a few seconds otherwise)."""
import importlib.util

from site_fixtures import ROOT

ROWS = 100_000


def bench_common():
    spec = importlib.util.spec_from_file_location("bench_common", ROOT / "bench" / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def large_database(tmp_path_factory, rows=ROWS):
    """The built database, under the name metadata.yml describes (cautions.db), in a folder of its own."""
    link = tmp_path_factory.mktemp("large") / "cautions.db"
    link.symlink_to(bench_common().ensure_db(rows, log=lambda *a: None))
    return link
