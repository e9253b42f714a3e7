"""A headline figure declared once: one block of metadata.yml, from which everything else is derived.

A figure block is a canned query (under `databases: cautions: queries:`) with `published:` and no
`sql:`. It says what it counts with one condition, and what its chart breaks it down by:

    rape_cautions:
      title: Cautions for rape
      description: ...
      offence_codes_where: is_rape = 1        # which offence codes it counts (offence_codes' columns)
      chart_by: [financial_year, caution_type]
      published:
        - sentence: "They included 12 cautions given for rape."
          value: 12
          release: tvp-cautions-sample

`offence_codes_where:` is a condition on offence_codes (its flags), `crimes_where:` one on the crimes
(the cautions table's columns); with neither the figure counts every crime of the story. `split_by:`
names one labelled expression on the offence code (`drug: case drug when 'Cocaine' then 'cocaine'
... end`) when the figure is several labelled numbers (each figure's `label:` picks its row).
`chart_by:` lists the breakdown's columns: those of monthly_cautions (SUMMARY_COLUMNS) or the split's.

From the block come: the count query (`sql`, at the query's public URL; from the summaries
cautions_by_code or monthly_cautions when the condition is on offence codes or absent, else from
the crimes), the crimes behind it (`rows_view`, created by build.py as the view <name>_rows), the
chart's `breakdown`, and the fact-check (foi/figures.py reads `sql`), each restricted to the story's
releases (README.md, "A round robin"). build.py derives them when it reads metadata.yml, and the site
at start-up (plugins/figure_blocks.py): one derivation, here. A figure that is not a count of crimes
(a total kept as published) gives its own `sql:` (and `breakdown:`) and is left as it is.
"""
import copy
import sqlite3
from pathlib import Path

import yaml

from .errors import ReleaseError
from .schema import TABLES

DATABASE = "cautions"
# The story's releases (story_releases, written by build.py): the summaries by release, the crimes by
# their one run of ids (the story's crimes are loaded last; `+` leaves the indexes to the condition).
STORY_RELEASES = "release_id in (select release_id from story_releases)"
STORY_CRIMES = ("+cautions.id between (select min(first_id) from story_releases) "
                "and (select max(last_id) from story_releases)")
# The columns of monthly_cautions a chart can break a figure down by (foi/schema.py declares that table).
SUMMARY_COLUMNS = tuple(c for c in TABLES["monthly_cautions"].columns if c not in ("release_id", "cautions"))
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where built: 15x faster on metadata.yml
EXAMPLES = {"offence_codes_where": "is_rape = 1", "crimes_where": "offender = 'youth'"}


def is_block(query):
    """A figure declared as a block: `published:` figures and no hand-written `sql:`."""
    return isinstance(query, dict) and bool(query.get("published")) and not query.get("sql")


def derive(name, block):
    """The canned query of one block: the block's own keys (title, description, published...) with
    its `sql`, `rows_view` and `breakdown`."""
    query = dict(block)  # the block's own keys stay: Datasette ignores those it does not use
    codes, crimes = block.get("offence_codes_where"), block.get("crimes_where")
    split = next(iter((block.get("split_by") or {}).items()), None)
    codes_in = f"offence_code in (select code from offence_codes where {codes})" if codes else None
    crimes_cond = codes_in or (f"({crimes})" if crimes else None)
    query["rows_view"] = rows_sql(crimes_cond, split)
    query["sql"] = count_sql(block, codes, crimes_cond, split)
    if split:
        query.setdefault("column", "cautions")
    by = list(block.get("chart_by") or [])
    if by:
        query["breakdown"] = breakdown_sql(name, by, crimes_cond)
    return query


def rows_sql(condition, split):
    where = STORY_CRIMES + (f" and {condition}" if condition else "")
    labelled = (f"(select {split[1]} from offence_codes where code = cautions.offence_code) as {split[0]}, "
                if split else "")
    return f"select {labelled}cautions.* from cautions where {where}"


def count_sql(block, codes, condition, split):
    if split:
        labels = [str(f["label"]) for f in block["published"]]
        grid = " union all ".join(f"select {quote(label)} as label, {i} as sort" for i, label in enumerate(labels))
        counted = (f"select {split[1]} as label, by_code.cautions from (select offence_code, sum(cautions) as cautions "
                   f"from cautions_by_code where {STORY_RELEASES} and offence_code in (select code from offence_codes "
                   f"where {codes}) group by offence_code) as by_code join offence_codes on offence_codes.code = by_code.offence_code")
        return (f"select labels.label as {split[0]}, coalesce(sum(counted.cautions), 0) as cautions "
                f"from ({grid}) as labels left join ({counted}) as counted on counted.label = labels.label "
                "group by labels.label order by labels.sort")
    if codes:
        return (f"select coalesce(sum(cautions), 0) as cautions from cautions_by_code "
                f"where {STORY_RELEASES} and offence_code in (select code from offence_codes where {codes})")
    if condition:
        return f"select count(*) as cautions from cautions where {STORY_CRIMES} and {condition}"
    return f"select coalesce(sum(cautions), 0) as cautions from monthly_cautions where {STORY_RELEASES}"


