"""Reading Freedom of Information releases: the pieces build.py is made of.

errors.py    the one exception a bad release raises, and how it is printed
manifest.py  data/manifest.yml: what each release is, checked before anything is read
schema.py    the fields of a row-level release and the header names each goes by
read.py      bytes to rows: encodings, line endings, XLSX, title/note/total rows
clean.py     one cell to one value: offence codes, dates, counts, suppressed cells
"""
