"""No answer much larger than its question, and no cut export passed off as a whole one.

- A page or a JSON answer sent in one part (everything but a stream or a file) is at most
  MAX_BODY bytes; a larger one is replaced by a 400 that says so and what to ask instead. The
  limits before it (sqlite_limits.py: a result of at most 3 MB and 60,000 cells;
  request_limits.py: facets and the address) keep every real page below it (the largest, 1,000
  crimes of `cautions` as HTML with five facets of `_facet_size=max`, is 2.1 MB); this is the
  backstop.
- A streamed CSV that Datasette cuts short (its 100 MB cap, or a page of it stopped by the time
  limit) ends with Datasette's message instead of a row, with status 200. Every row the csv
  module writes ends with a line break and that message does not, so a stream whose last part
  does not is not finished: the connection is closed without the end of the chunked body, and
  the client sees an incomplete download, never a complete-looking one. (exports.py refuses, up
  front, a stream too large for the cap; this catches what gets past it.)
"""
import sys


MAX_BODY = 5_000_000
COALESCE = 64 * 1024


def too_large(size):
    message = (f"This answer would be {size / 1e6:,.1f} MB, more than the {MAX_BODY // 1_000_000} MB this site sends "
               "at once. Ask for fewer rows (_size=), fewer columns or facets, a shorter address, or download the "
               "database.\n").encode()
    return ({"type": "http.response.start", "status": 400,
             "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]},
            {"type": "http.response.body", "body": message})


def wrap(app, datasette):
    async def response_limits(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        held = None
        is_csv = scope.get("path", "").endswith(".csv")
        state = {"streamed": False, "cut": False, "parts": [], "size": 0}  # parts: of a CSV, not yet sent

        async def limited_send(message):
            nonlocal held
            if state["cut"]:
                return
            if message["type"] == "http.response.start":
                held = message  # until the first part of the body says how it is sent
                return
            if message["type"] != "http.response.body":
                return await send(message)
            body, more = message.get("body", b""), message.get("more_body", False)
            if held is not None:
                start, held = held, None
                if not more and len(body) > MAX_BODY:
                    for refusal in too_large(len(body)):
                        await send(refusal)
                    state["cut"] = True
                    return
                await send(start)
                state["streamed"] = more
            if not (is_csv and state["streamed"]):
                return await send(message)
            # A streamed CSV (Datasette sends each row as a part): parts are gathered into
            # COALESCE bytes, and the latest is always held until the next comes, so the last
            # can be checked before it is sent. Fewer, larger parts are also cheaper to send.
            if body:
                if state["size"] >= COALESCE:
                    await send({"type": "http.response.body", "body": b"".join(state["parts"]), "more_body": True})
                    state["parts"], state["size"] = [], 0
                state["parts"].append(body)
                state["size"] += len(body)
            if more:
                return
            last = state["parts"][-1] if state["parts"] else b""
            if last and not last.endswith(b"\n"):
                sys.stderr.write(f"response_limits.py: {scope['path']}: a stream cut short "
                                 f"({last[-120:]!r}); closing the connection unfinished\n")
                state["cut"] = True
                return
            await send({"type": "http.response.body", "body": b"".join(state["parts"]), "more_body": False})

        await app(scope, receive, limited_send)
        if held is not None:  # a start with no body at all
            await send(held)
            await send({"type": "http.response.body", "body": b""})

    return response_limits
