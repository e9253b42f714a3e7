"""A round robin: one request sent to every territorial force, and each force's reply side by side.

The journalist declares the request once in data/manifest.yml (`requests:`) and each reply as a
release with `request:` and `status:`. The build writes `requests` (one row per request) and
`replies` (one row per force the request went to). These tests are the specification, read
against the shipped SAMPLE round robin (data/sample/round_robin/) and small manifests of their own.
"""
import csv
import datetime
import html
import json
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest

from foi import replies

ROOT = Path(__file__).resolve().parent.parent
HOME_OFFICE = ROOT / "data" / "home_office"
REQUEST = "cautions-by-force-2017"


def query(database, sql, params=()):
    import sqlite3
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def reply(database, authority):
    rows = query(database, "select * from replies where request_id = ? and authority = ?", (REQUEST, authority))
    assert len(rows) == 1, f"{authority} should have one row in replies"
    return rows[0]


def home_office_cautions(force, years):
    """The Home Office's own count, read straight from the committed file: youth (closed_all_t2)
    plus adult (closed_all_t3) cautions, investigations closed in those financial years."""
    with open(HOME_OFFICE / "force_year.csv", encoding="utf-8", newline="") as f:
        return sum(int(r["closed_all_t2"]) + int(r["closed_all_t3"]) for r in csv.DictReader(f)
                   if r["force"] == force and r["fy"] in years)


def recorded_crime(force, years):
    with open(HOME_OFFICE / "denominators.csv", encoding="utf-8", newline="") as f:
        return sum(int(r["recorded_crime"]) for r in csv.DictReader(f) if r["force"] == force and r["fy"] in years)


BOTH_YEARS = ("2015/16", "2016/17")

# --- the shipped sample: every force, each shape ------------------------------------------------


def test_the_request_went_to_all_43_territorial_forces_and_each_has_a_row(sample_db):
    with open(ROOT / "data" / "reference" / "forces.csv", encoding="utf-8", newline="") as f:
        forces = {r["name"]: r for r in csv.DictReader(f)}
    assert len(forces) == 43
    rows = query(sample_db, "select authority, force_code, country, status from replies where request_id = ?", (REQUEST,))
    assert {r["authority"]: (r["force_code"], r["country"]) for r in rows} == {
        name: (f["ons_code"], f["country"]) for name, f in forces.items()}
    (request,) = query(sample_db, "select * from requests where id = ?", (REQUEST,))
    statuses = [r["status"] for r in rows]
    assert request["authorities"] == 43
    assert (request["answered"], request["partial"], request["refused"], request["no_reply"]) == (
        statuses.count("answered"), statuses.count("partial"), statuses.count("refused"), statuses.count("no reply"))
    assert (request["answered"], request["partial"], request["refused"]) == (6, 1, 1)
    assert (request["period_from"], request["period_to"], request["sent"]) == ("2015-04-01", "2017-03-31", "2017-03-01")
    assert request["is_sample"] == 1


@pytest.mark.parametrize("authority, shape", [
    ("City of London", "rows, CSV, outcomes in words"),
    ("Gloucestershire", "rows, XLSX, outcomes as Home Office numbers (Outcome 2, Outcome 3)"),
    ("Cumbria", "counts, XLSX, one count column and a Total row: the total found by itself"),
    ("Cleveland", "counts, CSV, a Total column and a Total row: `total:` names the cell"),
    ("Gwent", "counts, XLSX, a header of two rows (year over youth and adult)"),
])
def test_each_shape_of_answer_gives_the_forces_total_which_is_the_home_offices_own_count(sample_db, authority, shape):
    row = reply(sample_db, authority)
    assert row["status"] == "answered"
    assert row["total"] == home_office_cautions(authority, BOTH_YEARS) > 0, shape
    assert row["is_sample"] == 1


def test_a_partial_answer_is_counted_for_the_year_it_covers(sample_db):
    row = reply(sample_db, "North Wales")
    assert row["status"] == "partial"
    assert row["total"] == home_office_cautions("North Wales", ("2016/17",))
    assert row["home_office_cautions"] == home_office_cautions("North Wales", ("2016/17",))
    assert row["ratio_to_home_office"] == pytest.approx(1.0)


