"""Facet counts from the summaries the build keeps, not from counting every row again.

A table page's facets (`?_facet=offence_group&_facet=caution_type...`) are each a GROUP BY over
the rows the page shows: at 10 million crimes, 335 ms a facet. The build already keeps those
counts: `monthly_cautions` holds how many crimes there are for each release, month, financial
year, caution type, offender and offence group, and `cautions_by_code` for each release, offence
code, financial year and caution type (build.py, write_monthly_cautions). So when every row the
page counts is picked by exact matches on columns a summary holds (`?financial_year=2016/17`),
a facet on another of those columns is a sum over the summary's few hundred rows: under a
millisecond, the same numbers.

Anything a summary cannot answer -- a search, `_where`, `_through`, a filter on another column
or with another operator (`__gt`, `__contains`), a page after the first (`_next`, whose facets
Datasette counts from that row on), a facet on a column no summary holds -- is counted by
Datasette's own facet code, as before. The check is made on the SQL Datasette itself built for
the facets: only when it is exactly the exact-match filters, and nothing else, is a summary used.

Everything else is Datasette's ColumnFacet (0.65): the same order (count, then value), the same
`truncated`, the same toggle links, labels and JSON. tests/test_fast_facets.py compares each
facet's counts and links with Datasette's own, filtered and unfiltered.
"""
import weakref

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.filters import Filters
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

# table -> its summaries, each (summary table, the column holding how many rows of the table it counts).
# A summary's other columns that the table has too are the dimensions it can answer for.
SUMMARIES = {
    "cautions": (("monthly_cautions", "cautions"), ("cautions_by_code", "cautions")),
}

_dimensions = weakref.WeakKeyDictionary()  # Datasette -> {(database, table): [(summary, count column, columns)]}


async def summaries_of(datasette, database, table):
    """[(summary, count column, {dimension columns})] for this table in this database, read once."""
    known = _dimensions.setdefault(datasette, {})
    if (database, table) not in known:
        db = datasette.get_database(database)
        found = []
        if await db.table_exists(table):
            table_columns = set(await db.table_columns(table))
            for summary, count_column in SUMMARIES.get(table, ()):
                if await db.table_exists(summary):
                    columns = set(await db.table_columns(summary))
                    if count_column in columns:
                        found.append((summary, count_column, (columns - {count_column}) & table_columns))
        known[(database, table)] = found
    return known[(database, table)]


def exact_filters(request):
    """[(column, value)] when every filter of the request is an exact match, else None."""
    pairs = [(key, value) for key in request.args if not (key.startswith("_") and "__" not in key)
             for value in request.args.getlist(key)]
    selections = list(Filters(sorted(pairs)).selections())
    if any(lookup != "exact" for _, lookup, _ in selections):
        return None
    return [(column, value) for column, _, value in selections]


class SummaryFacet(ColumnFacet):
    """Datasette's column facet, counted from a build summary where one holds the answer."""

    async def summary_sql(self):
        """{facet column: SQL over a summary giving (value, count) as Datasette's facet SQL does}, for
        the columns a summary can count for the rows this page counts; {} when none can."""
        if not self.table:
            return {}
        summaries = await summaries_of(self.ds, self.database, self.table)
        filters = exact_filters(self.request) if summaries else None
        if filters is None:
            return {}
        # Only when the rows counted are exactly those filters (no search, _where, _next...):
        # rebuild Datasette's WHERE from them and require it to be the whole of the facets' SQL's.
        pairs = sorted((column, value) for column, value in filters)
        clauses, params = Filters(pairs).build_where_clauses(self.table)
        where = f"where {' and '.join(clauses)} " if clauses else ""
        if not self.sql.endswith(f" from {escape_sqlite(self.table)} {where}") or dict(self.params) != params:
            return {}
        filtered = {column for column, _ in filters}
        limit = self.get_facet_size() + 1
        sql = {}
        for config in self.get_configs():
            column = config["config"].get("column") or config["config"]["simple"]
            for summary, count_column, dimensions in summaries:
                if column in dimensions and filtered <= dimensions:
                    col = escape_sqlite(column)
                    sql[column] = (
                        f"select {col} as value, sum({escape_sqlite(count_column)}) as count "
                        f"from {escape_sqlite(summary)} where {col} is not null"
                        + "".join(f" and {clause}" for clause in clauses)
                        + f" group by {col} order by count desc, value limit {limit}"
                    )
                    break
        return sql

    async def facet_results(self):
        """ColumnFacet.facet_results of Datasette 0.65, but for the SQL a summary answers."""
        from_summary = await self.summary_sql()
        facet_results = []
        facets_timed_out = []
        qs_pairs = self.get_querystring_pairs()
        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            source = source_and_config["source"]
            column = config.get("column") or config["simple"]
            facet_sql = from_summary.get(column) or """
                select {col} as value, count(*) as count from (
                    {sql}
                )
                where {col} is not null
                group by {col} order by count desc, value limit {limit}
            """.format(col=escape_sqlite(column), sql=self.sql, limit=facet_size + 1)
            try:
                facet_rows_results = await self.ds.execute(
                    self.database, facet_sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
                facet_results_values = []
                facet_results.append({
                    "name": column,
                    "type": self.type,
                    "hideable": source != "metadata",
                    "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                    "results": facet_results_values,
                    "truncated": len(facet_rows_results) > facet_size,
                })
                facet_rows = facet_rows_results.rows[:facet_size]
                if self.table:
                    values = [row["value"] for row in facet_rows]
                    expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, values)
                else:
                    expanded = {}
                for row in facet_rows:
                    column_qs = column
                    if column.startswith("_"):
                        column_qs = "{}__exact".format(column)
                    selected = (column_qs, str(row["value"])) in qs_pairs
                    if selected:
                        toggle_path = path_with_removed_args(self.request, {column_qs: str(row["value"])})
                    else:
                        toggle_path = path_with_added_args(self.request, {column_qs: row["value"]})
                    facet_results_values.append({
                        "value": row["value"],
                        "label": expanded.get((column, row["value"]), row["value"]),
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle_path)),
                        "selected": selected,
                    })
            except QueryInterrupted:
                facets_timed_out.append(column)
        return facet_results, facets_timed_out


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """Datasette's own ColumnFacet, wherever it is registered, becomes SummaryFacet."""
    outcome = yield
    outcome.force_result([[SummaryFacet if klass is ColumnFacet else klass for klass in classes]
                          for classes in outcome.get_result()])
