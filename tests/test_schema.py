"""The schema once (issue 22): every table the build makes is declared in foi/schema.py, with its
columns in order, their types and a line on each; the database holds exactly those columns, and
the site's column notes (metadata.yml's `columns:`) say what the schema says, word for word.

A release's own tables (its raw_ cells and their view, a counts release's `table:`), the full-text
indexes and each figure's `<query>_rows` view come on top: the build names them from the manifest
and metadata.yml, not from the schema.
"""
import sqlite3
from pathlib import Path

import yaml

from foi import figure_blocks
from foi.schema import BUILT_PREFIXES, TABLES

ROOT = Path(__file__).resolve().parent.parent


def tables_and_columns(database):
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        names = [name for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view')")]
        return {name: [row[1] for row in conn.execute(f"pragma table_info([{name}])")] for name in names}


def test_every_table_the_build_makes_is_declared_once(sample_db):
    made = tables_and_columns(sample_db)
    manifest = yaml.safe_load((ROOT / "data" / "manifest.yml").read_text(encoding="utf-8"))
    own = {release["table"] for release in manifest["releases"] if release.get("table")}
    queries = figure_blocks.load(ROOT / "metadata.yml")["databases"]["cautions"]["queries"]  # each block derived
    views = {f"{name}_rows" for name, query in queries.items() if query.get("rows_view")}
    undeclared = {name for name in made if name not in TABLES and name not in own | views
                  and not name.startswith(BUILT_PREFIXES)}
    assert undeclared == set()
    assert set(TABLES) <= set(made)  # every declared table is made, from the shipped data


def test_each_declared_table_has_exactly_its_columns_in_order(sample_db):
    """cautions may have more after its own: the columns a release brings that the manifest does not map."""
    made = tables_and_columns(sample_db)
    for name, table in TABLES.items():
        if table.columns is None:  # offence_codes: the lookup's columns; headline_figures: the check's
            continue
        assert made[name][:len(table.columns)] == list(table.columns), name
        if name != "cautions":
            assert len(made[name]) == len(table.columns), name


def test_every_declared_column_has_a_type_and_a_note():
    for name, table in TABLES.items():
        assert table.description.strip(), name
        for column, (kind, note) in (table.columns or {}).items():
            assert kind in (str, int, float) and note.strip(), (name, column)


def test_the_sites_column_notes_are_the_schemas():
    """A note on a built table's column in metadata.yml is the schema's note for that column, word for
    word, and names only columns the table has."""
    site = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))["databases"]["cautions"]["tables"]
    noted = {name: table["columns"] for name, table in site.items() if name in TABLES and table.get("columns")}
    assert "cautions" in noted and "replies" in noted  # the notes the site shows today
    for name, notes in noted.items():
        assert notes == TABLES[name].notes, name