def test_thames_valleys_reply_is_the_storys_own_release(sample_db):
    row = reply(sample_db, "Thames Valley")
    (figure,) = query(sample_db, "select published_value from headline_figures where query = 'total_cautions'")
    assert (row["status"], row["release_id"]) == ("answered", "tvp-cautions-sample")
    assert row["total"] == figure["published_value"]


def test_a_refusal_and_no_reply_have_no_total_null_never_zero(sample_db):
    met = reply(sample_db, "Metropolitan Police")
    assert (met["status"], met["refusal"], met["total"]) == ("refused", "s.12 (cost)", None)
    assert met["ratio_to_home_office"] is None and met["rate_per_1000_crimes"] is None
    silent = query(sample_db, "select * from replies where status = 'no reply'")
    assert len(silent) == 35
    assert all(r["total"] is None and r["answered"] is None and r["working_days"] is None and r["late"] is None
               and r["release_id"] is None for r in silent)
    assert query(sample_db, "select count(*) as n from replies where total = 0") == [{"n": 0}]


def test_a_refusal_is_a_release_with_its_provenance_and_no_file(sample_db):
    (met,) = query(sample_db, "select * from releases where id = 'met-cautions-2017-sample'")
    assert met["file_name"] is None and met["sha256"] is None and met["rows_loaded"] is None
    assert met["source_url"].startswith("https://") and met["answered"] == "2017-03-28" and met["is_sample"] == 1


# --- late replies: working days ---------------------------------------------------------------

def test_a_reply_on_the_20th_working_day_is_on_time_and_on_the_21st_late(sample_db):
    # Sent Wednesday 1 March 2017. Working days after it: 2, 3, 6-10, 13-17, 20-24, 27, 28, 29 March (20).
    city = reply(sample_db, "City of London")
    assert (city["answered"], city["working_days"], city["late"]) == ("2017-03-29", 20, 0)
    cumbria = reply(sample_db, "Cumbria")
    assert (cumbria["answered"], cumbria["working_days"], cumbria["late"]) == ("2017-03-30", 21, 1)


def test_bank_holidays_are_not_working_days(sample_db):
    # 1 March to Thursday 20 April 2017: 36 weekdays, less Good Friday (14 April) and Easter Monday (17 April).
    tvp = reply(sample_db, "Thames Valley")
    assert (tvp["working_days"], tvp["late"]) == (34, 1)


@pytest.mark.parametrize("sent, answered, days, why", [
    ("2022-06-01", "2022-06-07", 2, "the spring bank holiday moved to Thursday 2 June, and the Platinum Jubilee on the 3rd"),
    ("2022-05-27", "2022-05-31", 2, "Monday 30 May 2022 was a working day that year"),
    ("2022-09-16", "2022-09-20", 1, "the Queen's state funeral, Monday 19 September 2022"),
    ("2023-05-05", "2023-05-09", 1, "the coronation, Monday 8 May 2023"),
    ("2020-05-07", "2020-05-11", 1, "the early May bank holiday moved to Friday 8 May 2020 (VE day)"),
    ("2020-05-01", "2020-05-05", 2, "so Monday 4 May 2020 was a working day"),
    ("2015-12-24", "2015-12-29", 1, "Boxing Day on a Saturday: Monday 28 December instead"),
    ("2016-12-23", "2016-12-28", 1, "Christmas on a Sunday: Tuesday 27 December instead"),
    ("2017-03-01", "2017-03-01", 0, "a reply the same day"),
])
def test_working_days_on_known_dates(sent, answered, days, why):
    holidays = replies.read_bank_holidays(ROOT / "data" / "reference" / "bank_holidays_england_wales.csv")
    assert replies.working_days(datetime.date.fromisoformat(sent), datetime.date.fromisoformat(answered),
                                holidays) == days, why


