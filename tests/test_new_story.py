"""A new story the same day: another force's release and another story's figures, from a file
nobody has declared to a published, checked site, with no code change (README, "A new story").

The journey, as a journalist walks it: describe the file, paste the entry, write the story's
figures in metadata.yml, build, serve. Then each shape a published table of counts comes in.
"""
import hashlib
import json
import random
import re
import subprocess
import sys

import pytest
import yaml
from datasette.app import Datasette

from conftest import ROOT
from site_fixtures import serve_settings

DISTRICTS = ["Birmingham", "Coventry", "Dudley", "Walsall", "Wolverhampton"]
OUTCOMES = ["Outcome 3", "Outcome 2", "Outcome 1", "Outcome 8"]  # adult caution, youth caution, charge, community resolution
OFFENCES = ["092/70 - Possession with intent to supply cocaine", "046 - Shoplifting", "105A - Assault without injury"]


def another_forces_release(path, rows=60, seed=7):
    """A West Midlands-shaped export: semicolon-separated, Windows-1252, a title row, Excel's
    date-times, Home Office outcome numbers, code and description in one cell, a District column."""
    rng = random.Random(seed)
    lines = ["West Midlands Police – FOI 1234/24 – outcomes, April 2023 to March 2024;;;;",
             "Crime No;Offence;Disposal;Disposal Date;District"]
    written = []
    for i in range(rows):
        row = (f"20WM/{i:05d}/23", rng.choice(OFFENCES), rng.choice(OUTCOMES),
               f"{rng.randint(1, 28):02d}/{rng.choice([4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]):02d}/"
               f"{rng.choice([2023, 2024])} 00:00", rng.choice(DISTRICTS))
        if row[3].endswith("2024 00:00") and int(row[3][3:5]) > 3 or row[3].endswith("2023 00:00") and int(row[3][3:5]) < 4:
            continue  # outside April 2023 to March 2024
        written.append(row)
        lines.append(";".join(row))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return written


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def filled_in(entry):
    """The describe output with the journalist's own fields filled in where the placeholders are."""
    mine = {"title": "Crimes resolved by caution, West Midlands, 2023/24", "authority": "West Midlands Police",
            "foi_reference": "FOI 1234/24", "requested": "2024-04-02", "answered": "2024-05-01",
            "source_url": "https://example.org/wmp/foi-1234-24", "licence": "Open Government Licence v3.0"}
    return re.sub(r"    # (\w+): .*", lambda m: f"    {m.group(1)}: {json.dumps(mine[m.group(1)])}", entry)


