"""Read a folder of content files into entries (see docs/content-format.md).

Only the files' structure is checked here (valid YAML without duplicate keys,
known sections, lists of mappings, a topic's front matter); what a record may
contain is the shapes' business (shapes.py). Every problem found is collected,
with its file, and raised together as one `ContentError`.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .shapes import SHAPES, YAML_KINDS, digest

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
# The bookkeeping file of a backup (ids, times, the loader's memory); not content.
STATE_FILE = "_state.yaml"
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", re.DOTALL)


class ContentError(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s) in the content files")
        self.problems = problems


@dataclass
class Entry:
    kind: str
    data: dict
    file: str
    index: int

    @property
    def key(self):
        return self.data.get(SHAPES[self.kind].key)

    @property
    def label(self):
        return f"{self.file}: {self.kind}[{self.index}] {self.key or '?'!r}"

    @property
    def digest(self):
        return digest(self.data)


@dataclass
class Bundle:
    directory: Path
    entries: dict = field(default_factory=lambda: {kind: [] for kind in SHAPES})
    # The contents of _state.yaml, when reading a backup.
    state: dict | None = None

    def __iter__(self):
        for kind in SHAPES:
            yield from self.entries[kind]

    def counts(self):
        return ", ".join(f"{len(entries)} {kind}" for kind, entries in self.entries.items())


# libyaml's parser when PyYAML was built with it (several times faster).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text):
    return yaml.load(text, Loader=_UniqueKeyLoader)


def read_bundle(directory=CONTENT_DIR, *, backup=False):
    """Return the entries of every file under `directory`, or raise ContentError.

    With `backup`, also read the backup's _state.yaml (if there is one).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ContentError([f"{directory}: content folder not found"])
    bundle = Bundle(directory)
    problems = []
    for path in sorted(directory.rglob("*.yaml")):
        name = path.relative_to(directory).as_posix()
        if name == STATE_FILE:
            continue
        data, problem = _read_yaml(path, name)
        if problem:
            problems.append(problem)
            continue
        if not isinstance(data, dict):
            problems.append(f"{name}: expected a mapping with keys such as {', '.join(YAML_KINDS)}")
            continue
        for kind, records in data.items():
            if kind not in YAML_KINDS:
                problems.append(
                    f"{name}: unknown section {kind!r} (expected one of {', '.join(YAML_KINDS)})"
                )
                continue
            if not isinstance(records, list):
                problems.append(f"{name}: {kind} must be a list of records")
                continue
            for index, record in enumerate(records):
                if not isinstance(record, dict):
                    problems.append(f"{name}: {kind}[{index}] must be a mapping")
                    continue
                bundle.entries[kind].append(Entry(kind, record, name, index))
    topics = directory / "topics"
    for path in sorted(topics.glob("*.md")) if topics.is_dir() else []:
        entry, problem = read_topic_file(path, path.relative_to(directory).as_posix())
        if problem:
            problems.append(problem)
        else:
            bundle.entries["topics"].append(entry)
    if backup and (directory / STATE_FILE).is_file():
        state, problem = _read_yaml(directory / STATE_FILE, STATE_FILE)
        if problem:
            problems.append(problem)
        else:
            bundle.state = state if isinstance(state, dict) else {}
    if problems:
        raise ContentError(problems)
    return bundle


def _read_yaml(path, name):
    try:
        return parse_yaml(path.read_text(encoding="utf-8")), None
    except UnicodeDecodeError as error:
        return None, f"{name}: not UTF-8 text: {error}"
    except yaml.YAMLError as error:
        return None, f"{name}: not valid YAML: {error}"


def read_topic_file(path, name):
    # newline="": keep a body's line endings exactly as written (an admin textarea
    # sends \r\n), so a backup restores the same text.
    with open(path, encoding="utf-8", newline="") as file:
        text = file.read()
    match = FRONT_MATTER.match(text)
    if not match:
        return None, f"{name}: a topic file starts with YAML front matter between two '---' lines"
    try:
        front = parse_yaml(match.group(1)) or {}
    except yaml.YAMLError as error:
        return None, f"{name}: front matter is not valid YAML: {error}"
    if not isinstance(front, dict):
        return None, f"{name}: front matter must be a mapping"
    if "body" in front:
        return None, f"{name}: the body goes below the front matter, not in a 'body' key"
    if front.get("slug") != path.stem:
        return None, f"{name}: slug {front.get('slug')!r} must match the file name {path.stem!r}"
    front["body"] = match.group(2)
    return Entry("topics", front, name, 0), None


def write_topic_file(path, front, body):
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write(f"---\n{dump_yaml(front)}---\n{body}")


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data):
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
