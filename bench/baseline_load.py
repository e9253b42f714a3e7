"""Baseline (a) of the build benchmark: the least a loader can do. Python's csv module reads the
release, sqlite3's executemany writes every non-blank row after the header into one table of
six text columns, in one transaction; no validation, cleaning, indexes or search.

    python bench/baseline_load.py release.csv out.db
    python bench/baseline_load.py --indexed release.csv out.db

--indexed is baseline (a+): the same, then the SQL build.py's finish() runs on top of a plain
load: a unique index on the reference, two three-column covering indexes (offence code, and
description: build.py indexes a description id), four one- or two-column indexes, and an FTS5
index of the distinct descriptions. It shows how much of build.py's time is that unavoidable
SQL rather than its own reading, checking and cleaning.
"""
import csv
import sqlite3
import sys


INDEXES = ["create unique index t_ref on t (crime_reference)",
           "create index t_code on t (offence_code, outcome_date, outcome)",
           "create index t_description on t (offence_description, outcome_date, outcome)",
           "create index t_date on t (outcome_date)",
           "create index t_outcome_age on t (outcome, age_group)",
           "create index t_age on t (age_group)",
           "create index t_outcome on t (outcome)"]
FTS = ["create table descriptions as select distinct offence_description as description from t",
       "create virtual table descriptions_fts using fts5 (description, content=[descriptions])",
       "insert into descriptions_fts (rowid, description) select rowid, description from descriptions"]


def main(csv_path, db_path, indexed=False):
    conn = sqlite3.connect(db_path)
    conn.execute("create table t (crime_reference text, offence_code text, offence_description text, "
                 "outcome text, outcome_date text, age_group text)")
    with open(csv_path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        for cells in reader:  # skip the title rows above the header
            if cells and cells[0] == "Crime Reference":
                break
        with conn:
            conn.executemany("insert into t values (?, ?, ?, ?, ?, ?)",
                             (cells for cells in reader if len(cells) == 6 and any(cells)))
    if indexed:
        with conn:
            for sql in INDEXES + FTS:
                conn.execute(sql)
    conn.close()


if __name__ == "__main__":
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(paths[0], paths[1], indexed="--indexed" in flags)
