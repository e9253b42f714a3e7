"""The site's own address comes from its configuration, never from the request.

Datasette makes "absolute" URLs (datasette.absolute_url) from the request's Host header: the
home page's "Cite this figure" links, each page's alternate JSON link and `Link:` header, the
JSON's next_url. A request with `Host: evil.example` put http://evil.example/... into pages
that are cached for a day. Here absolute_url is replaced, at startup, by one that uses:

- SITE_URL, from the environment (SITE_URL=https://cautions.example.org ./serve.sh), or else
- `site_url` in metadata.yml: `plugins: {cautions-site: {site_url: https://...}}`;
- with neither, no host at all: the path alone, a link relative to the page it is on.

The `Link:` header Datasette sends with its alternate JSON URL also gets its angle brackets,
which Datasette 0.65 leaves out (`<url>; rel="alternate"`, RFC 8288).
"""
import os
import re
import urllib.parse

from datasette import hookimpl

SITE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?")
# Characters left as they are in a path and query string; anything else is percent-encoded, so
# nothing from the request can end a header field, an attribute or the <...> of a Link header.
SAFE = "/?&=%:@!$'()*+,;~-._"


def configured_site_url(datasette):
    """The site URL with no trailing slash, or "" for relative links. Raises on a malformed one."""
    url = os.environ.get("SITE_URL") or (datasette.plugin_config("cautions-site") or {}).get("site_url") or ""
    url = url.strip().rstrip("/")
    if url and not SITE_URL.fullmatch(url):
        raise ValueError(f"site_url {url!r} is not an http(s) address like https://cautions.example.org")
    return url


def make_absolute_url(site_url):
    def absolute_url(request, path):
        """Datasette's absolute_url(request, path), without the request."""
        parts = urllib.parse.urlsplit(path)
        if parts.scheme or parts.netloc:  # already a full URL: keep only its path and query
            path = urllib.parse.urlunsplit(("", "", parts.path, parts.query, parts.fragment))
        if not path.startswith("/"):
            path = urllib.parse.urljoin(request.path if request else "/", path)
        return site_url + urllib.parse.quote(path, safe=SAFE)
    return absolute_url


ALTERNATE = b'; rel="alternate"; type="application/json+datasette"'


def bracketed(link):
    """b'/x.json; rel="alternate"; ...' (as Datasette writes it) -> b'</x.json>; rel="alternate"; ...'"""
    if link.endswith(ALTERNATE) and not link.startswith(b"<"):
        return b"<" + link[:-len(ALTERNATE)] + b">" + ALTERNATE
    return link


@hookimpl
def startup(datasette):
    datasette.absolute_url = make_absolute_url(configured_site_url(datasette))


def wrap(app, datasette):
    async def link_header(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_link(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[(name, bracketed(value) if name.lower() == b"link" else value)
                                                 for name, value in message.get("headers", [])])
            await send(message)

        await app(scope, receive, send_with_link)
    return link_header
