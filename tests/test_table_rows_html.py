"""A page's rows are the cells Datasette would write, cell for cell.

templates/_table.html and query.html write their rows in one piece (plugins/table_rows_html.py)
instead of Datasette's Jinja loop, because the loop was a third of a table page's time. A reader sees the
same rows: the same cells, classes, links, blanks and escaping as Datasette's own template.
"""
import asyncio
import re
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from site_fixtures import site_metadata

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def rows_of(page):
    """The page's <tbody> row by row, whitespace between tags dropped (the one way the two may differ)."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return re.sub(r">\s+<", "><", body.strip()).split("</tr>")


def assert_same_rows(mine, theirs, path):
    """The first row that differs, shown alone (a diff of a thousand rows takes pytest minutes)."""
    assert len(mine) == len(theirs), path
    for number, (row, datasettes) in enumerate(zip(mine, theirs), 1):
        assert row == datasettes, f"{path}, row {number}"


def tbodies(database, paths, **site):
    async def fetch(ds):
        return [rows_of((await ds.client.get(path)).text) for path in paths]
    ours = asyncio.run(fetch(Datasette(immutables=[str(database)], template_dir=str(TEMPLATES), **site)))
    datasettes = asyncio.run(fetch(Datasette(immutables=[str(database)], **site)))
    return ours, datasettes


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    """Column names that need CSS classes made for them, and values that need escaping."""
    path = tmp_path_factory.mktemp("rows_html") / "awkward.db"
    conn = sqlite3.connect(path)
    conn.execute("create table kinds (code text primary key, label text)")
    conn.execute("insert into kinds values ('a', 'Assault <common>'), ('b', 'b')")
    conn.execute('create table awkward (id integer primary key, "name with space" text, "-dash" text, '
                 '"<b>" text, amount real, count integer, data blob, '
                 'kind text references kinds(code))')
    conn.executemany("insert into awkward values (?, ?, ?, ?, ?, ?, ?, ?)", [
        (1, "<script>alert(1)</script>", "a & b", '"quoted"', 2.5, 3, b"\x00\x01", "a"),
        (2, None, "", "https://example.com/a?b=1&c=2", None, 0, None, "b"),
        (3, "Ünïcödé – dash", "'single'", "   ", -1e999, None, b"", None),
    ])
    conn.commit()
    conn.close()
    return path


def test_awkward_cells_are_written_as_datasette_writes_them(awkward):
    paths = ["/awkward/awkward", "/awkward/awkward?_sort_desc=amount", "/awkward/awkward?_labels=off",
             "/awkward/kinds"]
    ours, datasettes = tbodies(awkward, paths)
    for path, mine, theirs in zip(paths, ours, datasettes):
        assert_same_rows(mine, theirs, path)
    first_page = "".join(ours[0])
    assert "&lt;script&gt;" in first_page and "<script>" not in first_page
    assert 'class="col-name-with-space-' in first_page


def test_the_crimes_pages_rows_are_datasettes(sample_db):
    paths = ["/cautions/cautions", "/cautions/cautions?_search=cannabis", "/cautions/cautions?_size=max",
             "/cautions/offence_codes", "/cautions/releases"]
    ours, datasettes = tbodies(sample_db, paths, metadata=site_metadata())
    for path, mine, theirs in zip(paths, ours, datasettes):
        assert_same_rows(mine, theirs, path)
    assert sum(row.startswith("<tr>") for row in ours[2]) == 1000


def test_a_querys_rows_are_datasettes(sample_db, awkward):
    queries = ["/awkward?sql=select+*+from+awkward", "/awkward?sql=select+1+as+%22a+b%22,+%27%3Ci%3E%27,+null,+x%27ff%27"]
    ours, datasettes = tbodies(awkward, queries)
    for path, mine, theirs in zip(queries, ours, datasettes):
        assert_same_rows(mine, theirs, path)
    figures = ["/cautions?sql=select+*+from+cautions+limit+1000", "/cautions/cautions_by_month",
               "/cautions/search_cautions?q=assault"]
    ours, datasettes = tbodies(sample_db, figures, metadata=site_metadata())
    for path, mine, theirs in zip(figures, ours, datasettes):
        assert_same_rows(mine, theirs, path)
    assert sum(row.startswith("<tr>") for row in ours[0]) == 1000
