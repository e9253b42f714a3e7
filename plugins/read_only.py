"""No write path of any kind: only GET, HEAD and OPTIONS reach Datasette; anything else
(a POST to a canned query, a form, a plugin's endpoint) gets 405 Method Not Allowed."""

ALLOWED = {"GET", "HEAD", "OPTIONS"}


def wrap(app, datasette):
    async def read_only(scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ALLOWED:
            await send({"type": "http.response.start", "status": 405,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"allow", b"GET, HEAD, OPTIONS")]})
            await send({"type": "http.response.body",
                        "body": b"This site is read-only: only GET requests are accepted.\n"})
            return
        await app(scope, receive, send)
    return read_only
