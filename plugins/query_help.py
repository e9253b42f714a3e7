"""A canned query that finds no rows says why, and what to type instead.

For each parameter with `parameter_values:` SQL in metadata.yml, the page lists the values that
exist (the offence groups, the financial years, the commonest offence codes); a search with no
letters or digits says so. Only worked out when a page has no rows (templates/query.html calls
zero_results_help()), and each list once per server: the database is served immutable.
"""
from datasette import hookimpl
from datasette.utils import tilde_decode
from markupsafe import Markup, escape

_values = {}


async def values_for(datasette, database, sql):
    if (database, sql) not in _values:
        rows = (await datasette.get_database(database).execute(sql)).rows
        _values[(database, sql)] = [row[0] for row in rows]
    return _values[(database, sql)]


@hookimpl
def extra_template_vars(template, database, request, datasette):
    if not template.startswith("query") or request is None or "table" not in request.url_vars:
        return {}

    async def zero_results_help():
        query = await datasette.get_canned_query(database, tilde_decode(request.url_vars["table"]), request.actor)
        if not query:
            return ""
        parts = []
        for name, sql in (query.get("parameter_values") or {}).items():
            given = (request.args.get(name) or "").strip()
            values = await values_for(datasette, database, sql)
            listed = ", ".join(f"<code>{escape(v)}</code>" for v in values)
            said = f"There are no rows for {escape(name.replace('_', ' '))} &ldquo;{escape(given)}&rdquo;. " if given else ""
            parts.append(f"<p>{said}The values of {escape(name.replace('_', ' '))} that exist (any case): {listed}.</p>")
        q = request.args.get("q")
        if "q" in (query.get("params") or []) or ":q" in query.get("sql", ""):
            if q and not any(c.isalnum() for c in q):
                parts.append(f"<p>&ldquo;{escape(q)}&rdquo; has no letters or numbers to search for. "
                             "Type a word, such as assault or cannabis.</p>")
            elif q:
                parts.append(f"<p>Nothing in the offence descriptions matches &ldquo;{escape(q)}&rdquo;. "
                             "The search covers offence descriptions only; part words match "
                             "(shop finds shoplifting).</p>")
        return Markup("".join(parts))

    return {"zero_results_help": zero_results_help}
