"""Gzip for text responses, when the client says it accepts it (Accept-Encoding: gzip).

Text is what compresses: HTML (the table page 225 KB -> about 10 KB), JSON, CSV, JavaScript, CSS,
SVG and the SQL page's WebAssembly engine (1,240 -> 508 KB). Left as they are: anything else
(the .db download keeps its Content-Length, the PNG cards), a response already encoded, a
partial one (206), one with no body (HEAD, 204, 304), and a body under MIN_BYTES sent in one
piece (gzip's 18 bytes of framing would save nothing). Every response of a compressible type says
`Vary: Accept-Encoding`, compressed or not, so a cache in between keeps the two apart.

Streaming: each body message is compressed as it comes and whatever zlib has ready is sent on;
after every FLUSH_BYTES of input the compressor is flushed (Z_SYNC_FLUSH), so a CSV streamed
for many seconds reaches the reader as it is made, never held whole in memory.

A body sent whole is compressed once: the last KEPT bodies of KEEP_MIN_BYTES to KEEP_MAX_BYTES
are kept with their gzip, so the headline pages headline_page_cache.py sends from memory are not
compressed again for every reader (the second time, harder: see LEVEL).

Order: the outermost wrapper (wrappers.py), so it compresses what every other wrapper
sends (headline_page_cache.py keeps the plain page, for readers with and without gzip);
body_batching.py, the innermost, has already gathered a CSV's rows into pieces.
"""
import zlib
from collections import OrderedDict


MIN_BYTES = 500
KEPT, KEEP_MIN_BYTES, KEEP_MAX_BYTES = 8, 8 * 1024, 1024 * 1024  # at most about 11 MB held
FLUSH_BYTES = 16 * 1024
# zlib's level 4, not its default 6, for a body as it is sent: on a 1,000-row JSON export (263 KB)
# 1.4 ms against 2.9, for 6% more bytes (19.6 against 18.6 KB); on a table page (150 KB) 0.9 against
# 1.2 ms. Most bodies differ from request to request (a page or JSON says how long its query took).
# A body sent whole a second time (a script, a stylesheet, a headline page from memory) is the same
# for every reader: it is compressed again at REPEATED_LEVEL, once, and kept. A streamed body (a
# CSV, a static file, which Datasette sends in pieces) is compressed as it comes, at LEVEL.
LEVEL = 4
REPEATED_LEVEL = 9
TYPES = (b"text/", b"application/json", b"application/javascript", b"application/x-javascript",
         b"application/wasm", b"application/xml", b"image/svg+xml", b"application/manifest+json")


def accepts_gzip(scope):
    """Whether the request's Accept-Encoding allows gzip (gzip or *, with a q above 0)."""
    value = b",".join(v for n, v in scope.get("headers", []) if n.lower() == b"accept-encoding")
    qualities = {}
    for part in value.decode("latin-1").lower().split(","):
        coding, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, number = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(number)
                except ValueError:
                    q = 0.0
        qualities[coding.strip()] = q
    return qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0))) > 0


def compressible(start):
    if start.get("status", 200) in (204, 206, 304):
        return False
    headers = {n.lower(): v for n, v in start.get("headers", [])}
    if b"content-encoding" in headers or b"content-range" in headers:
        return False
    return headers.get(b"content-type", b"").lower().startswith(TYPES)


def with_vary(headers):
    """The headers with Accept-Encoding added to Vary (or Vary added)."""
    out, found = [], False
    for name, value in headers:
        if name.lower() == b"vary":
            found = True
            if b"accept-encoding" not in value.lower() and value.strip() != b"*":
                value = value + b", Accept-Encoding"
        out.append((name, value))
    return out if found else out + [(b"vary", b"Accept-Encoding")]


_kept = OrderedDict()  # body -> (level, its gzip), least recently sent first


def gzip_whole(body):
    if not KEEP_MIN_BYTES <= len(body) <= KEEP_MAX_BYTES:
        return gzip_bytes(body)
    if body in _kept:
        _kept.move_to_end(body)
        if _kept[body][0] != REPEATED_LEVEL:  # sent again: worth compressing harder, once
            _kept[body] = (REPEATED_LEVEL, gzip_bytes(body, REPEATED_LEVEL))
        return _kept[body][1]
    _kept[body] = (LEVEL, gzip_bytes(body))
    while len(_kept) > KEPT:
        _kept.popitem(last=False)
    return _kept[body][1]


def gzip_bytes(body, level=LEVEL):
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    return compressor.compress(body) + compressor.flush(zlib.Z_FINISH)


class Gzipped:
    """The send of one response: holds its start until the first body says whether to compress."""

    def __init__(self, send):
        self.send = send
        self.start = None  # the start message, while held
        self.compressor = None
        self.pending = 0  # bytes given to the compressor since its last flush

    async def __call__(self, message):
        kind = message["type"]
        if kind == "http.response.start":
            if compressible(message):
                self.start = dict(message, headers=with_vary(message.get("headers", [])))
                return
            return await self.send(message)
        if kind != "http.response.body" or (self.start is None and self.compressor is None):
            return await self.send(message)
        body, more = message.get("body", b""), message.get("more_body", False)
        if self.start is not None:
            start, self.start = self.start, None
            if not more and len(body) < MIN_BYTES:
                await self.send(start)
                return await self.send(message)
            headers = [(n, v) for n, v in start["headers"] if n.lower() != b"content-length"]
            headers.append((b"content-encoding", b"gzip"))
            if not more:  # sent whole: its gzip whole, with its length
                zipped = gzip_whole(body)
                await self.send(dict(start, headers=headers + [(b"content-length", str(len(zipped)).encode())]))
                return await self.send({"type": "http.response.body", "body": zipped})
            await self.send(dict(start, headers=headers))
            self.compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
        out = self.compressor.compress(body)
        self.pending += len(body)
        if not more:
            out += self.compressor.flush(zlib.Z_FINISH)
        elif self.pending >= FLUSH_BYTES:
            out += self.compressor.flush(zlib.Z_SYNC_FLUSH)
            self.pending = 0
        if out or not more:
            await self.send({"type": "http.response.body", "body": out, "more_body": more})


def wrap(app, datasette):
    async def compression(scope, receive, send):
        if scope["type"] != "http" or scope.get("method") == "HEAD":
            return await app(scope, receive, send)
        if not accepts_gzip(scope):
            async def send_with_vary(message):
                if message["type"] == "http.response.start" and compressible(message):
                    message = dict(message, headers=with_vary(message.get("headers", [])))
                await send(message)
            return await app(scope, receive, send_with_vary)
        await app(scope, receive, Gzipped(send))
    return compression
