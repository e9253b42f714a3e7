"""Right or refused: a row is counted only when every cell that decides it was understood.

Each case is a small release a force could send. It loads with exactly the rows it should, or the
build stops (exit 1, old database untouched) listing every value it could not read, with the
manifest line that settles it. Never a traceback, never a different number. (The metamorphic
suite, tests/test_metamorphic.py, does the same on the whole sample in many shapes.)
"""
import pytest

HEADER = "Crime Reference,Offence Code,Offence Description,Outcome,Outcome Date"


def release_of(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def built(release, expect_ok=True, *extra):
    result = release.build(*extra)
    assert (result.returncode == 0) == expect_ok, result.stderr or result.stdout
    assert "Traceback" not in result.stderr
    return result


def entry(release, extra):
    release.write_manifest(release.rows_entry(extra=extra))


# --- values compared as a person reads them ----------------------------------------------------

def test_a_stray_space_or_no_break_space_makes_one_reading_and_keeps_each_spelling(release):
    release.write_csv(release_of(
        "W1,46,Shoplifting,Adult simple caution,01/05/2016",
        "W2,46 ,Shoplifting ,Adult simple caution ,01/05/2016 ",
        "W3,46,Shoplifting\u00a0,Adult simple caution\u00a0,01/05/2016\u00a0",
        "W4,46,Shoplifting,adult  SIMPLE caution,01/05/2016"))
    release.write_manifest()
    built(release)
    rows = release.query("select caution_type, offence_code, outcome_date from cautions")
    assert rows == [{"caution_type": "Adult simple caution", "offence_code": "46", "outcome_date": "2016-05-01"}] * 4
    spellings = release.query("select value, rows, classified_as from outcome_values order by first_line")
    assert [(r["value"], r["rows"]) for r in spellings] == [
        ("Adult simple caution", 1), ("Adult simple caution ", 1), ("Adult simple caution\u00a0", 1),
        ("adult  SIMPLE caution", 1)]
    assert {r["classified_as"] for r in spellings} == {"adult simple caution"}
    assert release.query("select count(*) as n from date_values")[0]["n"] == 3


# --- outcomes, word by word --------------------------------------------------------------------

@pytest.mark.parametrize("wording,kind", [
    ("Cond. Caution - Adult", "adult conditional caution"), ("Adult Cond Caution", "adult conditional caution"),
    ("Cond Caution (Youth)", "youth conditional caution"), ("ACC", "adult conditional caution"),
    ("YCC", "youth conditional caution"), ("OC3", "adult caution"), ("Type 3", "adult caution"),
    ("Outcome 2 - Youth caution", "youth caution"), ("Caution (18+)", "adult simple caution"),
    ("Caution - under 18", "youth simple caution"), ("Simple Caution - Juvenile", "youth simple caution"),
])
def test_abbreviated_and_reordered_wordings_are_read_word_by_word(release, wording, kind):
    release.write_csv(release_of(f"W1,46,Shoplifting,{wording},01/05/2016"))
    release.write_manifest()
    built(release)
    assert release.query("select classified_as from outcome_values") == [{"classified_as": kind}]


def test_a_wording_with_any_word_the_rules_do_not_know_stops_the_build_with_every_such_value(release):
    unknown = ["Caution - CAU2", "Adult caution declined", "Outcome 2 - Adult caution", "Youth diversionary caution",
               "Caution (reprimand)", "Words of advice"]
    release.write_csv(release_of("W0,46,Shoplifting,Adult simple caution,01/05/2016",
                                 *(f"W{i},46,Shoplifting,{w},01/05/2016" for i, w in enumerate(unknown, 1))))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert f"{len(unknown)} outcome values are neither in the defaults nor under `outcomes:`" in stopped.stderr
    for value in unknown:
        assert f"'{value}' (1 row" in stopped.stderr and f'"{value}": not a caution' in stopped.stderr
    assert "more" not in stopped.stderr.split("What to do")[0]


def test_the_report_lists_every_outcome_value_with_its_reading(release):
    wordings = ["Adult simple caution", "Youth caution", "ACC", "YCC", "OC3", "Outcome 2", "Outcome 1", "Charged",
                "Community resolution", "Penalty notice for disorder", "Outcome 8", "Outcome 6"]
    release.write_csv(release_of(*(f"W{i},46,Shoplifting,{w},01/05/2016" for i, w in enumerate(wordings))))
    release.write_manifest()
    result = built(release)
    for wording in wordings:
        assert f"'{wording}' 1 -> " in result.stdout
    assert "more" not in result.stdout.split("outcomes (table outcome_values)")[1].splitlines()[0]


# --- offences ----------------------------------------------------------------------------------

def test_every_description_that_matches_no_code_is_listed_with_the_lines_to_paste(release):
    reworded = ["PWITS Class A - Cocaine", "Rape of female 16 or over", "Theft - other", "Drugs - poss",
                "Assault - ABH", "Assault - common", "Burglary - dwelling", "Criminal damage - other", "Fraud - other",
                "Harassment - other"]
    rows = [f"W{i},,{d},Adult simple caution,01/05/2016" for i, d in enumerate(reworded)]
    release.write_csv(release_of(*rows, "W99,,Shoplifting,Adult simple caution,01/05/2016"))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert f"{len(reworded)} offences ({len(reworded)} rows) match no Home Office code in the lookup" in stopped.stderr
    for description in reworded:  # every one, no "and N more"
        assert f"'{description}' (1 row" in stopped.stderr and f'      "{description}": <code>' in stopped.stderr

    entry(release, 'offences:\n  "PWITS Class A - Cocaine": 92/70\n  "Rape of female 16 or over": 19C\n'
                   "unmatched_offences: keep\n")
    result = built(release)
    codes = {r["offence_description"]: r["offence_code"] for r in release.query("select * from cautions")}
    assert codes["PWITS Class A - Cocaine"] == "92/70" and codes["Rape of female 16 or over"] == "19C"
    assert codes["Theft - other"] is None and codes["Shoplifting"] == "46"
    assert "offence descriptions with no code, kept with none (`unmatched_offences: keep`" in result.stdout


def test_an_offences_line_that_is_not_a_code_is_refused_in_the_manifest(release):
    release.write_csv(release_of("W1,,Theft - other,Adult simple caution,01/05/2016"))
    entry(release, 'offences:\n  "Theft - other": <code>\n')
    stopped = built(release, expect_ok=False)
    assert "`offences:` says 'Theft - other' is '<code>', which is not a Home Office offence code" in stopped.stderr


# --- the release's period ----------------------------------------------------------------------

EARLY = [f"E{i},46,Shoplifting,Adult simple caution,{d}/03/2015" for i, d in enumerate(range(1, 31))]
IN_PERIOD = ["W1,19C,Rape,Adult simple caution,01/05/2015", "W2,46,Shoplifting,Youth caution,02/05/2016"]


def test_rows_outside_the_period_stop_the_build_all_of_them_counted(release):
    release.write_csv(release_of(*IN_PERIOD, *EARLY, "E99,19C,Rape,Adult simple caution,31/03/2015"))
    entry(release, "period: {from: 2015-04-01, to: 2017-03-31}\n")
    stopped = built(release, expect_ok=False)
    assert ("31 rows are dated outside the period the release covers (2015-04-01 to 2017-03-31), on 31 dates"
            in stopped.stderr)
    assert "`outside_period: exclude`" in stopped.stderr and "line 4, column 'Outcome Date'" in stopped.stderr


def test_outside_period_exclude_keeps_them_out_of_cautions_and_in_the_raw_table_with_the_reason(release):
    release.write_csv(release_of(*IN_PERIOD, *EARLY))
    entry(release, "period: {from: 2015-04-01, to: 2017-03-31}\noutside_period: exclude\n")
    result = built(release)
    assert release.query("select crime_reference from cautions") == [{"crime_reference": "W1"},
                                                                    {"crime_reference": "W2"}]
    assert release.query("select count(*) as n from raw_test_release where rejected_reason like "
                         "'outcome date outside the period the release covers (2015-04-01 to 2017-03-31)'")[0]["n"] == 30
    assert release.query("select rows_loaded, rows_rejected, rows_outside_period, earliest_date, latest_date "
                         "from releases") == [{"rows_loaded": 2, "rows_rejected": 30, "rows_outside_period": 30,
                                               "earliest_date": "2015-05-01", "latest_date": "2016-05-02"}]
    assert "30 rows outside it excluded" in result.stdout


def test_without_a_period_the_report_states_the_earliest_and_latest_dates(release):
    release.write_csv(release_of(*IN_PERIOD, *EARLY[:1]))
    release.write_manifest()
    result = built(release)
    assert "dated 2015-03-01 to 2016-05-02 (no `period:` in the manifest" in result.stdout


# --- what a row is -----------------------------------------------------------------------------

def test_repeated_references_are_counted_in_full_and_rows_are_offences_counts_each_crime_once(release):
    rows = [f"W{i},46,Shoplifting,Adult simple caution,01/05/2016" for i in range(10)]
    rows += [f"W{i},58J,Criminal damage,Adult simple caution,01/05/2016" for i in range(5)]  # a second offence
    rows += ["W0,19C,Rape,Adult simple caution,01/05/2016"]  # and a third, for one crime
    release.write_csv(release_of(*rows))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert "crime reference 'W0' appears more than once (lines 2, 12, 17); 4 more references repeat too" \
        in stopped.stderr
    assert "5 crimes on 11 rows" in stopped.stderr and "`rows_are: offences`" in stopped.stderr

    entry(release, "rows_are: offences\n")
    built(release, True, "--metadata", str(release.metadata()))
    assert release.query("select count(*) as n from cautions")[0]["n"] == 16  # every row loaded
    assert release.query("select sum(cautions) as n from monthly_cautions")[0]["n"] == 10  # each crime once
    by_code = {r["offence_code"]: r["n"] for r in
               release.query("select offence_code, sum(cautions) as n from cautions_by_code group by 1")}
    assert by_code == {"46": 10, "58J": 5, "19C": 1}
    assert release.query("select rows_are from releases") == [{"rows_are": "offences"}]


# --- dates -------------------------------------------------------------------------------------

def test_excel_serial_dates_need_date_format_excel_which_the_message_names(release):
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,42461",
                                 "W2,46,Shoplifting,Adult simple caution,42461.5"))
    release.write_manifest()
    stopped = built(release, expect_ok=False)
    assert "'42461' is not a date in the form dd/mm/yyyy (it looks like a spreadsheet's serial day number: 2016-04-01?)" \
        in stopped.stderr and "add `date_format: excel`" in stopped.stderr
    entry(release, "date_format: excel\n")
    built(release)
    assert release.query("select outcome_date, outcome_time, financial_year from cautions") == [
        {"outcome_date": "2016-04-01", "outcome_time": None, "financial_year": "2016/17"},
        {"outcome_date": "2016-04-01", "outcome_time": "12:00:00", "financial_year": "2016/17"}]