def test_the_bank_holidays_table_follows_the_rules_for_2014_to_2027():
    """Each year: New Year's Day, Good Friday, Easter Monday, the first Monday of May, the last
    Mondays of May and August, Christmas and Boxing Day, each moved off a weekend; and the
    one-off changes of 2020, 2022 and 2023."""
    def easter(y):  # the anonymous Gregorian algorithm
        a, b, c = y % 19, y // 100, y % 100
        h = (19 * a + b - b // 4 - (b - (b + 8) // 25 + 1) // 3 + 15) % 30
        k = (32 + 2 * (b % 4) + 2 * (c // 4) - h - c % 4) % 7
        m = (a + 11 * h + 22 * k) // 451
        return datetime.date(y, (h + k - 7 * m + 114) // 31, (h + k - 7 * m + 114) % 31 + 1)

    def monday(y, month, last=False):
        d = datetime.date(y + (month == 12 and last), (month % 12) + 1 if last else month, 1)
        if last:
            d -= datetime.timedelta(days=1)
            return d - datetime.timedelta(days=d.weekday())
        return d + datetime.timedelta(days=(7 - d.weekday()) % 7)

    expected = set()
    for y in range(2014, 2028):
        new_year = datetime.date(y, 1, 1)
        expected.add(new_year + datetime.timedelta(days=(7 - new_year.weekday()) % 7 if new_year.weekday() >= 5 else 0))
        expected |= {easter(y) - datetime.timedelta(days=2), easter(y) + datetime.timedelta(days=1),
                     monday(y, 5), monday(y, 5, last=True), monday(y, 8, last=True)}
        taken = []
        for day in (datetime.date(y, 12, 25), datetime.date(y, 12, 26)):
            while day.weekday() >= 5 or day in taken:
                day += datetime.timedelta(days=1)
            taken.append(day)
        expected |= set(taken)
    expected -= {datetime.date(2020, 5, 4), datetime.date(2022, 5, 30)}
    expected |= {datetime.date(2020, 5, 8), datetime.date(2022, 6, 2), datetime.date(2022, 6, 3),
                 datetime.date(2022, 9, 19), datetime.date(2023, 5, 8)}
    assert replies.read_bank_holidays(ROOT / "data" / "reference" / "bank_holidays_england_wales.csv") == expected


# --- beside the Home Office's figures ------------------------------------------------------------

@pytest.mark.parametrize("authority", ["City of London", "Gloucestershire", "Cumbria", "Cleveland", "Gwent",
                                       "Thames Valley"])
def test_each_total_is_compared_with_the_home_offices_count_and_recorded_crime(sample_db, authority):
    row = reply(sample_db, authority)
    cautions, crimes = home_office_cautions(authority, BOTH_YEARS), recorded_crime(authority, BOTH_YEARS)
    assert (row["home_office_cautions"], row["recorded_crime"]) == (cautions, crimes)
    assert row["ratio_to_home_office"] == pytest.approx(row["total"] / cautions)
    assert row["rate_per_1000_crimes"] == pytest.approx(row["total"] * 1000 / crimes)


def test_thames_valleys_extract_holds_a_few_more_than_the_home_office_counts(sample_db):
    tvp = reply(sample_db, "Thames Valley")
    assert tvp["ratio_to_home_office"] == pytest.approx(tvp["total"] / home_office_cautions("Thames Valley", BOTH_YEARS))
    assert 1 < tvp["ratio_to_home_office"] < 1.05


def test_the_comparison_is_a_query_a_reader_can_run(sample_db):
    (row,) = query(sample_db, f"select sum({replies.HOME_OFFICE_CAUTIONS}) as cautions "
                              f"from {replies.HOME_OFFICE_TABLE} where force = 'Gwent' and fy in ('2015/16', '2016/17')")
    assert row["cautions"] == reply(sample_db, "Gwent")["home_office_cautions"]
    (request,) = query(sample_db, "select comparison from requests")
    assert replies.HOME_OFFICE_TABLE in request["comparison"] and "2015/16 and 2016/17" in request["comparison"]


# --- the story stays ----------------------------------------------------------------------------

def test_the_storys_figures_count_only_the_storys_release_beside_the_round_robins_rows(sample_db):
    in_cautions = {r["release_id"]: r["n"] for r in query(
        sample_db, "select release_id, count(*) as n from cautions group by release_id")}
    assert set(in_cautions) == {"tvp-cautions-sample", "col-cautions-2017-sample", "glos-cautions-2017-sample"}
    assert query(sample_db, "select release_id from story_releases") == [{"release_id": "tvp-cautions-sample"}]
    # the story's crimes are one run of ids, the run its queries read
    (run,) = query(sample_db, "select count(*) as n from cautions where id between "
                              "(select first_id from story_releases) and (select last_id from story_releases)")
    assert run["n"] == in_cautions["tvp-cautions-sample"]
    figures = query(sample_db, "select query, status, computed_value, published_value from headline_figures")
    assert figures and all(f["status"] in ("matches", "as published") for f in figures)
    (total,) = [f for f in figures if f["query"] == "total_cautions"]
    assert total["computed_value"] == in_cautions["tvp-cautions-sample"] < sum(in_cautions.values())


def test_the_storys_figures_cite_the_storys_release_not_the_other_replies(sample_db):
    """On the home page, each figure's SAMPLE note and citation, and on its own page the source
    line, name the release the figure counts; the other forces' replies in `cautions` are not its source."""
    from site_server import served
    with served(sample_db) as url:
        with urllib.request.urlopen(url + "/", timeout=30) as r:
            home = html.unescape(r.read().decode())
        with urllib.request.urlopen(url + "/cautions/total_cautions", timeout=30) as r:
            page = html.unescape(r.read().decode())
    other = [r["title"] for r in query(sample_db, "select title from releases where kind = 'rows' and id not in "
                                                  "(select release_id from story_releases)")]
    story = query(sample_db, "select title from releases where id in (select release_id from story_releases)")
    figure = home.split('id="figure-total_cautions"', 1)[1].split("</li>", 1)[0]
    footer = page.split("Data source:", 1)[1].split("</footer>", 1)[0]
    assert other and story
    for shown in (figure, footer):
        assert story[0]["title"] in shown and not any(title in shown for title in other)


# --- the site and the exports -------------------------------------------------------------------

def test_the_served_replies_name_the_refusing_force(sample_db):
    from site_server import served
    with served(sample_db) as url:
        with urllib.request.urlopen(url + "/cautions/replies.json?_shape=array&status=refused", timeout=30) as r:
            refused = json.load(r)
        with urllib.request.urlopen(url + "/cautions/replies.csv?_size=max", timeout=30) as r:
            lines = r.read().decode().splitlines()
    assert [(r["authority"], r["refusal"], r["total"]) for r in refused] == [("Metropolitan Police", "s.12 (cost)", None)]
    assert len(lines) == 44 and lines[0].split(",")[:5] == ["request_id", "authority", "force_code", "country", "status"]


def test_exports_write_replies_csv_one_row_per_force_with_stable_columns(sample_db, tmp_path):
    import exports
    index = exports.write_exports(sample_db, tmp_path / "exports")
    assert index["files"]["replies"]["rows"] == 43
    with open(tmp_path / "exports" / "replies.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    from foi.schema import REPLIES_COLUMNS
    assert reader.fieldnames == list(REPLIES_COLUMNS)
    assert {r["authority"]: r["total"] for r in rows}["Metropolitan Police"] == ""  # empty, not 0


# --- the sample is generated, seeded ------------------------------------------------------------

def test_the_sample_round_robin_is_regenerated_byte_for_byte(tmp_path):
    generator = ROOT / "data" / "sample" / "round_robin" / "generate_round_robin.py"
    subprocess.run([sys.executable, str(generator), "--out-dir", str(tmp_path)], check=True, capture_output=True)
    shipped = sorted(p.name for p in generator.parent.glob("*_SAMPLE.*"))
    assert len(shipped) == 6 and shipped == sorted(p.name for p in tmp_path.iterdir())
    for name in shipped:
        assert (tmp_path / name).read_bytes() == (generator.parent / name).read_bytes(), name


# --- declaring a round robin: what the manifest accepts and refuses -----------------------------

COUNTS_CSV = "Outcome,Cautions\nYouth caution,3\nAdult caution,9\nTotal,12\n"
REQUEST_YAML = """\
requests:
  - id: test-request
    question: How many cautions?
    sent: 2017-03-01
    to: {to}
    period: {{from: {start}, to: {end}}}
    is_sample: true
"""


def reply_entry(id="test-reply", authority="Cumbria Constabulary", status="answered", file="counts.csv", extra="",
                answered="2017-03-20"):
    entry = textwrap.dedent(f"""\
      - id: {id}
        request: test-request
        status: {status}
        title: A reply
        authority: {authority}
        source_url: https://example.org/foi
        licence: test
        is_sample: true
    """) + (f"  answered: {answered}\n" if answered else "")
    if file:
        entry += f"  kind: counts\n  file: {file}\n  table: {id.replace('-', '_')}\n  counts: [Cautions]\n"
    return entry + textwrap.indent(textwrap.dedent(extra), "  ")


def write_round_robin(release, *entries, to="[Cumbria, Gwent, Dorset]", start="2015-04-01", end="2017-03-31"):
    release.write_csv(COUNTS_CSV, name="counts.csv")
    release.manifest.write_text(f"offence_codes: {ROOT / 'data/reference/offence_codes.csv'}\n"
                                + REQUEST_YAML.format(to=to, start=start, end=end)
                                + "releases:\n" + "".join(entries or [reply_entry()]))


def refused(release, *messages):
    release.output.write_bytes(b"previous database")
    result = release.build()
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr
    assert release.output.read_bytes() == b"previous database"
    return result.stderr


def test_a_small_round_robin_builds_with_the_forces_it_went_to(release):
    write_round_robin(release, reply_entry(),
                      reply_entry(id="gwent-refusal", authority="Gwent Police", status="refused", file=None,
                                  extra='refusal: "s.14 (vexatious)"\n'))
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert "1 of 3 answered, 0 in part, 1 refused, 1 no reply" in result.stdout
    rows = {r["authority"]: r for r in release.query("select * from replies")}
    assert (rows["Cumbria"]["status"], rows["Cumbria"]["total"]) == ("answered", 12)
    assert (rows["Gwent"]["status"], rows["Gwent"]["total"], rows["Gwent"]["refusal"]) == ("refused", None,
                                                                                             "s.14 (vexatious)")
    assert (rows["Dorset"]["status"], rows["Dorset"]["total"]) == ("no reply", None)


def test_a_period_that_is_not_whole_financial_years_is_not_compared_and_the_build_says_why(release):
    write_round_robin(release, start="2015-01-01", end="2016-12-31")
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert "not compared: the period 2015-01-01 to 2016-12-31 is not whole financial years" in result.stdout
    (row,) = release.query("select * from replies where authority = 'Cumbria'")
    assert row["total"] == 12
    assert row["home_office_cautions"] is row["ratio_to_home_office"] is row["rate_per_1000_crimes"] is None


def test_a_reply_to_an_undeclared_request_is_refused_with_the_requests_there_are(release):
    write_round_robin(release, reply_entry().replace("request: test-request", "request: test-requets"))
    refused(release, "line 11", "answers request 'test-requets', which `requests:` does not declare",
            "use one of: test-request")


def test_an_authority_the_request_did_not_go_to_is_refused_with_the_closest_names(release):
    write_round_robin(release, reply_entry(authority="Gwnet Police"))
    refused(release, "authority 'Gwnet Police' is not one of the forces", "did you mean 'Gwent'")


def test_a_force_that_replied_twice_is_refused(release):
    write_round_robin(release, reply_entry(), reply_entry(id="second-reply", authority="Cumbria"))
    refused(release, "a second reply from Cumbria to request 'test-request' (the first is test-reply)")


def test_a_refusal_with_a_file_is_refused(release):
    write_round_robin(release, reply_entry(status="refused", extra='refusal: "s.12 (cost)"\n'))
    refused(release, "is `status: refused` but names a file", "remove `file:`")


def test_a_refusal_must_say_under_what(release):
    write_round_robin(release, reply_entry(status="refused", file=None))
    refused(release, "is refused but does not say under what", 'refusal: "s.12 (cost)"')


def test_an_unknown_status_is_refused(release):
    write_round_robin(release, reply_entry(status="ignored"))
    refused(release, "status 'ignored' is not one of: answered, partial, refused, no reply")


def test_a_request_to_a_force_that_does_not_exist_is_refused(release):
    write_round_robin(release, to="[Cumbria, Thames Vally]")
    refused(release, "`to:` names 'Thames Vally', which is not a force", "did you mean 'Thames Valley'")


def test_a_counts_reply_with_several_totals_must_name_its_cell_and_is_shown_the_choices(release):
    write_round_robin(release)
    release.write_csv("Year,Youth,Adult\n2015/16,1,2\n2016/17,3,4\nTotal,4,6\n", name="counts.csv")
    release.manifest.write_text(release.manifest.read_text().replace("counts: [Cautions]", "counts: [Youth, Adult]"))
    refused(release, "which cell answers the request? its total row gives 2 counts",
            "total: {row: Total, column: Adult}   # 6", "total: {row: Total, column: Youth}   # 4",
            "total: {row: Total, column: [Adult, Youth]}   # 10, their sum")


def test_a_total_can_add_up_the_cells_of_one_row_youth_and_adult_with_no_total_column(release):
    write_round_robin(release, reply_entry(extra="total: {row: Total, column: [Youth, Adult]}\n"))
    release.write_csv("Year,Youth,Adult\n2015/16,1,2\n2016/17,3,4\nTotal,4,6\n", name="counts.csv")
    release.manifest.write_text(release.manifest.read_text().replace("counts: [Cautions]", "counts: [Youth, Adult]"))
    result = release.build()
    assert result.returncode == 0, result.stderr
    (published,) = release.query("select sum(published) as cells from published_totals where label = 'Total'")
    assert release.query("select total from replies where authority = 'Cumbria'") == [{"total": published["cells"]}]


def test_a_sum_naming_a_column_that_is_not_there_is_refused(release):
    write_round_robin(release, reply_entry(extra="total: {row: Total, column: [Youth, Adlut]}\n"))
    release.write_csv("Year,Youth,Adult\n2015/16,1,2\n2016/17,3,4\nTotal,4,6\n", name="counts.csv")
    release.manifest.write_text(release.manifest.read_text().replace("counts: [Cautions]", "counts: [Youth, Adult]"))
    refused(release, "`total:` names row 'Total', column 'Adlut': no such cell",
            "total: {row: Total, column: [Adult, Youth]}   # 10, their sum")


def test_a_total_naming_a_cell_that_is_not_there_is_refused_with_the_choices(release):
    write_round_robin(release, reply_entry(extra="total: {row: Total, column: Cautoins}\n"))
    refused(release, "`total:` names row 'Total', column 'Cautoins': no such cell",
            "total: {row: Total, column: Cautions}   # 12")


def test_a_total_can_name_a_data_row(release):
    write_round_robin(release, reply_entry(extra="total: {row: Adult caution, column: Cautions}\n"))
    result = release.build()
    assert result.returncode == 0, result.stderr
    assert release.query("select total from replies where authority = 'Cumbria'") == [{"total": 9}]


def test_a_force_declared_as_no_reply_keeps_its_release_and_has_no_total(release):
    write_round_robin(release, reply_entry(),
                      reply_entry(id="dorset-chased", authority="Dorset Police", status="no reply", file=None,
                                  answered=None))
    result = release.build()
    assert result.returncode == 0, result.stderr
    (row,) = release.query("select * from replies where authority = 'Dorset'")
    assert (row["status"], row["release_id"], row["total"], row["working_days"]) == ("no reply", "dorset-chased", None,
                                                                                     None)


def test_a_no_reply_with_an_answered_date_is_refused(release):
    write_round_robin(release, reply_entry(authority="Dorset", status="no reply", file=None))
    refused(release, "is `status: no reply` but has an `answered:` date")
