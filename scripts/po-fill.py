"""Fill translations into the zh_Hans catalogue from JSON mappings.

    .venv/bin/python scripts/po-fill.py file.json [more.json …]   (or JSON on stdin)

Each mapping is {msgid: msgstr}; a key "context\\u0004msgid" targets an entry with a
context, and a list value fills the plural forms. Filled entries lose their fuzzy flag.
Prints how many entries were filled and lists msgids still untranslated.
"""

import json
import sys
from pathlib import Path

import polib

PO = (
    Path(__file__).resolve().parent.parent
    / "src/lenddesk/locale/zh_Hans/LC_MESSAGES/django.po"
)


def fill(mapping: dict) -> int:
    catalogue = polib.pofile(str(PO), wrapwidth=79)
    changed = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        key = (entry.msgctxt + "\u0004" if entry.msgctxt else "") + entry.msgid
        value = mapping.get(key)
        if value is None and entry.msgctxt:
            value = mapping.get(entry.msgid)
        if value is None:
            continue
        if entry.msgid_plural:
            forms = value if isinstance(value, list) else [value]
            entry.msgstr_plural = {0: forms[0]}
        else:
            entry.msgstr = value[0] if isinstance(value, list) else value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgctxt = None
        changed += 1
    catalogue.save(str(PO))
    missing = [
        e.msgid
        for e in catalogue
        if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    for msgid in missing:
        sys.stderr.write("untranslated: %r\n" % msgid)
    return changed


if __name__ == "__main__":
    merged: dict = {}
    sources = sys.argv[1:]
    if sources:
        for name in sources:
            merged.update(json.loads(Path(name).read_text(encoding="utf-8")))
    else:
        merged = json.loads(sys.stdin.read())
    sys.stdout.write("%d\n" % fill(merged))
