"""Datasette's debug pages that say how the server is set up are not public: 404, as if absent.

/-/threads lists every task and thread with the server's file paths, /-/databases each
database's path on disk; /-/allow-debug, /-/permissions and /-/messages are tools for a site's
developer. /-/versions, /-/plugins, /-/settings and /-/metadata stay: they describe the site
(the versions a result depends on, the settings that bound it), not the machine.
"""

HIDDEN = {"/-/threads", "/-/databases", "/-/allow-debug", "/-/permissions", "/-/messages"}


def hidden(path):
    return path.rstrip("/") in HIDDEN or path.removesuffix(".json") in HIDDEN


def wrap(app, datasette):
    async def hidden_debug_pages(scope, receive, send):
        if scope["type"] == "http" and hidden(scope.get("path", "")):
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"Not found\n"})
            return
        await app(scope, receive, send)
    return hidden_debug_pages
