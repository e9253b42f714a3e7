"""What one release gave the build: the row of the `releases` table, and the build's summary."""
import json
import os
from collections import Counter
from dataclasses import dataclass, field

from . import disclosure, manifest
from .schema import RELEASES_COLUMNS


@dataclass
class Loaded:
    release: dict                 # the manifest's entry
    source: object                # read.Source: the file as read
    table: str                    # where its rows went
    raw_table: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    blank_rows: int = 0
    skipped_lines: str | None = None                           # '12 repeated headers, 12 page lines'
    suppressed_cells: int = 0
    total_row: str | None = None
    published_totals: int = 0                                  # totals checked (table published_totals)
    notes: list = field(default_factory=list)
    unmapped_columns: list = field(default_factory=list)
    extra_columns: dict = field(default_factory=dict)          # header -> its column in cautions
    unknown_offence_codes: dict = field(default_factory=dict)  # code as given -> rows
    unmatched_descriptions: dict = field(default_factory=dict)  # description -> rows
    outcome_values: list = field(default_factory=list)         # (value, rows, read as, decided by)
    date_forms: Counter = field(default_factory=Counter)       # form -> rows
    by_month: Counter = field(default_factory=Counter)         # (month, year, type, offender, group) -> crimes
    by_code: Counter = field(default_factory=Counter)          # (offence code, year, type) -> crimes
    earliest_date: str | None = None                           # of the rows loaded (a month or year start
    latest_date: str | None = None                             # where the release gives no day)
    rows_outside_period: int = 0                               # excluded by `outside_period: exclude`
    ids: tuple = (None, None)                                  # its first and last id in cautions
    disclosure: list = field(default_factory=list)             # disclosure.Finding, each decided

    @property
    def display(self):
        return self.source.display

    def releases_row(self):
        r, s = self.release, self.source
        row = {
            **{k: r.get(k) for k in ("id", "kind", "title", "authority", "foi_reference", "source_url", "licence",
                                     "description")},
            "requested": str(r["requested"]) if r.get("requested") else None,
            "answered": str(r["answered"]) if r.get("answered") else None,
            "is_sample": int(r["is_sample"]), "file_name": r["file"],
            "sha256": s.sha256 or manifest.sha256(s.original), "bytes": os.path.getsize(s.original),
            "sheet": s.sheet, "file_format": s.format, "skipped_lines": self.skipped_lines,
            "encoding": s.encoding, "line_endings": s.line_endings, "delimiter": s.delimiter_name,
            "table_name": self.table, "raw_table": self.raw_table,
            "rows_read": self.rows_read, "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected,
            "blank_rows": self.blank_rows, "suppressed_cells": self.suppressed_cells, "total_row": self.total_row,
            "notes": "\n".join(self.notes) or None,
            "unmapped_columns": json.dumps(self.unmapped_columns),
            "extra_columns": json.dumps(self.extra_columns),
            "unknown_offence_codes": json.dumps(dict(sorted(self.unknown_offence_codes.items()))),
            "unmatched_descriptions": json.dumps(dict(sorted(self.unmatched_descriptions.items()))),
            "rows_are": r.get("rows_are", "crimes") if r["kind"] == "rows" else None,
            "earliest_date": self.earliest_date, "latest_date": self.latest_date,
            "rows_outside_period": self.rows_outside_period if r["kind"] == "rows" else None,
            "disclosure": disclosure.summary(self.disclosure),
        }
        return {c: row[c] for c in RELEASES_COLUMNS}  # in the table's order; a column missing here fails
