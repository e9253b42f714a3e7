"""Downloads that download, and a Cache-Control header on every response.

- CSV (any path ending .csv) is sent as text/csv, not Datasette's text/plain, so a browser or
  a spreadsheet knows what it is. The site's download links add ?_dl=1, for which Datasette
  adds Content-Disposition: attachment; filename="<query or view>.csv" (rape_cautions.csv,
  rape_cautions_rows.csv): the file is saved under the figure's name instead of opening as
  text in a tab.
- Every response carries Cache-Control: the CSV, the database download (/cautions.db) and
  the pages Datasette sends without one get a day's `max-age` (the default_cache_ttl setting;
  the data changes only with a rebuild, see the README); an error other than "not found"
  (a query that took too long, a server fault) gets `no-store`, so a cache never keeps it.
  A response that already says (Datasette's own, the home page's) is left as it is.
- The database download keeps its Content-Length: Datasette sends it with both that and
  `Transfer-Encoding: chunked`, and the server then drops the length, so a HEAD (or a download
  manager) could not learn the file's size.
"""


def with_download_headers(message, path, ttl):
    headers = [(k, v) for k, v in message.get("headers", [])]
    names = {k.lower() for k, _ in headers}
    if b"content-length" in names and b"transfer-encoding" in names:
        headers = [(k, v) for k, v in headers if k.lower() != b"transfer-encoding"]
    status = message["status"]
    if path.endswith(".csv") and status == 200:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        headers.append((b"content-type", b"text/csv; charset=utf-8"))
    if b"cache-control" not in names:
        keep = ttl and (200 <= status < 400 or status == 404)
        headers.append((b"cache-control", f"max-age={ttl}".encode() if keep else b"no-store"))
    return {**message, "headers": headers}


def wrap(app, datasette):
    async def download_headers(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        ttl = datasette.setting("default_cache_ttl")
        path = scope["path"]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = with_download_headers(message, path, ttl)
            await send(message)

        await app(scope, receive, send_with_headers)
    return download_headers
