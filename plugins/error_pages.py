"""Error pages that help a reader on (templates/error.html).

Datasette renders its error pages with none of the site's template variables. This renders
them the site's way (its header, banner and footer) with, for every error page:
- the list of the figures, and a link home;
- for a page that is not there, the closest name that is ("Did you mean Cautions for rape?"),
  from the figures, the explorer queries, the tables and views;
- for a query stopped by the time limit, what happened and how to narrow it, in plain words
  (Datasette's own message points at the sql_time_limit_ms setting).
JSON errors stay Datasette's own.
"""
import difflib

from datasette import hookimpl
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError
from markupsafe import Markup


async def pages(datasette):
    """[(path, title, is_figure)] of every figure, explorer query, table and view."""
    found = []
    for name, db in datasette.databases.items():
        if name == "_internal":
            continue
        for query_name, query in (await datasette.get_canned_queries(name, None)).items():
            found.append((datasette.urls.query(name, query_name), query.get("title") or query_name,
                          bool(query.get("published"))))
        for table in await db.table_names() + await db.view_names():
            found.append((datasette.urls.table(name, table), table, False))
    return found


def closest(path, known):
    """The known page whose path is nearest `path` (after its database's name), or None."""
    by_path = {p: (p, title) for p, title, _ in known}
    match = difflib.get_close_matches(path.rstrip("/").lower(), [p.lower() for p in by_path], n=1, cutoff=0.6)
    if not match:
        return None
    return next(v for p, v in by_path.items() if p.lower() == match[0])


@hookimpl
def handle_exception(datasette, request, exception):
    if request.path.split("?")[0].endswith((".json", ".csv")):
        return None  # Datasette's own JSON error

    async def inner():
        title = None
        if isinstance(exception, Base400):
            status, message = exception.status, exception.args[0]
        elif isinstance(exception, DatasetteError):
            status, message, title = exception.status, exception.message, exception.title
            if exception.message_is_html:
                message = Markup(message)
        else:
            return None
        known = await pages(datasette)
        timed_out = title == "SQL Interrupted"
        context = {
            "ok": False, "status": status, "error": message, "title": title,
            "figures": [{"url": p, "title": t} for p, t, is_figure in known if is_figure],
            "suggestion": closest(request.path, known) if status == 404 else None,
            "timed_out": timed_out,
            "time_limit_seconds": datasette.setting("sql_time_limit_ms") / 1000,
            "download_url": next((datasette.urls.path(f"{name}.db") for name in datasette.databases
                                  if name != "_internal"), None),
        }
        from datasette.utils.asgi import Response
        html = await datasette.render_template([f"{status}.html", "error.html"], context, request=request)
        return Response.html(html, status=status)

    return inner
