"""The server's Datasette settings, in one place.

serve.sh gives them to `datasette serve` (it runs this file, which prints them as arguments, one
a line); static_site.py renders the static site with them, and the tests and benchmarks start
their apps with them. Standard library only, so serve.sh can run it with any Python 3.
"""
SETTINGS = {
    "sql_time_limit_ms": 1500,       # a query stops at 1.5 s (the error page says so)
    "max_returned_rows": 1000,       # at most 1,000 rows a page; CSV streams page by page
    "default_cache_ttl": 86400,      # pages cache for a day: the data changes only with a rebuild
    "allow_download": True,          # the whole database, for checking the figures offline
    "num_sql_threads": 4,            # visitors' SQL threads (admission.py adds the site's own)
    "facet_time_limit_ms": 500,
    "suggest_facets": False,
}
CORS = True  # any site may fetch the JSON and CSV (Access-Control-Allow-Origin: *)


def arguments(settings=SETTINGS, cors=CORS):
    """`datasette serve`'s options for these settings: --setting NAME VALUE ..., then --cors."""
    args = []
    for name, value in settings.items():
        args += ["--setting", name, ("on" if value else "off") if isinstance(value, bool) else str(value)]
    return args + (["--cors"] if cors else [])


if __name__ == "__main__":
    print("\n".join(arguments()))
