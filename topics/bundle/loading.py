"""Load content files into the database: `load_content()`.

Who owns a record: once a database has been seeded, the database is the truth.
The files seed a new site and carry the project's own corrections, which reach
a record only while no editor has touched it. For each file entry the loader
decides from the record and its `BundleState` (what the loader last did):

- no record and no state: create it;
- a state but no record: an editor deleted it; it is not re-created;
- a record but no state: an editor made it before the files had it; kept;
- a record whose export (rows included) is no longer the one the loader left:
  an editor changed it; kept, saying what differs and whether the file changed;
- otherwise: unchanged if its file entry is the one last applied, else updated.

All of it runs in one transaction holding the load lock (locking.py): every
entry is checked first, and any problem stops the load before anything is
written. Each record written gets one revision in the history, all of a run
sharing one batch id, and every record has at least one version afterwards, so
any record can be recovered after a deletion.

With `restore`, a backup made by export_content is loaded into an empty database
as it was: same ids, created/updated/published times and loader memory (from
the backup's _state.yaml), without the editorial rules for bundled files.
"""

import datetime
import difflib
import itertools
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from reversion.models import Version

from ..content_version import bump_content_version
from ..history import RECORD_MODELS, new_batch, save_version
from ..models import BundleState, Membership, RevisionNote
from . import editorial
from .fields import NATURAL_KEYS, Problem
from .locking import Busy, run_exclusively
from .reading import CONTENT_DIR, STATE_FILE, ContentError, read_bundle
from .shapes import SHAPES, fingerprint

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
EDITED, ADMIN, DELETED = "edited", "admin", "deleted"
WRITTEN = (CREATE, UPDATE)
# What migration 0003 left for records loaded before BundleState existed.
LEGACY_UNEDITED, LEGACY_EDITED = "legacy-unedited", "legacy-edited"


@dataclass
class Item:
    """One file entry and what the loader does with it."""

    shape: object
    entry: object
    record: object = None
    state: BundleState | None = None
    decision: str = CREATE
    legacy: bool = False  # a legacy state whose record was not edited: adopt its export
    current: dict | None = None  # the record's export before this run
    values: dict | None = None  # the entry's values, to write
    desired: dict | None = None  # the entry's normal form, as it would be exported
    notes: list = field(default_factory=list)
    instance: object = None  # the record as written

    @property
    def label(self):
        return self.entry.label


@dataclass
class Report:
    dry_run: bool = False
    restore: bool = False
    check: bool = False
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    kept: list = field(default_factory=list)  # why records were kept or not re-created
    changes: list = field(default_factory=list)  # what was (or would be) created or updated
    diffs: list = field(default_factory=list)  # line-by-line, for the long texts changed
    notes: list = field(default_factory=list)
    valid: str = ""
    seconds: float = 0.0

    def total(self, *decisions):
        return sum(counter[d] for counter in self.counts.values() for d in decisions)

    def summary(self):
        if self.check:
            return f"Content is valid: {self.valid}."
        created, updated = self.total(CREATE), self.total(UPDATE)
        rest = (
            f"{self.total(UNCHANGED)} unchanged, "
            f"{self.total(EDITED, ADMIN)} kept as edited in the admin, "
            f"{self.total(DELETED)} not re-created (deleted in the admin)."
        )
        if self.dry_run:
            return f"Dry run, nothing was changed: would create {created}, update {updated}; {rest}"
        if self.restore:
            return f"Content restored in {self.seconds:.1f} s: {created} records created."
        return (
            f"Content loaded in {self.seconds:.1f} s: {created} created, {updated} updated, {rest}"
        )


class Context:
    """What a reference may name, and the ids of the records it names."""

    def __init__(self, bundle, items):
        self.ids = {
            model: dict(model.objects.values_list(key, "pk")) for model, key in NATURAL_KEYS.items()
        }
        self.in_bundle = defaultdict(set)
        self.creating = defaultdict(set)
        for item in items:
            if isinstance(item.entry.key, str):
                self.in_bundle[item.shape.model].add(item.entry.key)
                if item.decision == CREATE:
                    self.creating[item.shape.model].add(item.entry.key)
        self._known = {}
        self._fake = itertools.count(-1, -1)
        self._fake_ids = {}
        self.restored_ids = {}  # (kind, key, rows key) → row ids, from a backup
        self.restored = {}  # (kind, key) → id and times, from a backup

    def known(self, model):
        """Natural keys a file may refer to: in the files or in the database."""
        if model not in self._known:
            self._known[model] = self.in_bundle[model] | self.ids[model].keys()
        return self._known[model]

    def will_exist(self, model, key):
        return key in self.ids[model] or key in self.creating[model]

    def fake_id(self):
        return next(self._fake)

    def id_of(self, model, key):
        """Return the record's id, or a stand-in for one not created yet (for clean())."""
        if key in self.ids[model]:
            return self.ids[model][key]
        return self._fake_ids.setdefault((model, key), self.fake_id())

    def pk(self, model, key):
        return self.ids[model].get(key)

    def row_ids(self, kind, key, rows_key):
        return self.restored_ids.get((kind, key, rows_key))


