"""The whole database, /cautions.db, is sent with its Content-Length (issue 21): a browser shows
how long the download will take, and a cut-off download is seen as one. It is sent as it is,
never compressed on the way (a reader checks it against the sha256 the home page cites)."""
import http.client
import urllib.parse

import pytest

from site_server import served


@pytest.fixture(scope="module")
def site(sample_db):
    with served(sample_db) as url:
        yield urllib.parse.urlparse(url)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("encoding", ["", "gzip, br"])
def test_the_database_is_sent_with_its_length(site, sample_db, method, encoding):
    connection = http.client.HTTPConnection(site.hostname, site.port, timeout=30)
    connection.request(method, "/cautions.db", headers={"Accept-Encoding": encoding} if encoding else {})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200
    assert response.getheader("Content-Length") == str(sample_db.stat().st_size)
    assert response.getheader("Content-Encoding") is None
    assert body == (sample_db.read_bytes() if method == "GET" else b"")
