"""Fill translations into the zh_Hans catalogue from a small mapping (for a handful of
new strings; larger batches are translated by hand in the .po file).

    .venv/bin/python scripts/po-fill.py  # edits django.po in place, clears fuzzy flags
"""

import json
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "src/lenddesk/locale/zh_Hans/LC_MESSAGES/django.po"


def _unquote(lines: list[str]) -> str:
    return "".join(json.loads(line.split(" ", 1)[1] if line.startswith("msg") else line) for line in lines)


def fill(mapping: dict[str, str]) -> int:
    entries = PO.read_text(encoding="utf-8").split("\n\n")
    changed = 0
    for n, entry in enumerate(entries):
        lines = entry.splitlines()
        try:
            start = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
            stop = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
        except StopIteration:
            continue
        msgid = _unquote(lines[start:stop])
        if msgid not in mapping:
            continue
        head = [
            line.replace("#, fuzzy, ", "#, ").replace(", fuzzy", "")
            for line in lines[:start]
            if not line.startswith("#|") and line.strip() != "#, fuzzy"
        ]
        entries[n] = "\n".join([*head, *lines[start:stop], "msgstr " + json.dumps(mapping[msgid], ensure_ascii=False)])
        changed += 1
    PO.write_text("\n\n".join(entries), encoding="utf-8")
    return changed


if __name__ == "__main__":
    sys.stdout.write("%d\n" % fill(json.loads(sys.stdin.read())))
