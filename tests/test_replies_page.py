"""The round robin's page, /cautions/replies, and its canned queries (issue 20), in Datasette's
test client: the question, "N of 43 forces answered" with partial answers, refusals and
non-replies counted apart, the refusing forces named, every force in the ranked chart (a refusal
or no reply a row that says so, never a zero), each name linking to its reply; with several
requests in the database, the page and the queries pick the request by request_id, else the most
recently sent.
"""
import html
import json
import re
import sqlite3

import build
import pytest
from datasette.app import Datasette

from replies_fixture import REFUSALS, REQUEST_ID, add_round_robin
from site_fixtures import ROOT, canned_queries, serve_settings, site_metadata

REPLIES_QUERIES = {name: q for name, q in canned_queries().items() if name.startswith("replies_")}
LATER = "test-three-forces-later"


@pytest.fixture(scope="module")
def two_requests(tmp_path_factory):
    """The shipped build, the 43-force test request, and a later request to three forces."""
    out = tmp_path_factory.mktemp("replies-page") / "cautions.db"
    assert build.main(["--output", str(out), "--quiet", "--strict"]) == 0
    replies = add_round_robin(out)
    with sqlite3.connect(out) as conn:
        conn.execute("insert into requests (id, question, sent, authorities, is_sample) values (?, ?, ?, 3, 1)",
                     [LATER, "How many cautions for shoplifting? (test request)", "2099-01-01"])
        for name, status, total in [("Kent", "answered", 40), ("Essex", "answered", 55), ("Surrey", "no reply", None)]:
            conn.execute("insert into replies (request_id, authority, status, total, is_sample) values (?, ?, ?, ?, 1)",
                         [LATER, name, status, total])
    return out, replies


@pytest.fixture(scope="module")
def client(two_requests):
    return Datasette([str(two_requests[0])], metadata=site_metadata(),
                     template_dir=str(ROOT / "templates"), settings=serve_settings()).client


def chart_rows(page):
    chart = page[page.index('<ol class="ranked-bars"'):]
    chart = chart[:chart.index("</ol>")]
    return re.findall(r'<li class="ranked-row[^"]*"(?: data-value="(\d+)")?><span class="bar-label">'
                      r'(?:<a href="([^"]+)">)?([^<]+)(?:</a>)?</span>.*?</li>', chart)


@pytest.mark.asyncio
async def test_the_page_states_the_question_who_answered_and_who_refused(client, two_requests):
    replies = two_requests[1]
    page = (await client.get(f"/cautions/replies?request_id={REQUEST_ID}")).text
    count = {s: sum(1 for r in replies if r["status"] == s) for s in ("answered", "partial", "refused", "no reply")}
    assert "How many crimes did your force resolve by a caution between 1 April 2015 and 31 March 2017?" in page
    assert (f"<strong>{count['answered']} of 43 forces answered</strong>; {count['partial']} answered in part; "
            f"{count['refused']} refused; {count['no reply']} did not reply.") in page
    refusals = page[page.index('<p class="refusals">'):]
    refusals = refusals[:refusals.index("</p>")]
    for reply in (r for r in replies if r["status"] == "refused"):
        assert f">{reply['authority']}</a> ({REFUSALS[reply['refusal']]})" in refusals
    assert "SAMPLE replies" in page


@pytest.mark.asyncio
async def test_every_force_is_a_row_of_the_ranked_chart_linking_to_its_reply(client, two_requests):
    """43 rows, the largest total first; a force with no total after them, saying why; each answered
    force's name opens its release; a force that never replied opens its row of replies."""
    replies = {r["authority"]: r for r in two_requests[1]}
    page = (await client.get(f"/cautions/replies?request_id={REQUEST_ID}")).text
    rows = chart_rows(page)
    assert sorted(name for _, _, name in rows) == sorted(replies)
    values = [int(v) for v, _, _ in rows if v]
    assert values == sorted((r["total"] for r in replies.values() if r["total"] is not None), reverse=True)
    assert all(v for v, _, _ in rows[:len(values)])  # no figure: after every number
    for _, href, name in rows:
        reply = replies[name]
        if reply["release_id"]:
            assert href == f"/cautions/releases/{reply['release_id']}"
            assert (await client.get(href)).status_code == 200
        else:
            assert href == f"/cautions/replies?request_id={REQUEST_ID}&amp;authority={name.replace(' ', '+')}"
    for reply in replies.values():
        note = re.search(rf'>{re.escape(reply["authority"])}</a></span><span class="bar-track">'
                         r'<span class="bar-note">([^<]+)</span>', page)
        if reply["status"] == "refused":
            assert note.group(1) == f"refused ({REFUSALS[reply['refusal']]})"
        elif reply["status"] == "no reply":
            assert note.group(1) == "no reply"
        else:
            assert note is None


