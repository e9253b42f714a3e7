"""A static file server for site/, as a plain static host serves it: files only, a folder's
index.html, a redirect from /folder to /folder/ (query string kept), 404.html for anything
else, and HTTP range requests (Accept-Ranges, 206, HEAD) as GitHub Pages, Netlify and S3 send
them. Served under a sub-path when asked (prefix="/some/path"), on 127.0.0.1 only.

It compresses as GitHub Pages does (its CDN, as Netlify's and Cloudflare's, gzips on the fly):
a whole response of text, HTML, CSS, JavaScript, JSON, XML, SVG or WebAssembly is sent gzipped
when the browser's Accept-Encoding allows gzip, with Vary: Accept-Encoding; a Range request is
answered with the file's own bytes (a range counts bytes of the file as stored, so sql.js-httpvfs
reads the database right), and the database, images and files already compressed (.csv.gz)
never are. compress=False serves every file as it is stored, as a bucket with no CDN does.
It counts the bytes of every response body as sent, so a benchmark can say what a page
transferred."""
import contextlib
import gzip
import http.server
import re
import threading
import urllib.parse
from pathlib import Path

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
TYPES = {".html": "text/html; charset=utf-8", ".json": "application/json", ".csv": "text/csv; charset=utf-8",
         ".js": "application/javascript", ".css": "text/css", ".wasm": "application/wasm",
         ".xml": "application/xml", ".db": "application/octet-stream", ".png": "image/png",
         ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
# What a static host gzips (GitHub Pages, Netlify, Cloudflare: text, scripts, data, WebAssembly);
# never the database (application/octet-stream), images or a .gz file.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "application/xml",
                    "application/wasm", "image/svg+xml")
GZIP_LEVEL = 6  # zlib's default, as the hosts' on-the-fly compression


def accepts_gzip(header):
    """Whether an Accept-Encoding header allows gzip ('gzip, deflate'; not 'gzip;q=0' or 'identity')."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower().removeprefix("q=")
            return not params.strip() or q.replace(".", "", 1).isdigit() and float(q) > 0
    return False


def compressible(content_type):
    return content_type.startswith(COMPRESSED_TYPES)


class Counter:
    def __init__(self):
        self.bytes = 0
        self.requests = []
        self.lock = threading.Lock()

    def add(self, path, status, size):
        with self.lock:
            self.bytes += size
            self.requests.append((path, status, size))

    def reset(self):
        with self.lock:
            self.bytes = 0
            self.requests = []


def handler(root, prefix, counter, compress):
    root = Path(root).resolve()
    zipped = {}  # (file, mtime) -> its gzip bytes: the WebAssembly engine is compressed once, as a CDN caches it

    def gzipped(file):
        key = (file, file.stat().st_mtime_ns)
        if key not in zipped:
            zipped[key] = gzip.compress(file.read_bytes(), compresslevel=GZIP_LEVEL, mtime=0)
        return zipped[key]

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send_body(self, status, headers, body, head, size=None):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) if size is None else size))
            self.end_headers()
            if not head:
                self.wfile.write(body)
                counter.add(self.path, status, len(body))

        def serve(self, head=False):
            url = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(url.path)
            if not path.startswith(prefix + "/"):
                return self.not_found(head)
            relative = path[len(prefix) + 1:]
            file = (root / relative).resolve()
            if root not in file.parents and file != root:
                return self.not_found(head)
            if file.is_dir():
                if not path.endswith("/"):
                    location = url.path + "/" + (f"?{url.query}" if url.query else "")
                    return self.send_body(301, {"Location": location}, b"", head)
                file = file / "index.html"
            if not file.is_file():
                return self.not_found(head)
            size = file.stat().st_size
            headers = {"Content-Type": TYPES.get(file.suffix, "application/octet-stream"), "Accept-Ranges": "bytes"}
            match = RANGE.match(self.headers.get("Range", "").strip())
            if match and (match.group(1) or match.group(2)):
                if match.group(1):
                    start = int(match.group(1))
                    end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
                else:
                    start, end = max(0, size - int(match.group(2))), size - 1
                if start > end or start >= size:
                    return self.send_body(416, {"Content-Range": f"bytes */{size}"}, b"", head)
                headers["Content-Range"] = f"bytes {start}-{end}/{size}"
                with open(file, "rb") as f:  # only the range: a database may be gigabytes
                    f.seek(start)
                    return self.send_body(206, headers, f.read(end - start + 1), head, size=end - start + 1)
            if compress and compressible(headers["Content-Type"]):
                headers["Vary"] = "Accept-Encoding"
                if accepts_gzip(self.headers.get("Accept-Encoding")):
                    headers["Content-Encoding"] = "gzip"
                    body = gzipped(file)
                    return self.send_body(200, headers, b"" if head else body, head, size=len(body))
            if head:
                return self.send_body(200, headers, b"", head, size=size)
            return self.send_body(200, headers, file.read_bytes(), head)

        def not_found(self, head):
            page = root / "404.html"
            headers = {"Content-Type": "text/html; charset=utf-8"}
            body = page.read_bytes() if page.exists() else b"not found"
            if compress and page.exists():
                headers["Vary"] = "Accept-Encoding"
                if accepts_gzip(self.headers.get("Accept-Encoding")):
                    headers["Content-Encoding"], body = "gzip", gzipped(page)
            self.send_body(404, headers, b"" if head else body, head, size=len(body))

        def do_GET(self):
            self.serve()

        def do_HEAD(self):
            self.serve(head=True)

    return Handler


def transferred(request):
    """The bytes chromium received for one request (a Playwright Request): its response headers
    and its body as sent (encoded). chromium reports 0 for the body of a dedicated worker's own
    script; its Content-Length, the bytes sent, stands in for it."""
    sizes, response = request.sizes(), request.response()
    body = sizes["responseBodySize"]
    if not body and response is not None and response.status == 200 and request.method == "GET":
        body = int(response.header_value("content-length") or 0)
    return sizes["responseHeadersSize"] + body


@contextlib.contextmanager
def static_served(root, prefix="", compress=True):
    """Serve the folder `root` at http://127.0.0.1:<port><prefix>/, gzipping as a static host
    does unless compress=False; yields (url, counter)."""
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    counter = Counter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(root, prefix, counter, compress))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}/", counter
    finally:
        server.shutdown()
        server.server_close()
