"""The sample-data banner: the site's sample releases (releases.is_sample = 1), for every page.
Pages of one table or query show the red banner only when their own data rests on a sample, and a
small note otherwise (plugins/release_attribution.py says which); the home page, error pages and
any page that does not say show the banner whenever the site holds a sample.

The releases are read once at startup, per database (the database is served immutable, so
they cannot change), and handed to every template as the Jinja global `sample_releases`.
A global rather than extra_template_vars, because Datasette renders its error pages without
calling extra_template_vars. templates/base.html draws the banner from it.
"""
from datasette import hookimpl

SAMPLE_RELEASES_SQL = "select id, title from releases where is_sample = 1 order by rowid"


async def sample_releases_by_database(datasette):
    """{database name: [{"id", "title"}, ...]} for each database with a sample release."""
    found = {}
    for name, db in datasette.databases.items():
        if name == "_internal" or db.is_memory:
            continue
        if not await db.table_exists("releases") or "is_sample" not in await db.table_columns("releases"):
            continue
        rows = (await db.execute(SAMPLE_RELEASES_SQL)).rows
        if rows:
            found[name] = [{"id": row["id"], "title": row["title"]} for row in rows]
    return found


@hookimpl
def startup(datasette):
    async def read_sample_releases():
        by_database = await sample_releases_by_database(datasette)
        datasette.jinja_env.globals["sample_releases"] = [
            {"database": name, "releases_url": datasette.urls.table(name, "releases") + "?is_sample=1", **release}
            for name, releases in by_database.items() for release in releases
        ]
    return read_sample_releases
