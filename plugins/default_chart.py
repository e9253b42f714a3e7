"""Open an explorer query on its chart, even from a plain link.

datasette-vega 0.6.2 keeps its chart settings in the URL fragment (#g.mark=bar&g.x_column=...)
and only draws a chart when it finds them there. Each explorer query in metadata.yml has a
`fragment:` with its chart; this adds a script to that query's page which, when the page was
opened without a fragment, puts the query's own one in the URL (history.replaceState: no new
history entry, no reload).

The order works: datasette-vega reads the fragment only after DOMContentLoaded *and* after its
fetch of the query's JSON returns, while this script is inline at the end of <body>, so it runs
while the page is still being parsed, before either.
"""
import json

from datasette import hookimpl
from datasette.utils import tilde_decode

SCRIPT = """(function () {
  if (!window.location.hash) {
    history.replaceState(history.state, "", window.location.pathname + window.location.search + "#" + %s);
  }
})();"""


@hookimpl
def extra_body_script(template, database, request, datasette):
    if not template.startswith("query") or request is None or "table" not in request.url_vars:
        return None

    async def default_fragment():
        query = await datasette.get_canned_query(database, tilde_decode(request.url_vars["table"]), request.actor)
        if not query or not query.get("fragment"):
            return ""
        fragment = json.dumps(str(query["fragment"]).lstrip("#"))
        return SCRIPT % fragment.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    return default_fragment
