"""The round robin's page, /cautions/replies (templates/table-cautions-replies.html): the request's
question, how many of the authorities it went to answered (in part, refused and silent counted
apart), who refused and why, and a ranked horizontal chart of every authority's total, each name
linking to its reply's release (its attribution and figures). A refusal or no reply is a row that
says so, never a zero bar.

With several requests in the database the page shows the one named by `?request_id=` (which also
filters the table beneath), else the most recently sent -- as the replies_ canned queries do -- and
links to the others.
"""
import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_encode

from foi.charts import PALETTE, colour_map, ranked, ranked_bars_html

# The most recently sent request, as the canned queries in metadata.yml choose it when no
# request_id is given.
REQUESTS_SQL = "select * from requests order by sent desc, id desc"
REPLIES_SQL = """select authority, status, refusal, total, rate_per_1000_crimes, release_id, working_days, late
from replies where request_id = ? order by authority"""


STATUSES = ("answered", "partial", "refused", "no reply")  # foi.schema.REPLY_STATUSES, in the page's order
STATUS_WORDS = {"answered": "answered", "partial": "partial answer"}  # the chart's key to its colours


def refusal_words(refusal):
    """'s.12 (cost)' -> 's.12 cost': the section a refusal cites, in one pair of brackets."""
    return " ".join((refusal or "").replace("(", " ").replace(")", " ").split())


def no_figure_note(reply):
    """What a reply without a total says where its bar would be: 'refused (s.12 cost)', 'no reply'."""
    status = reply["status"]
    if status == "refused":
        reason = refusal_words(reply["refusal"])
        return f"refused ({reason})" if reason else "refused"
    if status == "partial":
        return "answered in part, with no total"
    return status  # 'no reply'


def chart_rows(replies, link_of, colours):
    """The ranked chart's rows (foi.charts.ranked_bars_html): a bar for each reply with a total,
    then a labelled row for each refusal and non-reply."""
    totals = {r["authority"]: r["total"] for r in replies}
    # refusals before non-replies, each alphabetical, after every total (ranked() keeps this order)
    in_order = sorted(replies, key=lambda r: (STATUSES.index(r["status"]) if r["status"] in STATUSES else 9,
                                              r["authority"]))
    by_name = {r["authority"]: r for r in in_order}
    rows = []
    for name in ranked(list(by_name), totals):
        reply = by_name[name]
        row = {"label": name, "href": link_of(reply)}
        if reply["total"] is not None:
            row["segments"] = [(None, reply["total"], colours.get(reply["status"], PALETTE[0]))]
            row["value_text"] = f"{reply['total']:,}" + (" partial" if reply["status"] == "partial" else "")
        else:
            row["note"] = no_figure_note(reply)
        rows.append(row)
    return rows


def summary(replies):
    """The counts the page states, from the replies themselves."""
    count = {status: sum(1 for r in replies if r["status"] == status) for status in STATUSES}
    return {"authorities": len(replies), **{k.replace(" ", "_"): v for k, v in count.items()},
            "late": sum(1 for r in replies if r["late"]),
            "refusals": [r for r in replies if r["status"] == "refused"],
            "silent": [r for r in replies if r["status"] == "no reply"]}


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    if table != "replies" or request is None or not template.startswith("table"):
        return {}

    async def replies_page_vars():
        db = datasette.get_database(database)
        if not (await db.table_exists("requests") and await db.table_exists("replies")):
            return {}
        requests = [dict(r) for r in (await db.execute(REQUESTS_SQL)).rows]
        if not requests:
            return {}
        wanted = request.args.get("request_id")
        chosen = next((r for r in requests if r["id"] == wanted), requests[0])
        replies = [dict(r) for r in (await db.execute(REPLIES_SQL, [chosen["id"]])).rows]
        table_url = datasette.urls.table(database, "replies")

        def link_of(reply):
            if reply["release_id"]:
                return datasette.urls.row(database, "releases", tilde_encode(reply["release_id"]))
            return table_url + "?" + urllib.parse.urlencode({"request_id": chosen["id"], "authority": reply["authority"]})

        declared = datasette.plugin_config("category-colours") or {}
        colours = colour_map("status", list(STATUS_WORDS), declared)
        shown = {r["status"] for r in replies if r["total"] is not None}
        return {"replies_request": {
            "request": chosen,
            "others": [{**r, "url": table_url + "?" + urllib.parse.urlencode({"request_id": r["id"]})}
                       for r in requests if r is not chosen],
            "summary": summary(replies),
            "chart": ranked_bars_html(chart_rows(replies, link_of, colours),
                                      "Each force's total, largest first"),
            "link_of": link_of,
            "refusal_words": refusal_words,
            "key": [(STATUS_WORDS[s], colours[s]) for s in STATUS_WORDS if s in shown],
            "query_url": lambda name: datasette.urls.database(database) + f"/{name}?"
                                      + urllib.parse.urlencode({"request_id": chosen["id"]}),
        }}

    return replies_page_vars
