"""Each headline figure's canned query, derived at start-up from its one block in metadata.yml.

Datasette serves metadata.yml as it is; a figure block there (foi/figure_blocks.py) has no `sql:`, so
this fills in each block's count query, rows view and breakdown before anything reads them: in the
start-up hook's own body, which Datasette runs for every plugin before it awaits any plugin's
start-up work (release_attribution.py's reading of the queries, for one). The derivation is
foi/figure_blocks.py's, the one build.py uses: the site serves the queries the build checked.
"""
from datasette import hookimpl

from foi import figure_blocks


@hookimpl(tryfirst=True)  # before any other plugin's start-up reads the queries
def startup(datasette):
    datasette._metadata_local = figure_blocks.site_metadata(datasette._metadata_local)
