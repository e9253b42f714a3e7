"""The site's metadata.yml for a test's own release: the build runs every canned query, so a
build without the story's counts releases needs the site's queries without those that read them."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# The canned queries that read the story's counts releases (the Buckinghamshire total, the Home
# Office's outcomes), which a test's own release does not have.
STORY_COUNTS_QUERIES = ("buckinghamshire_cautions", "foi_and_home_office_by_financial_year")


def metadata_without_story_tables(folder):
    """The site's metadata.yml, written into `folder` without STORY_COUNTS_QUERIES."""
    path = Path(folder) / "site-metadata.yml"
    if not path.exists():
        site = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
        queries = site["databases"]["cautions"]["queries"]
        for name in STORY_COUNTS_QUERIES:
            del queries[name]
        path.write_text(yaml.safe_dump(site, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
