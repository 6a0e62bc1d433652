"""The content files: one declaration per record kind, and everything built on it.

- shapes.py: each kind's file shape, declared once (fields.py has the field types);
- reading.py: a folder of YAML and Markdown files → entries;
- loading.py: `load_content()`, which decides per entry what to create, update or
  keep, checks everything with the models' full_clean(), and writes (restore too);
- exporting.py: `export_content()`, the database back as files (a backup);
- editorial.py: the house rules the bundled files must also meet;
- locking.py: one load at a time.

The format is described in docs/content-format.md.
"""
