"""The headline pages from memory: the links a story shares take its traffic.

A headline query's page (/cautions/rape_cautions: a canned query with `published:` in
metadata.yml), and its JSON and CSV (/cautions/rape_cautions.json, .csv: what other newsrooms'
pages and scripts fetch), are the same bytes for every anonymous visitor while the database is served
immutable and the metadata is fixed, so the first response is kept and sent again. Kept only
when it is a 200 with no cookie either way and no error message on the page (a chart stopped by
the time limit is tried again on the next request); not for a mutable database, a query
string, a logged-in visitor, or any other page. The key is the path alone: nothing on the page
comes from the request's Host (plugins/site_url.py), so every Host gets the same copy. At most
MAX_PAGES pages are kept, the least recently sent dropped first.
"""
from collections import OrderedDict


MAX_PAGES = 64


def plain_request(scope):
    """A GET with no query string and no cookie: a request whose page can be shared."""
    return (scope["type"] == "http" and scope["method"] == "GET" and not scope.get("query_string")
            and not any(name == b"cookie" for name, _ in scope.get("headers", [])))


async def headline_page_paths(datasette):
    """The path of every headline query's page, JSON and CSV in an immutable database."""
    paths = set()
    for name, db in datasette.databases.items():
        if db.is_mutable or db.is_memory:
            continue
        for query_name, query in (await datasette.get_canned_queries(name, None)).items():
            if query.get("published"):
                paths.update(datasette.urls.table(name, query_name, format=kind) for kind in (None, "json", "csv"))
    return paths


def worth_keeping(start, body):
    headers = dict(start.get("headers", []))
    return start["status"] == 200 and b"set-cookie" not in headers and b'class="message-error"' not in body


def wrap(app, datasette):
    pages = OrderedDict()  # path -> (start message, body), least recently sent first
    headline_paths = None

    async def headline_page_cache(scope, receive, send):
        nonlocal headline_paths
        if not plain_request(scope):
            return await app(scope, receive, send)
        if headline_paths is None:
            headline_paths = await headline_page_paths(datasette)
        if scope["path"] not in headline_paths:
            return await app(scope, receive, send)
        key = scope["path"]
        if key in pages:
            pages.move_to_end(key)
            start, body = pages[key]
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        sent = {"start": None, "body": []}

        async def send_and_keep(message):
            if message["type"] == "http.response.start":
                sent["start"] = message
            elif message["type"] == "http.response.body":
                sent["body"].append(message.get("body", b""))
                if not message.get("more_body"):
                    body = b"".join(sent["body"])
                    if worth_keeping(sent["start"], body):
                        pages[key] = (sent["start"], body)
                        while len(pages) > MAX_PAGES:
                            pages.popitem(last=False)
            await send(message)

        await app(scope, receive, send_and_keep)

    return headline_page_cache