def load_content(
    *, path=CONTENT_DIR, check=False, dry_run=False, restore=False, wait=300, log=None
):
    """Load the content files at `path`; return a Report, or raise ContentError.

    `check` only validates, `dry_run` also says what would change; neither
    writes anything. `wait` is how long to wait for another load to finish.
    `log(message, level)` receives progress (level 1) and detail (level 2).
    """
    log = log or (lambda message, level=1: None)
    started = time.monotonic()
    bundle = read_bundle(path, backup=restore)
    report = Report(dry_run=dry_run, restore=restore, check=check)
    report.valid = bundle.counts()
    if restore and bundle.state is None:
        report.notes.append(
            f"no {STATE_FILE} in {path}: the records get new ids and times, and count as "
            "made in the admin"
        )
    log(f"Read {sum(1 for _ in bundle)} entries from {path}.", 2)

    def work():
        # Take the content version's row before reading anything: an admin save takes
        # it first too (topics/editing.py), so no edit can commit between this load's
        # reading of a record and its writing of it, and the lock order is the same.
        bump_content_version()
        items, context = plan(bundle, restore=restore, log=log)
        for item in items:
            report.counts[item.shape.kind][item.decision] += 1
        describe(items, report)
        if check or dry_run:
            transaction.set_rollback(True)
            return
        write(items, bundle, context, restore=restore, report=report, log=log)

    try:
        run_exclusively(
            work,
            wait=wait,
            on_wait=lambda: log("Waiting for another load_content to finish…"),
        )
    except Busy:
        raise ContentError(
            [
                f"another load_content has held the database for more than {wait} s; "
                "run this one again once it has finished"
            ]
        ) from None
    except DatabaseError as error:
        # The checks come first, so this is rare: report it, never a traceback.
        raise ContentError([f"the database refused a write: {error}"]) from None
    report.seconds = time.monotonic() - started
    return report


# Deciding -------------------------------------------------------------------


def plan(bundle, *, restore, log):
    """Return an Item per file entry, decided and checked; raise ContentError if any is bad."""
    items = []
    if restore:
        refuse_unless_empty()
    for kind, shape in SHAPES.items():
        records = {getattr(r, shape.key_attr): r for r in shape.queryset()}
        states = {state.key: state for state in BundleState.objects.filter(kind=kind)}
        for entry in bundle.entries[kind]:
            key = entry.key if isinstance(entry.key, str) else None
            item = Item(shape, entry, records.get(key), states.get(key))
            if item.record is not None:
                item.current = shape.to_entry(item.record)
            item.decision = CREATE if restore else decide(item)
            items.append(item)
    context = Context(bundle, items)
    problems = check_items(items, bundle, context, strict=not restore)
    if restore:
        problems += read_backup_state(bundle, items, context)
    if problems:
        raise ContentError(problems)
    log(f"Checked {len(items)} entries.", 2)
    for item in items:
        if item.decision in WRITTEN:
            notes = item.shape.drop_missing(item.values, context)
            item.notes = [f"{item.label}: {note}" for note in notes]
    relate_topics(items)
    for item in items:
        item.desired = item.shape.dump(item.values)
        if item.decision == UPDATE and same_content(item.current, item.desired, item.shape):
            # Only the file's wording changed (e.g. a default spelled out): nothing to write.
            item.decision = UNCHANGED
    return items, context


def decide(item):
    if item.record is None:
        return DELETED if item.state is not None else CREATE
    if item.state is None:
        return ADMIN
    loaded = item.state.loaded_hash
    if loaded == LEGACY_EDITED:
        return EDITED
    current = fingerprint(item.current)
    if loaded == LEGACY_UNEDITED:
        item.legacy, loaded = True, current
    if current != loaded:
        return EDITED
    return UNCHANGED if item.state.bundle_hash == item.entry.digest else UPDATE


