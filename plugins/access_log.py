"""The request log stays readable and small: each logged URL is cut to MAX_LOGGED bytes.

Uvicorn logs every request's full path and query string; 300 requests with 90 KB query
strings wrote 27 MB of log. A cut URL keeps its start (the page, the first parameters) and
says how long it was: `GET /cautions?sql=select...[cut: 90,112 bytes] HTTP/1.1" 200`.
"""
import logging

from datasette import hookimpl

MAX_LOGGED = 300


class CutLongURLs(logging.Filter):
    def filter(self, record):
        # uvicorn.access: args are (client address, method, path with query string, HTTP version, status)
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and len(args[2]) > MAX_LOGGED:
            record.args = (*args[:2], f"{args[2][:MAX_LOGGED]}...[cut: {len(args[2]):,} bytes]", *args[3:])
        return True


@hookimpl
def startup(datasette):
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, CutLongURLs) for f in logger.filters):
        logger.addFilter(CutLongURLs())
