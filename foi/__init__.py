"""Reading Freedom of Information releases: the pieces build.py is made of.

errors.py    the one exception a bad release raises, and how it is printed
manifest.py  data/manifest.yml: what each release is, checked before anything is read
schema.py    the fields of a row-level release, the header names each goes by, and every table's columns
read.py      bytes to rows: encodings, delimiters, line endings, XLSX/XLS/ODS sheets, title/note/total rows
rows.py      a row-level release: raw cells, each distinct value decided once, cautions by INSERT ... SELECT
counts.py    a published table of counts: count columns typed, totals and subtotals checked
outcomes.py  outcome values: which are cautions, of what kind, and by which rule
offences.py  offence codes and descriptions, found in the offence lookup
clean.py     one value to its clean form: offence codes, dates, counts, suppressed cells
disclosure.py the disclosure check: personal data and hidden content stop the build until the manifest decides
personal_data.py  the patterns of personal data (UK formats first), and masking
hidden.py    what a spreadsheet hides (sheets, rows, columns, comments, authors), from its own XML
column_values.py  each column's distinct values counted as rows stream; withheld columns dropped
small_numbers.py  a sexual offence alone in its date, area and age group: its month, no area
loaded.py    what one release gave: the row of the releases table, and the build's summary
figures.py   the story's published figures, checked against the build
replies.py   a round robin: one request to many forces, the replies table, working days, the Home Office beside each
describe.py  `build.py describe`: a release nobody has declared, as a manifest entry
charts.py    a breakdown chart's shape and colours, for the page and the card
cards.py     each headline figure's link-preview card (og:image)
"""
