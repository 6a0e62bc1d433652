"""Write the database back as content files: `export_content()`.

This is how editors' work returns to the repository and how the content is
backed up. Each kind is written through its shape (shapes.py), so the files are
plain content files: copied into topics/content/, they load like the bundled
ones. The bookkeeping a restore needs besides (record ids, created/updated
times, membership ids and the loader's memory, deleted records included) goes
to a separate `_state.yaml`, which `load_content --restore` reads.
"""

from pathlib import Path

from django.db import connection, transaction

from ..models import BundleState
from .reading import STATE_FILE, ContentError, dump_yaml, write_topic_file
from .shapes import SHAPES

# The order records are written in, for files that read well.
ORDER = {
    "themes": ["slug"],
    "sources": ["key"],
    "countries": ["iso_code"],
    "series": ["slug"],
    "exercises": ["start_date", "slug"],
    "policies": ["signed_date", "slug"],
    "bodies": ["slug"],
    "meetings": ["date", "slug"],
    "topics": ["slug"],
    "terms": ["term"],
}
STATE_HEADER = """\
# Written by export_content for `load_content --restore`: the database ids and
# created/updated times of the records, and what load_content remembers about
# the bundled ones (deleted records included). Not content: leave this file out
# when copying the other files into topics/content/.
"""


def export_content(directory):
    """Write every record, drafts included, under `directory`; return {kind: count}."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise ContentError([f"{directory}: not empty; export into a new folder"])
    (directory / "topics").mkdir(parents=True, exist_ok=True)
    first = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and first:
            # One snapshot for every query, so an edit made meanwhile is in all or none.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        counts, records = {}, {}
        for kind, shape in SHAPES.items():
            exported = list(shape.queryset().order_by(*ORDER[kind]))
            entries = [shape.to_entry(record) for record in exported]
            if kind == "topics":
                for entry in entries:
                    body = entry.pop("body", "")
                    write_topic_file(directory / "topics" / f"{entry['slug']}.md", entry, body)
            else:
                (directory / f"{kind}.yaml").write_text(
                    dump_yaml({kind: entries}), encoding="utf-8"
                )
            records[kind] = {
                getattr(record, shape.key_attr): bookkeeping(shape, record) for record in exported
            }
            counts[kind] = len(entries)
        states = [
            {
                "kind": state.kind,
                "key": state.key,
                "bundle_hash": state.bundle_hash,
                "loaded_hash": state.loaded_hash,
                "updated_at": state.updated_at.isoformat(),
            }
            for state in BundleState.objects.order_by("kind", "key")
        ]
    state = dump_yaml({"records": records, "bundle_state": states})
    (directory / STATE_FILE).write_text(STATE_HEADER + state, encoding="utf-8")
    return counts


def bookkeeping(shape, record):
    """Return what a restore needs besides the record's file entry."""
    saved = {"id": record.pk}
    for name in ("created_at", "updated_at"):
        if hasattr(record, name):
            saved[name] = getattr(record, name).isoformat()
    for rows in shape.rows_with_ids:
        saved[rows.key] = [
            row.pk for row in sorted(getattr(record, rows.attr).all(), key=rows.order)
        ]
    return saved
