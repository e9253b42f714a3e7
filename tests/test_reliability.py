"""The served site under abuse: runaway queries, write attempts, sustained load.

These run the real serve command (serve.sh) on 127.0.0.1, against the shipped build.
"""
import concurrent.futures
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT
from site_server import served

PATHOLOGICAL = {
    "recursive CTE that never ends": "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n",
    "huge cross join": "select count(*) from cautions a, cautions b, cautions c",
}
WRITES = {
    "INSERT": "insert into cautions (release_id, crime_reference, outcome_date) values ('x', 'y', '2016-01-01')",
    "UPDATE": "update cautions set offence_code = '19C'",
    "DELETE": "delete from cautions",
    "ATTACH": "attach database '/tmp/evil.db' as evil",
    "CREATE": "create table evil (x)",
    "DROP": "drop table cautions",
    "writable PRAGMA": "pragma user_version = 5",
    "writable PRAGMA (journal)": "pragma journal_mode = delete",
}


@pytest.fixture(scope="module")
def site(sample_db):
    with served(sample_db) as base_url:
        yield base_url


def get(url, timeout=30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def sql_url(site, sql, fmt=".json"):
    return f"{site}/cautions{fmt}?" + urllib.parse.urlencode({"sql": sql})


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_a_runaway_query_is_stopped_with_a_clear_message_while_others_are_served(site, name):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        runaway = pool.submit(get, sql_url(site, PATHOLOGICAL[name]))
        time.sleep(0.2)
        others = [pool.submit(get, f"{site}/cautions/rape_cautions.json?_shape=array") for _ in range(5)]
        for other in others:
            status, body = other.result()
            assert status == 200 and '"cautions"' in body
        assert not runaway.done(), "the other requests should be answered while the runaway query still runs"
        status, body = runaway.result()
    assert status == 400
    assert "SQL query took too long" in body
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("name", WRITES)
def test_every_write_is_refused(site, name, sample_db):
    before = sample_db.read_bytes()
    status, body = get(sql_url(site, WRITES[name]))
    assert status == 400, body
    assert sample_db.read_bytes() == before


def test_a_post_to_a_canned_query_is_refused(site, sample_db):
    before = sample_db.read_bytes()
    request = urllib.request.Request(f"{site}/cautions/rape_cautions", data=b"x=1", method="POST")
    try:
        status = urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as e:
        status = e.code
    assert status == 405
    assert sample_db.read_bytes() == before


def rss_kb(pid):
    total = 0
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for p in [str(pid), *children]:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def test_sustained_load_gives_no_errors_and_no_memory_growth(sample_db):
    """Four seconds of eight clients on the pages people share; then four more. Memory after
    the second round stays within 10% (plus 5 MB) of after the first: nothing accumulates."""
    paths = ["/", "/cautions/rape_cautions", "/cautions/class_a_supply_by_drug.json?_shape=array",
             "/cautions/cautions?_search=assault", "/cautions/cautions?_facet=offence_group",
             "/cautions/cautions.csv?_size=200", "/cautions/search_cautions.json?q=cannabis"]
    with served(sample_db, with_process=True) as (site, process):
        def hammer(seconds):
            errors, done, deadline = [], 0, time.monotonic() + seconds

            def client(i):
                nonlocal done
                n = i
                while time.monotonic() < deadline:
                    status, _ = get(site + paths[n % len(paths)])
                    done += 1
                    if status != 200:
                        errors.append((paths[n % len(paths)], status))
                    n += 1
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(client, range(8)))
            return errors, done

        errors, first_count = hammer(4)
        after_first = rss_kb(process.pid)
        more_errors, second_count = hammer(4)
        after_second = rss_kb(process.pid)
    assert errors == [] and more_errors == []
    assert first_count > 50 and second_count > 50
    assert after_second <= after_first * 1.10 + 5_000, (after_first, after_second)