def test_a_date_split_over_year_and_month_columns_is_read_as_a_month(release):
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,2016,April",
                                 "W2,46,Shoplifting,Adult simple caution,2017,3",
                                 header="Crime Reference,Offence Code,Offence Description,Outcome,Year,Month"))
    entry(release, "columns:\n  outcome_date: [Year, Month]\n")
    built(release)
    assert release.query("select outcome_date, month, financial_year from cautions") == [
        {"outcome_date": "2016-04", "month": "2016-04", "financial_year": "2016/17"},
        {"outcome_date": "2017-03", "month": "2017-03", "financial_year": "2016/17"}]
    assert release.query("select value, form from date_values order by first_line")[0] == {
        "value": "2016 / April", "form": "year and month in two columns"}


def test_day_month_and_year_columns_make_the_date(release):
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,5,6,2016",
                                 header="Crime Reference,Offence Code,Offence Description,Outcome,Day,Month,Year"))
    entry(release, "columns:\n  outcome_date: [Day, Month, Year]\n")
    built(release)
    assert release.query("select outcome_date from cautions") == [{"outcome_date": "2016-06-05"}]


def test_a_financial_year_column_and_no_date_fills_the_financial_year_only(release):
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,2015/16",
                                 "W2,19C,Rape,Youth caution,2016-17",
                                 header="Crime Reference,Offence Code,Offence Description,Outcome,Financial Year"))
    release.write_manifest()
    built(release)
    assert release.query("select outcome_date, month, financial_year from cautions") == [
        {"outcome_date": None, "month": None, "financial_year": "2015/16"},
        {"outcome_date": None, "month": None, "financial_year": "2016/17"}]
    assert release.query("select financial_year, sum(cautions) as n from monthly_cautions group by 1") == [
        {"financial_year": "2015/16", "n": 1}, {"financial_year": "2016/17", "n": 1}]


# --- every query is part of the story ----------------------------------------------------------

def test_a_figure_with_a_misspelt_column_shows_sqlites_message(release, tmp_path):
    import yaml
    from conftest import ROOT
    release.write_csv(release_of("W1,46,Shoplifting,Adult simple caution,01/05/2016"))
    release.write_manifest()
    site = yaml.safe_load(release.metadata().read_text())
    site["databases"]["cautions"]["queries"]["rape_cautions"]["sql"] = "select count(*) from cautions where ofence_code = '19C'"
    metadata = tmp_path / "misspelt.yml"
    metadata.write_text(yaml.safe_dump(site))
    stopped = built(release, False, "--metadata", str(metadata))
    assert "rape_cautions: its `sql:`: SQLite says no such column: ofence_code" in stopped.stderr
    assert "comes from releases not in this build" not in stopped.stderr
    assert ROOT.exists()
