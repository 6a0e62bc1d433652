"""The project's editorial rules for its bundled content files.

They apply to `topics/content/` (every `load_content` and `--check`), not to a
backup being restored, which must bring back whatever the editors had, drafts
with no source yet included. What a record may hold at all is the models'
business (shapes.py); these rules are the house's stricter standard.
"""

from ..markup import cited_keys

# Kinds whose every record states facts, and so cites at least one source.
FACTUAL = ("exercises", "policies", "topics", "bodies", "meetings")
# Kinds whose Markdown may cite sources inline as [@key], and the key holding it.
CITING_TEXT = {"topics": "body", "bodies": "description"}


def _keys(sources):
    if not isinstance(sources, list):
        return []
    return [item.get("key") if isinstance(item, dict) else item for item in sources]


def problems(bundle):
    """Return every breach of the editorial rules, with its file and record."""
    found = []
    for kind in FACTUAL:
        for entry in bundle.entries[kind]:
            if not entry.data.get("sources"):
                found.append(f"{entry.label}: cites no source")
    for entry in bundle.entries["countries"]:
        memberships = entry.data.get("memberships")
        if not memberships:
            found.append(f"{entry.label}: no memberships (status history)")
        for index, membership in enumerate(memberships if isinstance(memberships, list) else []):
            if isinstance(membership, dict) and not membership.get("sources"):
                found.append(f"{entry.label}: memberships[{index}]: cites no source")
    for entry in bundle.entries["sources"]:
        url = entry.data.get("url")
        if isinstance(url, str) and not url.startswith(("http://", "https://")):
            found.append(f"{entry.label}: url must start with http:// or https://")
    for kind, text_key in CITING_TEXT.items():
        for entry in bundle.entries[kind]:
            listed = set(_keys(entry.data.get("sources")))
            for key in cited_keys(entry.data.get(text_key) or ""):
                if key not in listed:
                    found.append(
                        f"{entry.label}: {text_key} cites [@{key}] but it is not in sources"
                    )
    return found