def check_items(items, bundle, context, *, strict):
    """Return every problem of every entry: shape, references, the models' full_clean()."""
    problems = []
    for item in items:
        shape, data = item.shape, item.entry.data
        key = item.entry.key
        if not isinstance(key, str) or not key:
            found = f"missing {shape.key!r}" if key in (None, "") else f"{shape.key}: expected text"
            problems.append(f"{item.label}: {found}")
            continue
        try:
            item.values = shape.load(data, context)
        except Problem as problem:
            problems += [f"{item.label}: {message}" for message in problem.messages]
            continue
        found = shape.check(
            item.values,
            data,
            item.record,
            context,
            validate_unique=item.decision in WRITTEN,
        )
        problems += [f"{item.label}: {message}" for message in found]
    problems += duplicates(items)
    if strict:
        problems += editorial.problems(bundle)
    return problems


def duplicates(items):
    """Return entries that repeat a natural key, or another value the model keeps unique."""
    problems = []
    seen = {}
    for item in items:
        shape = item.shape
        unique = [(shape.key_attr, item.entry.key)]
        if item.values is not None:
            unique += [
                (attr, item.values.get(attr))
                for field in shape.columns
                for attr in field.attrs
                if attr != shape.key_attr and shape.model._meta.get_field(attr).unique
            ]
        for attr, value in unique:
            if value in (None, ""):
                continue
            first = seen.setdefault((shape.kind, attr, value), item.label)
            if first == item.label:
                continue
            key = shape.by_attr[attr].key
            if attr == shape.key_attr:
                problems.append(f"{item.label}: duplicate {key}, already used at {first}")
            else:
                problems.append(f"{item.label}: {key} {value!r} is also used at {first}")
    return problems


def relate_topics(items):
    """Give each topic its related topics from both sides of the files.

    Related topics are symmetric: a topic lists another, or is listed by it. A
    link to a topic the loader does not own (kept as an editor left it, or not
    in the files) is left as it is on either side.
    """
    topics = [item for item in items if item.shape.kind == "topics" and item.values is not None]
    own = {item.entry.key for item in topics if item.decision in (CREATE, UPDATE, UNCHANGED)}
    declared = {item.entry.key: set(item.values["related_topics"]) for item in topics}
    for item in topics:
        slug = item.entry.key
        both_sides = declared[slug] | {
            other for other, listed in declared.items() if slug in listed
        }
        current = set((item.current or {}).get("related") or [])
        related = {other for other in both_sides if other in own and other != slug}
        related |= {other for other in current if other not in own}
        item.values["related_topics"] = sorted(related)


def same_content(current, desired, shape):
    """Whether the record already is what the entry says (keys the entry leaves out
    that mean "keep", such as published_at, are not compared)."""
    return current is not None and not differences(current, desired, shape)


def differences(current, desired, shape):
    keys = []
    for each in shape.fields:
        if each.keep_if_absent and each.key not in desired:
            continue
        if current.get(each.key) != desired.get(each.key):
            keys.append(each.key)
    return keys


def refuse_unless_empty():
    counts = {shape.kind: shape.model.objects.count() for shape in SHAPES.values()}
    counts["loader states"] = BundleState.objects.count()
    found = {kind: count for kind, count in counts.items() if count}
    if found:
        listed = ", ".join(f"{count} {kind}" for kind, count in found.items())
        raise ContentError(
            [
                f"--restore loads a backup into an empty database, and this one has {listed}; "
                "restore into a new database (migrate it first)"
            ]
        )


def read_backup_state(bundle, items, context):
    """Check the backup's _state.yaml and note the ids it gives; return the problems."""
    state = bundle.state
    if state is None:
        return []
    problems = []
    records = state.get("records") or {}
    states = state.get("bundle_state") or []
    if not isinstance(records, dict) or not isinstance(states, list):
        return ["_state.yaml: expected 'records' (a mapping) and 'bundle_state' (a list)"]
    restored = {}
    for item in items:
        kind, key = item.shape.kind, item.entry.key
        of_kind = records.get(kind)
        saved = of_kind.get(key) if isinstance(of_kind, dict) else None
        where = f"_state.yaml: records: {kind}: {key!r}"
        if not isinstance(saved, dict):
            problems.append(f"{where}: missing (every record of a backup has its id and times)")
            continue
        if not isinstance(saved.get("id"), int) or isinstance(saved.get("id"), bool):
            problems.append(f"{where}: id must be a whole number")
        times = {}
        for name in ("created_at", "updated_at"):
            if hasattr(item.shape.model, name):
                times[name] = _datetime(saved.get(name))
                if times[name] is None:
                    problems.append(f"{where}: {name} must be an ISO date and time")
        for rows in item.shape.rows_with_ids:
            ids = saved.get(rows.key)
            count = len((item.values or {}).get(rows.attr) or [])
            if ids is None:
                continue
            if not isinstance(ids, list) or len(ids) != count:
                problems.append(f"{where}: {rows.key} must list the ids of its {count} rows")
            else:
                context.restored_ids[(kind, key, rows.key)] = ids
        restored[(kind, key)] = {"id": saved.get("id"), **times}
    for index, row in enumerate(states):
        where = f"_state.yaml: bundle_state[{index}]"
        if not isinstance(row, dict) or not all(
            isinstance(row.get(name), str) for name in ("kind", "key", "bundle_hash", "loaded_hash")
        ):
            problems.append(f"{where}: needs kind, key, bundle_hash and loaded_hash")
        elif _datetime(row.get("updated_at")) is None:
            problems.append(f"{where}: updated_at must be an ISO date and time")
    context.restored = restored
    return problems