def test_a_journalist_goes_from_an_undeclared_file_to_a_checked_site(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    written = another_forces_release(data / "wmp_foi_1234_24.csv")
    birmingham = sum(1 for r in written if r[4] == "Birmingham" and r[2] in ("Outcome 2", "Outcome 3"))

    # 1. describe: the file read as the build would, as a manifest entry
    described = run("describe", data / "wmp_foi_1234_24.csv")
    assert described.returncode == 0, described.stderr
    out = described.stdout
    assert "kind: rows" in out and "semicolon-separated" in out and "cp1252" in out
    assert "'Outcome 3'" in out and "-> adult caution" in out and "'Outcome 1'" in out and "-> not a caution" in out
    assert "dates: dd/mm/yyyy hh:mm" in out
    assert "'District' -> district" in out
    entry = out[out.index("  - id:"):]
    assert "    # title:" in entry and "    # source_url:" in entry  # what only the journalist knows

    # 2. the manifest: the entry, with the placeholders filled in
    manifest = data / "manifest.yml"
    manifest.write_text(f"offence_codes: {ROOT / 'data/reference/offence_codes.csv'}\n"
                        "story:\n  title: Cautions in the West Midlands\n  url: https://example.org/story\n"
                        f"releases:\n{filled_in(entry)}", encoding="utf-8")

    # 3. the old story's queries that read its own tables fail on this database: the build names
    # every one, with SQLite's message, and publishes nothing
    leftovers = run("--manifest", manifest, "--output", tmp_path / "cautions.db", "--quiet")
    assert leftovers.returncode == 1 and "Traceback" not in leftovers.stderr
    assert "2 canned queries fail on this build's database" in leftovers.stderr
    assert "    buckinghamshire_cautions: its `sql:`: SQLite says no such table: buckinghamshire_as_published" \
        in leftovers.stderr
    assert "    foi_and_home_office_by_financial_year: its `sql:`: SQLite says no such table" in leftovers.stderr
    assert not (tmp_path / "cautions.db").exists()
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    queries = metadata["databases"]["cautions"]["queries"]
    for name in ("buckinghamshire_cautions", "foi_and_home_office_by_financial_year"):
        del queries[name]
    site_metadata = tmp_path / "metadata.yml"
    site_metadata.write_text(yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True), encoding="utf-8")

    # ... and the old story's figures are not this release's: --strict says to replace them
    stale = run("--manifest", manifest, "--metadata", site_metadata, "--output", tmp_path / "cautions.db",
                "--strict", "--quiet")
    assert stale.returncode == 1
    assert "[not in this build] rape_cautions" in stale.stdout
    assert "remove or replace the old story's `published:` figures" in stale.stderr
    assert not (tmp_path / "cautions.db").exists()

    # 4. the new story's figures and title in metadata.yml
    metadata.update(title="Police cautions in the West Midlands",
                    description_html="Crimes West Midlands Police resolved with a caution in 2023/24.",
                    source="West Midlands Police FOI 1234/24", source_url="https://example.org/wmp/foi-1234-24")
    for name in [n for n, q in queries.items() if q.get("published")]:
        del queries[name]
    queries["birmingham_cautions"] = {
        "title": "Cautions in Birmingham",
        "sql": "select count(*) as cautions from cautions where district = 'Birmingham'",
        "rows_view": "select * from cautions where district = 'Birmingham'",
        "published": [{"sentence": f"Police in Birmingham gave {birmingham} cautions.", "value": birmingham,
                       "release": "wmp-foi-1234-24", "source_url": "https://example.org/story"}],
    }
    site_metadata.write_text(yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True), encoding="utf-8")

    # 5. make build: the database and its inspect file, every figure checked
    built = run("--manifest", manifest, "--metadata", site_metadata, "--output", tmp_path / "cautions.db",
                "--inspect-file", tmp_path / "inspect-data.json", "--strict", "--quiet")
    assert built.returncode == 0, built.stderr
    assert f"[ok ] birmingham_cautions: {birmingham} -> {birmingham}" in built.stdout
    assert "1 of 1 recomputed from rows match" in built.stdout

    # 6. make serve: the site is the new story's, with the new release's sha256, and no sample banner
    ds = Datasette(immutables=[str(tmp_path / "cautions.db")],
                   inspect_data=json.loads((tmp_path / "inspect-data.json").read_text()),
                   metadata=metadata, template_dir=str(ROOT / "templates"),
                   settings=serve_settings())
    home = (await_get(ds, "/")).text
    assert "Police cautions in the West Midlands" in home and f"Police in Birmingham gave {birmingham} cautions." in home
    assert hashlib.sha256((tmp_path / "cautions.db").read_bytes()).hexdigest() in home
    assert 'id="sample-banner"' not in home and "Thames Valley" not in home
    table = await_get(ds, "/cautions/cautions.json?_size=0").json()
    assert table["filtered_table_rows_count"] == sum(1 for r in written if r[2] in ("Outcome 2", "Outcome 3"))
    figure = await_get(ds, "/cautions/birmingham_cautions.json?_shape=array").json()
    assert figure == [{"cautions": birmingham}]
    assert await_get(ds, "/cautions/cautions").status_code == 200


def await_get(ds, path):
    import asyncio
    return asyncio.run(ds.client.get(path))


# --- counts tables as published ---------------------------------------------------------------

def counts(release, text, extra="", counts_list="[Female, Male]"):
    release.write_csv(text, name="counts.csv")
    release.write_manifest(release.counts_entry(counts=counts_list, extra=extra))
    return release.build()


def test_a_two_row_header_is_joined_carrying_merged_cells_to_the_right(release):
    result = counts(release, "Offence group,Outcome 2,,Outcome 3,\n,Female,Male,Female,Male\nDrugs,3,4,10,12\nTheft,1,2,5,6\n",
                    extra="header_rows: 2\n",
                    counts_list="[Outcome 2 / Female, Outcome 2 / Male, Outcome 3 / Female, Outcome 3 / Male]")
    assert result.returncode == 0, result.stderr
    assert release.query("select * from test_counts where [Offence group] = 'Drugs'") == [{
        "source_line": 3, "Offence group": "Drugs", "Outcome 2 / Female": 3, "Outcome 2 / Male": 4,
        "Outcome 3 / Female": 10, "Outcome 3 / Male": 12, "suppressed": None}]


def test_a_label_that_begins_with_total_is_data_unless_declared(release):
    result = counts(release, "Measure,Cautions\ntotal crimes resolved with cautions,120\nof which youth,20\n",
                    counts_list="[Cautions]")
    assert result.returncode == 0, result.stderr
    assert release.query("select count(*) as n from test_counts")[0]["n"] == 2


