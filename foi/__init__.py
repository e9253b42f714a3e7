"""Reading Freedom of Information releases: the pieces build.py is made of.

errors.py    the one exception a bad release raises, and how it is printed
manifest.py  data/manifest.yml: what each release is, checked before anything is read, as Release values
  manifest_keys.py   the keys a release may have, declared once (required, type, what each says)
  release_checks.py  each release checked against them (the messages, with the YAML line)
schema.py    every table the build makes, declared once: its columns, their types, a note on each
fields.py    the fields of a row-level release and the header names each goes by
read.py      bytes to rows: Source, open_release, and Table (header, title/note/total rows)
  read_csv.py     encodings, delimiters, line endings; a CSV's rows with their line numbers
  read_sheets.py  XLSX/XLS/ODS: the sheet, each cell as a reader sees it, a header over two rows
rows.py      a row-level release staged: its header fitted, its cells into a temporary raw table
  staged.py       what passes between the steps: Staged, Kind (one outcome and age group decided), DateColumns
  tally.py        the distinct combinations counted as rows stream; the progress bar
  row_values.py   each distinct outcome, (outcome, age group) and offence decided once, the decisions published
  row_dates.py    each distinct date read once, within the release's bounds
  cautions_table.py  cautions: its columns, its DDL, a release's rows by INSERT ... SELECT, one row per crime
  raw_copy.py     the original cells kept compact (raw_<id>_cells, raw_values) and the view raw_<id>
counts.py    a published table of counts: count columns typed, totals and subtotals checked
outcomes.py  outcome values: which are cautions, of what kind, and by which rule
offences.py  offence codes and descriptions, found in the offence lookup
clean.py     one value to its clean form: offence codes, dates, counts, suppressed cells
disclosure.py the disclosure check: personal data and hidden content stop the build until the manifest decides
  disclosure_rows.py  the check of a row-level release's raw table
personal_data.py  the patterns of personal data (UK formats first), and masking
hidden.py    what a spreadsheet hides (sheets, rows, columns, comments, authors), from its own XML
column_values.py  each column's distinct values counted as rows stream; withheld columns dropped
small_numbers.py  a sexual offence alone in its date, area and age group: its month, no area
loaded.py    what one release gave: the row of the releases table, and the build's summary
figure_blocks.py  a figure's one block of metadata.yml: its count, rows, chart SQL, for the build and the site
figures.py   the story's published figures, checked against the build
replies.py   a round robin: the requests and replies tables, the Home Office beside each reply
  replies_check.py  the manifest's requests and replies checked before any file is read
  forces.py         the territorial forces and bank holidays; working days
describe.py  `build.py describe`: a release nobody has declared, as a manifest entry
  describe_values.py, describe_layout.py, describe_dates.py, describe_rows.py: what a cell holds, the
  header and columns, the dates and period, a row-level release's entry
charts.py    a breakdown chart's shape and colours, for the page and the card
cards.py     each headline figure's link-preview card (og:image)
"""
