"""datasette-vega (0.6.2), set up to draw a readable chart for each explorer query.

datasette-vega has no settings but the chart in the URL fragment (plugins/default_chart.py), so
this serves its script, at /-/datasette-vega.js, with changes made as it is read, each
checked (a new datasette-vega without the expected text stops the server starting, rather than
drawing unreadable charts):

- every chart gets static/vega-setup.js's config: as wide as the page allows, 12 px text,
  labels and legends never cut short ("Home Office, investigations cl...");
- a colour column takes each value's colour from metadata.yml (plugins: category-colours:),
  the same as the headline charts;
- no console warning "The compiled spec uses Vega v3, but current version is 4.2.0": the
  bundle's Vega-Lite 2 compiles to a Vega 3 spec and runs it on its Vega 4, which draws it;
  the warning is for a spec written by hand, and told a reader nothing.

A fourth makes the chart draw from the rows datasette-vega has already fetched (to learn the
columns) instead of giving Vega the JSON's URL to fetch a second time.

templates/base.html loads this script (and datasette-vega's stylesheet) instead of datasette-vega's
own, and only on the pages that draw a chart: a canned query with a `fragment:` in metadata.yml
(the explorer queries; plugins/default_chart.py opens each on its chart). Not on the home, table,
database or search pages, nor on a headline page, whose one chart is the SVG of
plugins/headline_chart.py: the script is 947 KB.
"""
import hashlib
import json
from pathlib import Path

import datasette_vega
from datasette import hookimpl
from datasette.utils import tilde_decode
from datasette.utils.asgi import Response

BUNDLE = next((Path(datasette_vega.__file__).parent / "static").glob("main.*.js"))
SETUP = Path(__file__).resolve().parent.parent / "static" / "vega-setup.js"
PATCHES = [
    ('{theme:"quartz",tooltip:!0}', '{theme:"quartz",tooltip:!0,config:window.siteVega.config}'),
    ('this.state.color_column&&(i.color={field:this.state.color_column,type:"nominal"})',
     'this.state.color_column&&(i.color=window.siteVega.colour(this.state.color_column))'),
    ('||console.warn("The compiled spec uses Vega "+P.version+", but current version is "+k.vega+".")', ''),
    ('fetch(e).then(function(t){return t.json()}).then(function(e){',
     'fetch(e).then(function(t){return t.json()}).then(function(e){t.rows=e;'),
    ('var a={data:{url:this.jsonUrl()},', 'var a={data:this.rows?{values:this.rows}:{url:this.jsonUrl()},'),
]
_script = {}


def patched_bundle():
    text = BUNDLE.read_text(encoding="utf-8")
    for old, new in PATCHES:
        if text.count(old) != 1:
            raise RuntimeError(f"plugins/vega_charts.py: {BUNDLE.name} does not contain {old!r} exactly once; "
                               "was datasette-vega upgraded? requirements.txt pins 0.6.2")
        text = text.replace(old, new)
    return text


def script(datasette):
    if "body" not in _script:
        colours = datasette.plugin_config("category-colours") or {}
        colours = {k: ({str(a): b for a, b in v.items()} if isinstance(v, dict) else v) for k, v in colours.items()}
        body = ("window.siteVegaColours = " + json.dumps(colours).replace("<", "\\u003c") + ";\n"
                + SETUP.read_text(encoding="utf-8") + "\n" + patched_bundle())
        _script["body"] = body
        _script["url"] = "/-/datasette-vega.js?" + hashlib.sha256(body.encode()).hexdigest()[:12]
    return _script


async def serve_script(datasette):
    return Response(script(datasette)["body"], content_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "max-age=31536000, immutable"})


@hookimpl
def startup(datasette):
    script(datasette)  # fails at start-up, not on a reader's page, if a patch no longer applies


@hookimpl
def register_routes():
    return [(r"^/-/datasette-vega\.js$", serve_script)]


@hookimpl
def extra_template_vars(template, database, request, datasette):
    """vega_script_url, only on a canned query page whose query has a chart (a `fragment:`)."""
    if not template.startswith("query") or request is None or "table" not in request.url_vars:
        return {}

    async def chart_script():
        query = await datasette.get_canned_query(database, tilde_decode(request.url_vars["table"]), request.actor)
        return {"vega_script_url": script(datasette)["url"]} if query and query.get("fragment") else {}

    return chart_script
