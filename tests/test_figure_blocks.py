"""A headline figure is one block of metadata.yml (foi/figure_blocks.py): what it counts, what its
chart breaks it down by, and the sentence and value as published. Its count query (at its public
URL), the crimes behind it (page and CSV), its chart and its fact-check all come from that block:
adding the block adds all four, deleting it removes all four.
"""
import asyncio
import importlib.util
import json
import sqlite3
import subprocess
import sys

import pytest
import yaml
from datasette.app import Datasette

import build
from conftest import ROOT
from foi import figure_blocks
from site_fixtures import serve_settings

METADATA_TEXT = (ROOT / "metadata.yml").read_text(encoding="utf-8")
DERIVED = figure_blocks.load(ROOT / "metadata.yml")["databases"]["cautions"]["queries"]
# The figures' SQL as it was written by hand, three times a figure, before the blocks.
BEFORE = yaml.safe_load((ROOT / "tests/fixtures/figure_queries_before.yml").read_text(encoding="utf-8"))
SAMPLE_ID = yaml.safe_load((ROOT / "data/manifest.yml").read_text(encoding="utf-8"))["releases"][0]["id"]


def rows(db, sql):
    return db.execute(sql).fetchall()


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_each_figure_gives_what_its_hand_written_queries_gave(sample_db, name):
    """The count, the crimes behind it and the chart, derived from the block, are the same rows as
    the SQL that was written by hand before, on the sample."""
    db = sqlite3.connect(sample_db)
    assert rows(db, DERIVED[name]["sql"]) == rows(db, BEFORE[name]["sql"])
    assert rows(db, DERIVED[name]["breakdown"]) == rows(db, BEFORE[name]["breakdown"])
    if "rows_view" in BEFORE[name]:
        assert rows(db, f"select * from [{name}_rows]") == rows(db, BEFORE[name]["rows_view"])
        assert len(rows(db, f"select * from [{name}_rows]")) == sum(r[-1] for r in rows(db, DERIVED[name]["sql"]))


def test_the_figures_blocks_say_no_sql_of_their_own():
    """Each crimes figure is declared once: no `sql:`, `rows_view:` or `breakdown:` beside its condition."""
    raw = yaml.safe_load(METADATA_TEXT)["databases"]["cautions"]["queries"]
    blocks = [name for name, q in raw.items() if figure_blocks.is_block(q)]
    assert len(blocks) == len(BEFORE) - 1  # all but the Buckinghamshire total, kept as published
    for name in blocks:
        assert not {"sql", "rows_view", "breakdown"} & set(raw[name]), name


def with_block(text, block):
    """metadata.yml with one more figure block, after total_cautions's."""
    at = text.index("\n      buckinghamshire_cautions:")
    return text[:at] + "\n" + block.rstrip("\n") + "\n" + text[at:]


def without_block(text, name):
    start = text.index(f"\n      {name}:\n")
    end = text.index("\n\n      ", start + 1)
    return text[:start] + text[end:]


def build_with(tmp_path, metadata_text):
    path = tmp_path / "metadata.yml"
    path.write_text(metadata_text, encoding="utf-8")
    out = tmp_path / "cautions.db"
    assert build.main(["--output", str(out), "--metadata", str(path), "--quiet", "--strict",
                       "--inspect-file", str(tmp_path / "inspect-data.json")]) == 0
    return out, yaml.safe_load(metadata_text)


def site(out, metadata):
    """The site as served: metadata.yml as written (the plugin derives the blocks at start-up)."""
    ds = Datasette(immutables=[str(out)], inspect_data=json.loads((out.parent / "inspect-data.json").read_text()),
                   metadata=metadata, template_dir=str(ROOT / "templates"), settings=serve_settings())
    return lambda path: asyncio.run(ds.client.get(path))


# Two new figures, each one block: one counting offence codes, one counting crimes by a column.
NEW_FIGURES = {
    "drug_offence_cautions": ("offence_codes_where: offence_group = 'Drug offences'",
                              "offence_group = 'Drug offences'"),
    "youth_cautions": ("crimes_where: offender = 'youth'", "offender = 'youth'"),
}