def _datetime(value):
    if isinstance(value, datetime.datetime):
        return value
    try:
        return parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None


# Reporting --------------------------------------------------------------------


def describe(items, report):
    for item in items:
        shape = item.shape
        if item.decision == EDITED:
            parts = differences(item.current, item.desired, shape)
            reason = "edited in the admin"
            if item.state.loaded_hash == LEGACY_EDITED:
                reason += " before the history was kept"
            reason += f" (differs from the file in {', '.join(parts)})" if parts else ""
            if item.state.bundle_hash != item.entry.digest:
                reason += "; its file entry has changed too, and was not applied"
            report.kept.append(f"kept the editor's version of {item.label}: {reason}")
        elif item.decision == ADMIN:
            report.kept.append(
                f"kept the editor's version of {item.label}: "
                "created in the admin before it was in the content files"
            )
        elif item.decision == DELETED:
            report.kept.append(f"not re-created {item.label}: deleted in the admin")
        elif item.decision == CREATE and not report.restore:
            report.changes.append(f"create {item.label}")
        elif item.decision == UPDATE:
            changes = "; ".join(changed(item.current, item.desired, shape))
            report.changes.append(f"update {item.label}: {changes}")
            report.diffs += text_diffs(item, shape)
        if item.decision in WRITTEN:
            report.notes += item.notes


def changed(current, desired, shape):
    """Return "key: old → new" for each key of the entry that would change."""
    lines = []
    for key in differences(current, desired, shape):
        before, after = current.get(key), desired.get(key)
        if isinstance(before or after, list):
            before, after = before or [], after or []
            added = [_short(value) for value in after if value not in before]
            removed = [_short(value) for value in before if value not in after]
            parts = [f"+{value}" for value in added] + [f"-{value}" for value in removed]
            lines.append(f"{key}: {', '.join(parts) or 'reordered'}")
        elif _long(before) or _long(after):
            lines.append(f"{key}: text changed")
        else:
            lines.append(f"{key}: {_short(before)} → {_short(after)}")
    return lines


def text_diffs(item, shape):
    """Return a line-by-line diff of each long text the entry would change."""
    diffs = []
    for key in differences(item.current, item.desired, shape):
        before, after = item.current.get(key), item.desired.get(key)
        if isinstance(before or after, str) and (_long(before) or _long(after)):
            lines = difflib.unified_diff(
                (before or "").splitlines(),
                (after or "").splitlines(),
                f"{item.label}: {key} (database)",
                f"{key} (file)",
                lineterm="",
            )
            diffs.append("\n".join(lines))
    return diffs


def _long(value, limit=60):
    return isinstance(value, str) and (len(value) > limit or "\n" in value)


def _short(value):
    return "(none)" if value is None else repr(value) if isinstance(value, str) else str(value)


# Writing ----------------------------------------------------------------------


def write(items, bundle, context, *, restore, report, log):
    batch = new_batch()
    if not restore:
        first_versions()
    by_kind = defaultdict(list)
    for item in items:
        by_kind[item.shape.kind].append(item)
    for kind, shape in SHAPES.items():
        for item in by_kind[kind]:
            if item.decision in WRITTEN:
                pk = context.restored.get((kind, item.entry.key), {}).get("id") if restore else None
                item.instance = shape.write(item.values, item.record, context, pk=pk)
                context.ids[shape.model][item.entry.key] = item.instance.pk
        counts = report.counts[kind]
        done = ", ".join(f"{counts[d]} {LABELS[d]}" for d in LABELS if counts[d])
        log(f"  {kind}: {done or 'none'}")
    touched = defaultdict(set)  # records whose rows changed because another was written
    topics = {item.entry.key: item for item in by_kind["topics"]}
    for item in items:
        if item.decision not in WRITTEN:
            continue
        item.shape.write_deferred(item.instance, item.values, context)
        if item.shape.kind == "topics":
            before = set((item.current or {}).get("related") or [])
            for slug in before ^ set(item.values["related_topics"]):
                other = topics.get(slug)
                if other is not None and other.decision == UNCHANGED:
                    touched["topics"].add(other.record.pk)
    if restore:
        restore_bookkeeping(items, bundle, context)
    keep_history(items, touched, batch=batch, restore=restore)
    if restore:
        reset_sequences()


