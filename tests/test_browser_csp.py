"""The Content-Security-Policy in a real browser (plugins/security_headers.py): every page the
site has works under it with no violation reported, and a script that got into a page some
other way does not run.

Uses test_browser.py's chromium (skipped without it, except when REQUIRE_BROWSER=1, as in CI).
"""
import pytest

from site_fixtures import explorer_queries, headline_queries
from site_server import served
from test_browser import browser  # noqa: F401 -- the fixture

HEADLINE = next(iter(headline_queries()))
EXPLORER = next(iter(explorer_queries()))
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e =>
    (window.__violations = window.__violations || []).push(e.violatedDirective + ' ' + e.blockedURI));"""
# Each page, and what shows that its scripts ran.
PAGES = {
    "/": "#sample-banner",
    f"/cautions/{HEADLINE}": ".headline-chart svg",
    f"/cautions/{EXPLORER}": "form.datasette-vega + div canvas, form.datasette-vega + div svg.marks",
    "/cautions/cautions?_facet=offence_group": ".facet-results",
    "/cautions": ".CodeMirror",  # the SQL editor: Datasette's inline script turned the textarea into it
}


@pytest.fixture(scope="module")
def site(sample_db):
    with served(sample_db) as url:
        yield url


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.console_violations = []
    page.on("console", lambda m: page.console_violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.add_init_script(REPORT_VIOLATIONS)
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_each_kind_of_page_works_under_the_policy_with_no_violation(page, site, path):
    response = page.goto(site + path)
    assert "script-src" in response.headers["content-security-policy"]
    page.wait_for_selector(PAGES[path], state="attached", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__violations || []") == []
    assert page.console_violations == []


def test_a_script_that_is_not_the_sites_own_does_not_run(page, site):
    page.goto(site + f"/cautions/{HEADLINE}")
    ran = page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.__injected = 1';
        document.body.appendChild(script);
        const handler = document.createElement('img');
        handler.setAttribute('onerror', 'window.__injected = 2');
        handler.src = 'data:,';
        document.body.appendChild(handler);
        return new Promise(done => setTimeout(() => done(window.__injected || null), 300));
    }""")
    assert ran is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations || []"))