def test_a_declared_total_row_is_checked(release):
    result = counts(release, "Area,Cautions\nNorth,70\nSouth,50\nAll areas together,125\n", counts_list="[Cautions]",
                    extra="total_rows: [All areas together]\n")
    assert result.returncode == 1
    assert "line 4, column 'Cautions': the total row gives 125 for 'Cautions' but the rows add up to 120" in result.stderr


def test_subtotal_rows_are_checked_against_the_rows_above_them_and_kept_out_of_the_data(release):
    table = ("Offence,Drug,Cautions\nPossession,Cocaine,5\nPossession,Crack,2\nTotal possession,,7\n"
             "Supply,Cocaine,3\nTotal supply,,3\nTotal,,10\n")
    result = counts(release, table, counts_list="[Cautions]", extra="subtotal_rows: [Total possession, Total supply]\n")
    assert result.returncode == 0, result.stderr
    assert release.query("select count(*) as n from test_counts")[0]["n"] == 3
    stored = release.query("select source_line, label, kind, published, rows_add_up_to, status from published_totals")
    assert stored == [
        {"source_line": 4, "label": "Total possession", "kind": "subtotal row", "published": 7, "rows_add_up_to": 7,
         "status": "adds up"},
        {"source_line": 6, "label": "Total supply", "kind": "subtotal row", "published": 3, "rows_add_up_to": 3,
         "status": "adds up"},
        {"source_line": 7, "label": "Total", "kind": "total row", "published": 10, "rows_add_up_to": 10, "status": "adds up"}]

    wrong = counts(release, table.replace("Total supply,,3", "Total supply,,4"), counts_list="[Cautions]",
                   extra="subtotal_rows: [Total possession, Total supply]\n")
    assert wrong.returncode == 1
    assert "line 6, column 'Cautions': the subtotal row 'Total supply' gives 4" in wrong.stderr


def test_a_grand_total_column_is_checked_row_by_row(release):
    good = "Area,Female,Male,Grand Total\nNorth,3,4,7\nSouth,1,2,3\n"
    result = counts(release, good, counts_list="[Female, Male, Grand Total]")
    assert result.returncode == 0, result.stderr
    assert [r["status"] for r in release.query("select status from published_totals where kind = 'row total'")] == \
        ["adds up", "adds up"]
    bad = counts(release, good.replace("South,1,2,3", "South,1,2,4"), counts_list="[Female, Male, Grand Total]")
    assert bad.returncode == 1
    assert "line 3, column 'Grand Total': the 'Grand Total' column gives 4 but this row's other counts add up to 3" \
        in bad.stderr


def test_row_total_names_a_total_column_the_header_calls_otherwise(release):
    result = counts(release, "Area,Female,Male,Both\nNorth,3,4,8\n", counts_list="[Female, Male]", extra="row_total: Both\n")
    assert result.returncode == 1 and "the 'Both' column gives 8 but this row's other counts add up to 7" in result.stderr


@pytest.mark.parametrize("figure,status", [
    ({"release": "not-in-the-manifest"}, "not in this build"),
    ({}, "matches"),
])
def test_a_figure_from_a_release_not_in_this_build_is_not_a_difference(release, tmp_path, figure, status):
    release.write_csv("Crime Reference,Offence Code,Outcome,Outcome Date\nW1,46,Adult simple caution,01/05/2016\n")
    release.write_manifest()
    metadata = {"databases": {"cautions": {"queries": {"one": {
        "sql": "select count(*) as n from cautions",
        "published": [{"sentence": "One caution.", "value": 1, **figure}]}}}}}
    (tmp_path / "site.yml").write_text(yaml.safe_dump(metadata))
    result = release.build("--metadata", str(tmp_path / "site.yml"))
    assert result.returncode == 0, result.stderr
    assert release.query("select status from headline_figures") == [{"status": status}]


def test_a_figure_query_that_returns_several_columns_must_say_which(release, tmp_path):
    release.write_csv("Crime Reference,Offence Code,Outcome,Outcome Date\nW1,46,Adult simple caution,01/05/2016\n")
    release.write_manifest()
    metadata = {"databases": {"cautions": {"queries": {"two_columns": {
        "sql": "select 'all' as area, count(*) as n from cautions",
        "published": [{"sentence": "One caution.", "value": 1}]}}}}}
    (tmp_path / "site.yml").write_text(yaml.safe_dump(metadata))
    result = release.build("--metadata", str(tmp_path / "site.yml"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "headline query two_columns returns the columns area, n: which one holds the figure?" in result.stderr
