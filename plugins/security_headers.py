"""Response headers: a Content-Security-Policy, no MIME sniffing, and who may frame a page.

The policy allows what the pages load and nothing else: scripts, styles, images and JSON from
this site; inline scripts only when they are exactly one the site's code writes (by sha256), so
a script that got into a page some other way does not run. Those are:

- the inline scripts in Datasette's own templates and ours (the menus, the SQL editor, the
  table page's facet flag), read from the template files at startup;
- every script a plugin adds with extra_body_script to a page (default_chart.py's, which opens
  an explorer query on its chart), asked of the plugins at startup for each page that has one.

Styles may be inline ('unsafe-inline'): Datasette's templates colour headings with style=""
attributes, and CSS cannot run script. 'unsafe-eval' is there for datasette-vega: its bundle,
which Datasette loads on every page, compiles code with `new Function` as it loads (measured in
chromium: without it, every page reports the violation and no chart is drawn).

Canned query pages (the figures and the explorer charts) may be framed by any site, so
newsrooms can embed them (frame-ancestors *); every other page by none.
"""
import base64
import hashlib
import re
from pathlib import Path

import datasette as datasette_package
from datasette.plugins import pm
from datasette.utils import await_me_maybe, tilde_encode
from datasette.utils.asgi import Request

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
TEMPLATE_VARIANTS = {"{{ datasette_allow_facet }}": ("true", "false")}  # table.html's one template tag
TEMPLATE_DIRS = [Path(datasette_package.__file__).parent / "templates", Path(__file__).parent.parent / "templates"]


def sha256(script):
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def template_scripts():
    """The inline scripts written in the template files, as they are sent."""
    scripts = set()
    for folder in TEMPLATE_DIRS:
        for path in folder.glob("*.html"):
            for script in INLINE_SCRIPT.findall(path.read_text()):
                if "{{" not in script and "{%" not in script:
                    scripts.add(script)
                    continue
                for tag, values in TEMPLATE_VARIANTS.items():
                    if tag in script and "{" not in script.replace(tag, ""):
                        scripts.update(script.replace(tag, value) for value in values)
    return scripts


async def body_scripts(datasette):
    """What the plugins' extra_body_script give on each canned query, table and database page."""
    pages = [("index.html", "index", None, None, None, "/")]
    for name, db in datasette.databases.items():
        if name == "_internal":
            continue
        pages.append(("database.html", "database", name, None, None, datasette.urls.database(name)))
        for table in await db.table_names() + await db.view_names():
            pages.append(("table.html", "table", name, table, await db.table_columns(table),
                          datasette.urls.table(name, table)))
        for query in await datasette.get_canned_queries(name, None):
            pages.append(("query.html", "database", name, query, None, datasette.urls.table(name, query)))
    scripts = set()
    for template, view_name, database, table, columns, path in pages:
        url_vars = {"database": database, "table": tilde_encode(table)} if table else (
            {"database": database} if database else {})
        request = Request.fake(path, url_vars=url_vars)
        for script in pm.hook.extra_body_script(template=template, database=database, table=table, columns=columns,
                                                view_name=view_name, request=request, datasette=datasette):
            script = await await_me_maybe(script)
            script = script.get("script") if isinstance(script, dict) else script
            if script:
                scripts.add(str(script))
    return scripts


def policy(script_hashes, frame_ancestors):
    return "; ".join([
        "default-src 'none'",
        "script-src 'self' 'unsafe-eval' " + " ".join(sorted(script_hashes)),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        f"frame-ancestors {frame_ancestors}",
    ]).encode()


async def framable_paths(datasette):
    return {datasette.urls.table(name, query) for name in datasette.databases if name != "_internal"
            for query in await datasette.get_canned_queries(name, None)}


def wrap(app, datasette):
    policies = {}

    async def security_headers(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if not policies:  # worked out on the first request, when every plugin has started
            hashes = {sha256(s) for s in template_scripts() | await body_scripts(datasette)}
            policies.update({"framable": policy(hashes, "*"), "other": policy(hashes, "'none'"),
                             "paths": await framable_paths(datasette)})
        framable = scope["path"] in policies["paths"]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", [])
                           if n.lower() not in (b"content-security-policy", b"x-content-type-options",
                                                b"x-frame-options")]
                headers.append((b"x-content-type-options", b"nosniff"))
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy",
                                    policies["framable" if framable else "other"]))
                    if not framable:
                        headers.append((b"x-frame-options", b"DENY"))
                message = dict(message, headers=headers)
            await send(message)

        await app(scope, receive, send_with_headers)
    return security_headers
