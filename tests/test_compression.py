"""Gzip for text responses, when asked (plugins/compression.py, issue 21)."""
import asyncio
import csv
import gzip
import http.client
import importlib.util
import io
import re
import urllib.parse
import zlib
from pathlib import Path

import pytest

from site_fixtures import ROOT, rows, site_client  # noqa: F401 (a fixture)


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/cautions/cautions", "/cautions/rape_cautions",
                                  "/cautions/rape_cautions.json", "/-/static/app.css"])
async def test_a_page_is_gzip_when_asked_and_plain_when_not(site_client, path):
    zipped = await site_client.get(path, headers={"Accept-Encoding": "gzip"})
    plain = await site_client.get(path, headers={"Accept-Encoding": "identity"})
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    for response in (zipped, plain):
        assert "accept-encoding" in response.headers["vary"].lower()
    timing = re.compile(rb"Queries took [0-9.]+ms|\"query_ms\": [0-9.e-]+")  # the one part that varies
    assert timing.sub(b"", zipped.content) == timing.sub(b"", plain.content)  # httpx decoded the gzip


@pytest.mark.asyncio
async def test_the_database_download_is_sent_as_it_is(site_client, sample_db):
    response = await site_client.get("/cautions.db", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert response.content == Path(sample_db).read_bytes()


def get_raw(url, path, accept_encoding):
    """Status, headers and the body exactly as sent (http.client decodes no gzip)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": accept_encoding})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_a_streamed_csv_arrives_whole_and_gzip_gives_the_same_bytes(sample_db):
    """On the real server: every crime as a streamed CSV, gzip and plain, the same bytes."""
    from site_server import served
    path = "/cautions/cautions.csv?_stream=on&_size=max"
    with served(sample_db) as url:
        status, headers, body = get_raw(url, path, "gzip")
        plain_status, plain_headers, plain = get_raw(url, path, "identity")
    assert status == plain_status == 200
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert headers.get("transfer-encoding") == "chunked"
    assert "content-encoding" not in plain_headers
    crimes = rows(sample_db, "select count(*) as n from cautions")[0]["n"]
    assert len(list(csv.reader(io.StringIO(plain.decode("utf-8"))))) == 1 + crimes  # the header, every crime
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain) / 3


def plugin():
    spec = importlib.util.spec_from_file_location("compression", ROOT / "plugins" / "compression.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_stream_is_compressed_as_it_comes_not_held_whole():
    """Each chunk goes out, compressed, before the app has made the next: a slow stream reaches the
    reader as it is made, and memory holds one chunk, not the response."""
    chunk = b"".join(b"%d,some offence,2016-01-01\n" % i for i in range(2000))  # ~60 KB
    chunks = 5
    sent, seen_before_next = [], []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/csv; charset=utf-8")]})
        for i in range(chunks):
            seen_before_next.append(sum(len(m.get("body", b"")) for m in sent if m["type"] == "http.response.body"))
            await send({"type": "http.response.body", "body": chunk, "more_body": i < chunks - 1})

    async def send(message):
        sent.append(message)

    wrapped = plugin().wrap(app, None)
    scope = {"type": "http", "method": "GET", "path": "/x.csv", "headers": [(b"accept-encoding", b"gzip, br")]}
    asyncio.run(wrapped(scope, None, send))
    start = sent[0]
    assert (b"content-encoding", b"gzip") in start["headers"] and (b"vary", b"Accept-Encoding") in start["headers"]
    assert all(later > earlier for earlier, later in zip(seen_before_next[1:], seen_before_next[2:]))
    assert seen_before_next[1] > 0  # the first chunk was out before the second was made
    body = b"".join(m["body"] for m in sent[1:])
    assert zlib.decompress(body, 16 + zlib.MAX_WBITS) == chunk * chunks
    assert sent[-1]["more_body"] is False


@pytest.mark.parametrize("value,accepted", [
    ("gzip", True), ("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.8", True), ("*", True),
    ("identity", False), ("", False), ("gzip;q=0", False), ("*;q=0", False), ("br, *;q=0.1", True),
    ("deflate", False),
])
def test_accept_encoding_is_read_with_its_q_values(value, accepted):
    assert plugin().accepts_gzip({"headers": [(b"accept-encoding", value.encode())]}) is accepted


def test_a_body_sent_again_is_compressed_harder_once_and_always_gives_the_same_bytes():
    """A body is compressed quickly as it is sent (most differ from request to request); sent a
    second time (a script, a headline page from memory) it is compressed harder, once, and kept."""
    from plugins import compression
    script = Path(ROOT, "static", "sql-in-browser.js").read_bytes() * 4
    first = compression.gzip_whole(script)
    second = compression.gzip_whole(script)
    third = compression.gzip_whole(script)
    assert gzip.decompress(first) == gzip.decompress(second) == script
    assert len(second) < len(first) and third is second  # harder once, then the kept bytes
    assert second == compression.gzip_bytes(script, compression.REPEATED_LEVEL)