@pytest.mark.asyncio
async def test_with_several_requests_the_page_shows_the_one_asked_for_else_the_latest(client):
    latest = (await client.get("/cautions/replies")).text
    assert "How many cautions for shoplifting?" in latest and "2 of 3 forces answered" in latest
    assert [name for _, _, name in chart_rows(latest)] == ["Essex", "Kent", "Surrey"]
    assert f'href="/cautions/replies?request_id={REQUEST_ID}"' in latest  # the other request, a link away
    chosen = (await client.get(f"/cautions/replies?request_id={REQUEST_ID}")).text
    assert "How many cautions for shoplifting?" not in chosen and len(chart_rows(chosen)) == 43


def test_no_canned_query_is_named_like_a_table(two_requests):
    with sqlite3.connect(two_requests[0]) as conn:
        tables = {name for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    assert set(REPLIES_QUERIES) == {"replies_ranked_by_total", "replies_ranked_by_rate", "replies_beside_home_office"}
    assert not set(REPLIES_QUERIES) & tables  # a query named like a table would hide the table
    for query in REPLIES_QUERIES.values():
        assert len(query["description"]) > 80 and query.get("fragment")


@pytest.mark.asyncio
@pytest.mark.parametrize("name, column", [("replies_ranked_by_total", "total"),
                                          ("replies_ranked_by_rate", "rate_per_1000_crimes")])
async def test_the_ranked_queries_rank_every_force_and_leave_a_missing_figure_blank_and_last(client, two_requests, name, column):
    replies = two_requests[1]
    result = (await client.get(f"/cautions/{name}.json?request_id={REQUEST_ID}&_shape=array")).json()
    assert sorted(r["authority"] for r in result) == sorted(r["authority"] for r in replies)
    figures = [r[column] for r in result]
    given = [f for f in figures if f is not None]
    assert given == sorted(given, reverse=True) and figures[len(given):] == [None] * (len(figures) - len(given))
    assert {r["authority"] for r in result if r[column] is None} == {
        r["authority"] for r in replies if r["status"] in ("refused", "no reply")}
    latest = (await client.get(f"/cautions/{name}.json?_shape=array")).json()
    assert sorted(r["authority"] for r in latest) == ["Essex", "Kent", "Surrey"]  # blank: the latest request


@pytest.mark.asyncio
async def test_beside_the_home_office_each_answer_carries_its_ratio(client, two_requests):
    replies = {r["authority"]: r for r in two_requests[1]}
    result = (await client.get(f"/cautions/replies_beside_home_office.json?request_id={REQUEST_ID}&_shape=array")).json()
    assert {r["authority"] for r in result} == {n for n, r in replies.items() if r["total"] is not None}
    for row in result:
        assert row["ratio_to_home_office"] == replies[row["authority"]]["ratio_to_home_office"]
    distance = [abs(1 - r["ratio_to_home_office"]) for r in result]
    assert distance == sorted(distance, reverse=True)  # the furthest from the official count first
    assert json.dumps(result)  # plain JSON for other journalists


@pytest.mark.asyncio
async def test_the_page_cites_the_replies_releases_and_the_home_office_not_the_story_alone(client, two_requests):
    """Dozens of releases: the source line names the first and sends the reader to the releases
    table for every one; the licences of all of them, the Home Office's among them, are stated."""
    with sqlite3.connect(two_requests[0]) as conn:
        replied = conn.execute("select title, licence from releases where id in (select release_id from replies) "
                               "order by rowid").fetchall()
        compared = conn.execute("select licence from releases where table_name = 'home_office_outcomes_all_forces'"
                                ).fetchone()[0]
    page = (await client.get("/cautions/replies")).text
    footer = html.unescape(re.search(r"Data license:(.*?)</footer>", page, re.S).group(1))
    source = re.search(r'Data source: <a href="([^"]+)">([^<]+)</a>', footer)
    assert source.group(1) == "/cautions/releases"
    assert source.group(2).startswith(f"{len(replied) + 2} releases: {replied[0][0]}")
    assert "the releases table lists each" in source.group(2)
    assert all(licence in footer for _, licence in replied if licence) and compared in footer
