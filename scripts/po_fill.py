"""Fill translations into a .po file: `python scripts/po_fill.py FILE < translations.json`.

The JSON maps each msgid (exact, unwrapped) to its translation, or to a list of plural forms. Entries
it fills lose their `fuzzy` flag and `#|` previous-msgid lines. A dev tool; stdlib only.
"""

import json
import sys


def _unquote(lines: list[str]) -> str:
    return "".join(json.loads(line) for line in lines)


def _fill(block: str, wanted: dict) -> str:
    lines = block.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
    if not starts:
        return block
    i = starts[0]
    j = i + 1
    while j < len(lines) and lines[j].startswith('"'):
        j += 1
    msgid = _unquote([lines[i][6:], *lines[i + 1 : j]])
    if not msgid or msgid not in wanted:
        return block
    comments = [c.replace("#, fuzzy, ", "#, ") for c in lines[:i] if not c.startswith("#|") and c != "#, fuzzy"]
    msgstr_at = next(k for k, line in enumerate(lines) if line.startswith("msgstr"))
    head = lines[i:msgstr_at]
    value = wanted[msgid]
    if any(line.startswith("msgid_plural") for line in head):
        forms = value if isinstance(value, list) else [value]
        tail = [f"msgstr[{n}] {json.dumps(form, ensure_ascii=False)}" for n, form in enumerate(forms)]
    else:
        tail = [f"msgstr {json.dumps(value, ensure_ascii=False)}"]
    return "\n".join([*comments, *head, *tail])


def main() -> None:
    path = sys.argv[1]
    wanted = json.load(sys.stdin)
    with open(path, encoding="utf-8") as handle:
        blocks = handle.read().split("\n\n")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n\n".join(_fill(block, wanted) for block in blocks))


if __name__ == "__main__":
    main()