@pytest.mark.parametrize("name", sorted(NEW_FIGURES))
def test_a_new_figure_with_its_chart_is_one_block(tmp_path, sample_db, name):
    condition, oracle = NEW_FIGURES[name]
    # the number a journalist would have published, counted here straight from the sample's crimes
    value = sqlite3.connect(sample_db).execute(
        f"select count(*) from cautions where release_id = ? and {oracle}", [SAMPLE_ID]).fetchone()[0]
    assert value > 0
    block = f"""      {name}:
        title: A new figure
        description: Added by one block.
        {condition}
        chart_by: [financial_year, caution_type]
        published:
          - sentence: "There were {value} of them."
            value: {value}
            release: {SAMPLE_ID}
"""
    out, metadata = build_with(tmp_path, with_block(METADATA_TEXT, block))
    db = sqlite3.connect(out)
    # the check
    assert rows(db, f"select published_value, computed_value, status from headline_figures where query = '{name}'") \
        == [(value, value, "matches")]
    get = site(out, metadata)
    # the page, at the query's URL, with the figure and its chart
    page = get(f"/cautions/{name}")
    assert page.status_code == 200
    assert f"There were {value} of them." in page.text and 'class="headline-chart"' in page.text
    assert get(f"/cautions/{name}.json?_shape=array").json() == [{"cautions": value}]
    # the crimes behind it, as CSV: one line each
    csv = get(f"/cautions/{name}_rows.csv?_stream=on")
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == value + 1
    # the chart adds up to the figure
    assert sum(r[-1] for r in rows(db, figure_blocks.derive(name, metadata["databases"]["cautions"]["queries"][name])
                                   ["breakdown"])) == value


def test_deleting_a_figures_block_removes_its_query_rows_chart_and_check(tmp_path):
    out, metadata = build_with(tmp_path, without_block(METADATA_TEXT, "rape_cautions"))
    db = sqlite3.connect(out)
    assert rows(db, "select * from headline_figures where query = 'rape_cautions'") == []
    assert rows(db, "select name from sqlite_master where name like 'rape_cautions%'") == []
    get = site(out, metadata)
    assert get("/cautions/rape_cautions").status_code == 404  # the page, and with it its chart
    assert get("/cautions/rape_cautions_rows.csv?_stream=on").status_code == 404
    assert get("/cautions/sexual_assault_cautions").status_code == 200  # the others stay


@pytest.mark.parametrize("key,condition,says", [
    ("offence_codes_where", "is_rapee = 1", "no such column: is_rapee"),
    ("crimes_where", "offender = ", "incomplete input"),
])
def test_a_block_with_a_bad_condition_stops_the_build_at_its_line(tmp_path, key, condition, says):
    text = METADATA_TEXT.replace("        offence_codes_where: is_rape = 1", f"        {key}: {condition}")
    path = tmp_path / "metadata.yml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"        {key}: {condition}") + 1
    output = tmp_path / "cautions.db"
    output.write_bytes(b"the previous database")
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--metadata", str(path), "--output", str(output),
                             "--quiet"], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}, line {line}: figure rape_cautions: its `{key}:` is not a condition" in result.stderr, result.stderr
    assert says in result.stderr and f"What to do: fix the SQL under `{key}:`" in result.stderr
    assert output.read_bytes() == b"the previous database"


def test_a_block_with_two_conditions_is_refused_at_its_line(tmp_path):
    text = METADATA_TEXT.replace("        offence_codes_where: is_rape = 1",
                                 "        offence_codes_where: is_rape = 1\n        crimes_where: offender = 'youth'")
    path = tmp_path / "metadata.yml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("        crimes_where: offender = 'youth'") + 1
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--metadata", str(path),
                             "--output", str(tmp_path / "cautions.db"), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"line {line}: figure rape_cautions: it gives both `offence_codes_where:` and `crimes_where:`" \
        in result.stderr


def test_the_sample_generator_counts_the_figures_by_the_same_blocks():
    """The sample release reproduces every published value, counted by the generator with each
    block's own condition over offence_codes.csv: the values and conditions are read from
    metadata.yml, not from a list of its own."""
    spec = importlib.util.spec_from_file_location("generate_sample", ROOT / "data" / "sample" / "generate_sample.py")
    generate_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate_sample)
    raw = yaml.safe_load(METADATA_TEXT)
    assert generate_sample.PUBLISHED_FIGURES == figure_blocks.published_values(raw)
    sample = ROOT / "data" / yaml.safe_load((ROOT / "data/manifest.yml").read_text(encoding="utf-8"))["releases"][0]["file"]
    counted = generate_sample.check_figures(sample)["figures"]
    assert counted == {generate_sample.figure_name(key): value for key, value in generate_sample.PUBLISHED_FIGURES.items()}


def test_a_chart_by_a_column_the_summary_lacks_is_refused_at_its_line(tmp_path):
    text = METADATA_TEXT.replace("        chart_by: [financial_year, caution_type]",
                                 "        chart_by: [financial_year, district]", 1)
    path = tmp_path / "metadata.yml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("        chart_by: [financial_year, district]") + 1
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--metadata", str(path),
                             "--output", str(tmp_path / "cautions.db"), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"line {line}: figure total_cautions: `chart_by:` must list columns among caution_type, financial_year" \
        in result.stderr
    assert "What to do: write e.g. `chart_by: [financial_year, caution_type]`" in result.stderr
