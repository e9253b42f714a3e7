"""What the server works out once instead of on every request (issue 21): each table's and query's
attribution (release_attribution.py), each table's `allow` rules (table_permissions_once.py),
and a streamed body's pieces (body_batching.py)."""
import asyncio
import copy
import importlib.util
import json

import pytest
from datasette.app import Datasette

from site_fixtures import ROOT, inspect_file, rows, serve_settings, site_metadata


def site(sample_db, metadata):
    return Datasette(immutables=[str(sample_db)], inspect_data=json.loads(inspect_file(sample_db).read_text()),
                     metadata=metadata, template_dir=str(ROOT / "templates"),
                     settings=serve_settings())


@pytest.mark.asyncio
async def test_attribution_is_in_the_metadata_after_startup_and_metadata_yml_still_wins(sample_db):
    metadata = site_metadata()
    metadata["databases"]["cautions"].setdefault("tables", {}).setdefault("offence_codes", {})["source"] = "Given here"
    given = copy.deepcopy(metadata)
    ds = site(sample_db, metadata)
    await ds.invoke_startup()
    release = rows(sample_db, "select * from releases where kind = 'rows'")[0]
    assert release["title"] in ds.metadata("source", database="cautions", table="cautions")
    assert release["title"] in ds.metadata("queries", database="cautions")["rape_cautions"]["source"]
    assert ds.metadata("source", database="cautions", table="offence_codes") == "Given here"
    assert metadata == given  # the caller's dict is not changed (tests share one between instances)


@pytest.mark.asyncio
async def test_a_tables_allow_rule_is_kept_and_still_applied_to_every_request(sample_db):
    metadata = site_metadata()
    metadata["databases"]["cautions"].setdefault("tables", {}).setdefault("offence_codes", {})["allow"] = {"id": "editor"}
    ds = site(sample_db, metadata)
    for _ in range(3):
        assert (await ds.client.get("/cautions/offence_codes.json")).status_code == 403
        allowed = await ds.client.get("/cautions/offence_codes.json",
                                      cookies={"ds_actor": ds.sign({"a": {"id": "editor"}}, "actor")})
        assert allowed.status_code == 200
        assert (await ds.client.get("/cautions/cautions.json?_size=1")).status_code == 200


def test_a_stream_of_small_messages_goes_on_in_pieces_whole_and_in_order():
    spec = importlib.util.spec_from_file_location("body_batching", ROOT / "plugins" / "body_batching.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines = [b"%d,a row of a CSV\n" % i for i in range(5000)]
    sent = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]})
        for line in lines:
            await send({"type": "http.response.body", "body": line, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def send(message):
        sent.append(message)

    asyncio.run(module.wrap(app, None)({"type": "http"}, None, send))
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert b"".join(m["body"] for m in bodies) == b"".join(lines)
    assert 2 < len(bodies) < 20  # pieces: neither a message a row nor the whole held
    assert all(len(m["body"]) >= module.BATCH_BYTES for m in bodies[:-1])
    assert [m["more_body"] for m in bodies] == [True] * (len(bodies) - 1) + [False]
