"""Search over every year without downloading the whole index: an inverted index cut into shards.

Why our own index (figures measured on the 2-core machine, see the benchmark and the report):
material's built-in search writes one `search_index.json` per site that the browser downloads
whole (3.9 MB for one year of 3,650 items, and one per year site); Pagefind's CLI needs 6.1 s and
220 MB to index one year, so a rebuild after one new item cannot stay under 5 s, and its Python
API took 370 s for the same year. This index is rebuilt from per-month term lists in about a
second at 36,500 items, and a search fetches one shard per word plus the titles of the hits.
A rebuild replaces only the changed months' postings in the shards their words fall in.

    cari/idx/<first 3 letters>.json   {"term": [doc, gap, gap, ...]}   (sorted doc numbers, delta-coded)
    cari/docs/<YYYY-MM>.json          [[url, title, date, kind, thumbnail], ...]   (doc % 10000 = position)

A doc number is `month number * 10000 + position`, with months counted from January 2000, so the
numbers of an unchanged month never move and larger numbers are newer.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path
from typing import Any

KEY_LEN = 3
PER_UNIT = 10000
STOPWORDS = frozenset(
    "yang dan dari untuk dengan ini itu pada dalam akan atau juga oleh sudah telah bisa dapat ada kami kita "
    "anda para bagi agar serta tidak karena sebagai hingga antara tersebut adalah http https www".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    """Lower case without accents, as the browser's script does it (`NFKD`, drop marks).

    ASCII text (most captions) is only lowered: looking at each character of 36,500 captions
    cost ten seconds of a build.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).lower()


def terms(*texts: str) -> list[str]:
    """The distinct words of `texts` worth indexing, in a stable order."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(normalize(text)):
            if len(word) >= KEY_LEN and word not in STOPWORDS:
                seen.setdefault(sys.intern(word), None)  # 36,500 items' lists share one copy of a word
    return list(seen)


def unit_number(unit: str) -> int:
    year, month = unit.split("-")
    return (int(year) - 2000) * 12 + int(month) - 1


def write_docs(folder: Path, unit: str, rows: list[list[Any]]) -> None:
    """A month's result rows, in the order of its doc numbers (see `write_index`)."""
    _write(folder / "docs" / f"{unit}.json", rows)


def write_index(folder: Path, changed: dict[str, list[list[str]] | None],
                previous: Callable[[str], list[list[str]]], *, from_scratch: bool = False) -> int:
    """Put the months in `changed` (None: gone) into the index; return how many shards were written.

    `changed` maps a month to its term list per doc, in the order of `write_docs`; `previous(month)`
    gives the term lists the index holds now for it (read one month at a time: a full rebuild
    would otherwise hold ten years of words twice). Only the shards of words a changed
    month has or had are read and written again, and in them only those words' postings, whose
    documents of the month (one range of doc numbers) are replaced: a new item costs about the
    shards of its month's words, not the whole index. `from_scratch` clears the index first
    (keeping the doc tables of the months in `changed`).
    """
    if from_scratch:
        shutil.rmtree(folder / "idx", ignore_errors=True)
        for docs in (folder / "docs").glob("*.json"):
            if docs.stem not in changed:
                docs.unlink()
    touched: dict[str, set[str]] = {}
    fresh: dict[str, array[int]] = {}  # 8 bytes a posting, not a list's 36: 1.5M at 36,500 items
    ranges: list[tuple[int, int]] = []
    for unit, data in sorted(changed.items()):
        base = unit_number(unit) * PER_UNIT
        ranges.append((base, base + PER_UNIT))
        for words in previous(unit):
            for word in words:
                touched.setdefault(word[:KEY_LEN], set()).add(word)
        if data is None:
            (folder / "docs" / f"{unit}.json").unlink(missing_ok=True)
            continue
        for position, words in enumerate(data):
            for word in words:
                fresh.setdefault(word, array("q")).append(base + position)
                touched.setdefault(word[:KEY_LEN], set()).add(word)
    for key, words in touched.items():
        path = folder / "idx" / f"{key}.json"
        shard: dict[str, list[int]] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        for word in words:
            docs = list(accumulate(shard.get(word, ())))
            for low, high in ranges:
                del docs[bisect_left(docs, low):bisect_left(docs, high)]
            docs = sorted(docs + fresh.get(word, array("q")).tolist())
            if docs:
                shard[word] = [b - a for a, b in zip([0, *docs], docs)]
            else:
                shard.pop(word, None)
        if shard:
            _write(path, shard)
        else:
            path.unlink(missing_ok=True)
    return len(touched)


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