def breakdown_sql(name, by, condition):
    """The chart: the figure by `by`. Every category of the summary is shown, 0 where the figure has
    none; a split's labels are counted from the figure's rows."""
    columns = ", ".join(by)
    if not condition:
        return (f"select {columns}, sum(cautions) as cautions from monthly_cautions where {STORY_RELEASES} "
                f"group by {columns} order by {columns}")
    if not set(by) <= set(SUMMARY_COLUMNS):
        return (f"with crimes as materialized (select {columns} from {name}_rows) "
                f"select {columns}, count(*) as cautions from crimes group by {columns} order by {columns}")
    same = " and ".join(f"crimes.{c} = grid.{c}" for c in by)
    return (f"with crimes as materialized (select {columns} from {name}_rows) "
            f"select {', '.join('grid.' + c for c in by)}, (select count(*) from crimes where {same}) as cautions "
            f"from (select distinct {columns} from monthly_cautions where {STORY_RELEASES}) as grid "
            f"order by {', '.join(str(i + 1) for i in range(len(by)))}")


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def site_metadata(metadata):
    """A copy of the site's metadata with every figure block's query derived (a copy: tests share
    one metadata dict between Datasette instances; a query already derived is left as it is)."""
    merged = copy.deepcopy(metadata or {})
    queries = ((merged.get("databases") or {}).get(DATABASE) or {}).get("queries") or {}
    for name, query in queries.items():
        if is_block(query):
            queries[name] = derive(name, query)
    return merged


def load(path):
    """metadata.yml read, each block checked (a wrong key stops the build with its line) and derived."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        metadata = yaml.load(text, Loader=LOADER) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ReleaseError(path, f"cannot read the site metadata ({e})", "restore metadata.yml") from None
    if not isinstance(metadata, dict):
        raise ReleaseError(path, "the site metadata is not a mapping of keys to values", "restore metadata.yml")
    queries = ((metadata.get("databases") or {}).get(DATABASE) or {}).get("queries") or {}
    for name, query in queries.items():
        if is_block(query):
            check_block(path, text, name, query)
    return site_metadata(metadata)


def check_block(path, text, name, block):
    def fail(key, problem, fix):
        raise ReleaseError(path, f"figure {name}: {problem}", fix, line=line_of(text, name, key))
    if block.get("offence_codes_where") and block.get("crimes_where"):
        fail("crimes_where", "it gives both `offence_codes_where:` and `crimes_where:`",
             "give one condition: `offence_codes_where:` on offence codes' flags, or `crimes_where:` on the crimes")
    for key in ("offence_codes_where", "crimes_where"):
        if key in block and not isinstance(block[key], str):
            fail(key, f"`{key}:` is not a condition", f"write it as SQL, e.g. `{key}: is_rape = 1`")
    split = block.get("split_by")
    if split is not None and not (isinstance(split, dict) and len(split) == 1 and block.get("offence_codes_where")):
        fail("split_by", "`split_by:` must be one `label_column: expression` on the offence code, beside "
             "`offence_codes_where:`", "write e.g. `split_by: {drug: \"case drug when 'Cocaine' then 'cocaine' else 'other' end\"}`")
    if split and not all(isinstance(f, dict) and "label" in f for f in block["published"]):
        fail("published", "with `split_by:` each figure needs the `label:` of its row", "add `label:` to each figure")
    by = block.get("chart_by")
    allowed = set(SUMMARY_COLUMNS) | set(split or {})
    if by is not None and not (isinstance(by, list) and by and set(map(str, by)) <= allowed):
        fail("chart_by", f"`chart_by:` must list columns among {', '.join(sorted(allowed))}",
             "write e.g. `chart_by: [financial_year, caution_type]`")


def check_conditions(conn, queries, path):
    """Each block's condition compiled against the new database before its view is made: a wrong
    column or a typo stops the build naming the block's line, never a traceback."""
    for name, block in queries.items():
        if not isinstance(block, dict):
            continue
        checks = [(key, f"select 1 from {table} where {block[key]}", f"a condition on the columns of the {table} table",
                   f", e.g. `{EXAMPLES[key]}`") for key, table in (("offence_codes_where", "offence_codes"),
                                                                   ("crimes_where", "cautions")) if block.get(key)]
        for expression in (block.get("split_by") or {}).values():
            checks.append(("split_by", f"select {expression} from offence_codes", "an expression on offence_codes", ""))
        for key, sql, what, example in checks:
            try:
                conn.execute("explain " + sql)
            except sqlite3.Error as e:
                raise ReleaseError(path, f"figure {name}: its `{key}:` is not {what} (SQLite says {e})",
                                   f"fix the SQL under `{key}:`: {what}{example}",
                                   line=line_of(Path(path).read_text(encoding="utf-8"), name, key)) from None


def raw_blocks(text):
    """{name: block} of metadata.yml's text, as written."""
    try:
        metadata = yaml.load(text, Loader=LOADER) or {}
    except yaml.YAMLError:
        return {}
    queries = ((metadata.get("databases") or {}).get(DATABASE) or {}).get("queries") or {}
    return {name: q for name, q in queries.items() if is_block(q)}


def line_of(text, name, key):
    """The line of `key:` in the block `name` of metadata.yml (1-based), or of the block itself."""
    try:
        node = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError:
        return None
    for step in ("databases", DATABASE, "queries", name, key):
        found = next((v for k, v in getattr(node, "value", []) if isinstance(v, yaml.Node)
                      and getattr(k, "value", None) == step), None) if isinstance(node, yaml.MappingNode) else None
        if found is None:
            return node.start_mark.line + 1
        node = found
    return node.start_mark.line + 1


def published_values(metadata):
    """{(query, label): value} of every published figure: what the sample generator reproduces."""
    queries = ((metadata.get("databases") or {}).get(DATABASE) or {}).get("queries") or {}
    return {(name, figure.get("label")): figure["value"] for name, query in queries.items() if is_block(query)
            for figure in query["published"]}
