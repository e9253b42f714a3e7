"""A JSON answer is Datasette's own, byte for byte, with or without plugins/json_rows.py.

json_rows.py only tells Datasette's JSON renderer when there is no infinite number to replace;
a reader sees the same JSON in every shape, and an infinity is still null unless asked for.
"""
import asyncio
import json
import re
import sqlite3

import pytest
from datasette.app import Datasette
from datasette.plugins import pm

from plugins import json_rows

PATHS = [
    "/data/numbers.json",
    "/data/numbers.json?_shape=array",
    "/data/numbers.json?_shape=objects",
    "/data/numbers.json?_shape=object",
    "/data/numbers.json?_shape=array&_nl=on",
    "/data/numbers.json?_json_infinity=1",
    "/data/numbers.json?_json=note",
    "/data/numbers.json?value__gt=0&_sort_desc=value",
    "/data/finite.json",
    "/data/finite.json?_shape=array",
    "/data.json?sql=select+1e999+as+big,+-1e999+as+small,+0.5+as+half",
    "/data.json?sql=select+1e999+as+big&_json_infinity=1",
    "/data.json?sql=select+id,+note+from+finite&_shape=arrayfirst",
    "/data/numbers/2.json",
]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("json_rows") / "data.db"
    conn = sqlite3.connect(path)
    conn.execute("create table numbers (id integer primary key, value real, note text)")
    conn.executemany("insert into numbers values (?, ?, ?)", [
        (1, 1.5, '{"a": 1}'), (2, float("inf"), "too big"), (3, float("-inf"), None), (4, 3, "three")])
    conn.execute("create table finite (id integer primary key, value real, note text)")
    conn.executemany("insert into finite values (?, ?, ?)", [(1, 0.25, "a"), (2, 314159, "pi's hash"), (3, None, "")])
    conn.commit()
    conn.close()
    return path


def without_timing(body):
    """The body less the milliseconds the query took, the one thing two runs do not share."""
    return re.sub(rb'"query_ms": [0-9.e-]+', b'"query_ms": 0', body)


def bodies(database):
    async def fetch():
        ds = Datasette(immutables=[str(database)])
        return {path: (response.status_code, without_timing(response.content))
                for path in PATHS for response in [await ds.client.get(path)]}
    return asyncio.run(fetch())


def test_every_json_answer_is_datasettes_own(database):
    ours = bodies(database)
    pm.unregister(name="plugins.json_rows")
    try:
        datasettes = bodies(database)
    finally:
        pm.register(json_rows, name="plugins.json_rows")
    for path in PATHS:
        assert ours[path] == datasettes[path], path
    assert ours["/data/numbers.json?_shape=array"][0] == 200


def test_an_infinity_is_null_unless_asked_for(database):
    answers = bodies(database)
    rows = json.loads(answers["/data/numbers.json?_shape=array"][1])
    assert [row["value"] for row in rows] == [1.5, None, None, 3]
    assert answers["/data/numbers.json?_json_infinity=1"][1].count(b"Infinity") == 2


def test_the_check_reads_every_cell():
    assert json_rows.no_infinity([(1, "a", None), (2.5, b"x", 314159)])
    assert not json_rows.no_infinity([(1, "a"), ("b", float("-inf"))])
    assert not json_rows.no_infinity([([1, 2], "a list cannot be hashed")])
