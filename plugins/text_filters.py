"""Jinja filters for text that comes from data/manifest.yml, written by people:

- `full_stop`: one full stop at the end of a sentence, never two ("open data tables." + ".");
- `inline_code`: `closed` written with backticks, as in Markdown, shown as code, not as
  backticks. Everything else is escaped, as usual.
"""
import re

from datasette import hookimpl
from markupsafe import Markup, escape


def full_stop(text):
    text = str(text or "").rstrip()
    return text if not text or text[-1] in ".!?" else text + "."


def inline_code(text):
    return Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", str(escape(text or ""))))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["full_stop"] = full_stop
    env.filters["inline_code"] = inline_code