LABELS = {
    CREATE: "created",
    UPDATE: "updated",
    UNCHANGED: "unchanged",
    EDITED: "kept (edited)",
    ADMIN: "kept (made in the admin)",
    DELETED: "not re-created (deleted)",
}


def keep_history(items, touched, *, batch, restore):
    """Save a version of every record written or touched, and what the loader left."""
    written = defaultdict(dict)
    for item in items:
        if item.decision in WRITTEN:
            written[item.shape.kind][item.instance.pk] = item
    states = {}
    for kind, shape in SHAPES.items():
        pks = set(written[kind]) | touched[kind]
        if not pks:
            continue
        for record in shape.queryset().filter(pk__in=pks):
            item = written[kind].get(record.pk)
            if restore:
                reason = "Restored from a backup"
            elif item is None:
                reason = "Related topics changed by the content files"
            elif item.decision == CREATE:
                reason = "Created from the content files"
            else:
                reason = "Updated from the content files"
            save_version(record, kind=RevisionNote.Kind.LOAD, reason=reason, batch=batch)
            if not restore:
                key = getattr(record, shape.key_attr)
                states[(kind, key)] = {
                    "loaded_hash": fingerprint(shape.to_entry(record)),
                    **({"bundle_hash": item.entry.digest} if item else {}),
                }
    if restore:
        return
    for item in items:
        key = (item.shape.kind, item.entry.key)
        if item.decision == UNCHANGED and item.state.bundle_hash != item.entry.digest:
            states.setdefault(key, {})["bundle_hash"] = item.entry.digest
        if item.legacy and item.decision == UNCHANGED and key not in states:
            states.setdefault(key, {})["loaded_hash"] = fingerprint(item.current)
    save_states(states)


def save_states(states):
    now = timezone.now()
    existing = {(s.kind, s.key): s for s in BundleState.objects.all()}
    changed, new = [], []
    for (kind, key), values in states.items():
        state = existing.get((kind, key))
        if state is None:
            new.append(BundleState(kind=kind, key=key, **values))
            continue
        for name, value in values.items():
            setattr(state, name, value)
        state.updated_at = now
        changed.append(state)
    BundleState.objects.bulk_create(new)
    BundleState.objects.bulk_update(
        changed, ["bundle_hash", "loaded_hash", "updated_at"], batch_size=200
    )


def first_versions():
    """Give every record without a version one, so that it can be recovered."""
    for model in RECORD_MODELS:
        versioned = set(Version.objects.get_for_model(model).values_list("object_id", flat=True))
        missing = [
            pk for pk in model.objects.values_list("pk", flat=True) if str(pk) not in versioned
        ]
        for record in model.objects.filter(pk__in=missing):
            save_version(
                record,
                kind=RevisionNote.Kind.LOAD,
                reason="First version in the history (the record is older than it)",
            )


def restore_bookkeeping(items, bundle, context):
    """Bring back the backup's created/updated times and the loader's memory."""
    by_model = defaultdict(list)
    for item in items:
        saved = context.restored.get((item.shape.kind, item.entry.key))
        if saved and "updated_at" in saved:
            item.instance.created_at = saved["created_at"]
            item.instance.updated_at = saved["updated_at"]
            by_model[item.shape.model].append(item.instance)
    # bulk_update, unlike save(), leaves auto_now fields as they are set here.
    for model, records in by_model.items():
        model.objects.bulk_update(records, ["created_at", "updated_at"], batch_size=200)
    rows = (bundle.state or {}).get("bundle_state") or []
    states = [
        BundleState(
            kind=row["kind"],
            key=row["key"],
            bundle_hash=row["bundle_hash"],
            loaded_hash=row["loaded_hash"],
        )
        for row in rows
    ]
    BundleState.objects.bulk_create(states)
    # Their updated_at too: bulk_create stamps auto_now fields, bulk_update does not.
    restored = list(BundleState.objects.order_by("pk"))
    for state, row in zip(restored, rows, strict=True):
        state.updated_at = _datetime(row["updated_at"])
    BundleState.objects.bulk_update(restored, ["updated_at"], batch_size=200)


def reset_sequences():
    """After rows were inserted with their own ids, move PostgreSQL's id sequences past them."""
    models = [*RECORD_MODELS, Membership]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
