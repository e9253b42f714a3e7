"""What the site tests share: the site's configuration read from where it really lives
(metadata.yml, plugins/server_settings.py), and the site itself in Datasette's test client.

Test modules import the fixtures they use: `from site_fixtures import site_client`.
"""
import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from static_site import serve_settings  # noqa: F401 (the server's settings, plugins/server_settings.py)

ROOT = Path(__file__).resolve().parent.parent
SERVE_SH = ROOT / "serve.sh"
DATASETTE = Path(sys.executable).with_name("datasette")
DATABASE = "cautions"


def plugin(name):
    """A fresh copy of a module of the plugins/ package, loaded by its path: its own caches, apart
    from the copy the installed package registered with Datasette."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "plugins" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def site_metadata():
    return yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


def canned_queries():
    return site_metadata()["databases"][DATABASE]["queries"]


def headline_queries():
    """The canned queries that carry a published figure."""
    return {name: q for name, q in canned_queries().items() if q.get("published")}


def explorer_queries():
    """The canned queries for exploring: no published figure, a datasette-vega chart."""
    return {name: q for name, q in canned_queries().items() if not q.get("published")}


def fragment_settings(fragment):
    """'g.mark=bar&g.x_column=drug' -> {'mark': 'bar', 'x_column': 'drug'}"""
    return {k[2:]: v for k, v in (bit.split("=", 1) for bit in fragment.lstrip("#").split("&")) if k.startswith("g.")}


def rows(db_path, sql, params=()):
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def inspect_file(db_path):
    """`datasette inspect` of a database, as `make build` makes it, beside the database."""
    db_path = Path(db_path)
    path = db_path.with_name(db_path.stem + "-inspect.json")
    if not path.exists():
        subprocess.run([str(DATASETTE), "inspect", str(db_path), "--inspect-file", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def site_client(sample_db):
    """The site as serve.sh serves it -- the database immutable with its inspect data, our metadata,
    plugins (the installed package) and templates, the server's settings, CORS on -- in Datasette's
    test client."""
    ds = Datasette(
        immutables=[str(sample_db)],
        inspect_data=json.loads(inspect_file(sample_db).read_text()),
        metadata=site_metadata(),
        template_dir=str(ROOT / "templates"),
        settings=serve_settings(),
        cors=True,
    )
    return ds.client
