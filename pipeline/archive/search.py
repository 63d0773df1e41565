"""Search over every year without downloading the whole index: an inverted index cut into shards.

Why our own index (figures measured on the 2-core machine, see the benchmark and the report):
material's built-in search writes one `search_index.json` per site that the browser downloads
whole (3.9 MB for one year of 3,650 items, and one per year site); Pagefind's CLI needs 6.1 s and
220 MB to index one year, so a rebuild after one new item cannot stay under 5 s, and its Python
API took 370 s for the same year. This index is rebuilt from per-month term lists in about a
second at 36,500 items, and a search fetches one shard per word plus the titles of the hits.

    cari/idx/<first 3 letters>.json   {"term": [doc, gap, gap, ...]}   (sorted doc numbers, delta-coded)
    cari/docs/<YYYY-MM>.json          [[url, title, date, kind, thumbnail], ...]   (doc % 10000 = position)

A doc number is `month number * 10000 + position`, with months counted from January 2000, so the
numbers of an unchanged month never move and larger numbers are newer.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

KEY_LEN = 3
PER_UNIT = 10000
STOPWORDS = frozenset(
    "yang dan dari untuk dengan ini itu pada dalam akan atau juga oleh sudah telah bisa dapat ada kami kita "
    "anda para bagi agar serta tidak karena sebagai hingga antara tersebut adalah http https www".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    """Lower case without accents, as the browser's script does it (`NFKD`, drop marks)."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).lower()


def terms(*texts: str) -> list[str]:
    """The distinct words of `texts` worth indexing, in a stable order."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(normalize(text)):
            if len(word) >= KEY_LEN and word not in STOPWORDS:
                seen.setdefault(word, None)
    return list(seen)


def unit_number(unit: str) -> int:
    year, month = unit.split("-")
    return (int(year) - 2000) * 12 + int(month) - 1


def write_index(folder: Path, units: dict[str, tuple[list[list[str]], list[list[str]]]],
                previous: dict[str, str]) -> dict[str, str]:
    """Write shards and per-month doc tables; return {file: digest} so unchanged files are skipped.

    `units` maps a month to (doc rows, term list per doc) in the same order.
    """
    postings: dict[str, list[int]] = {}
    digests: dict[str, str] = {}
    for unit in sorted(units):
        rows, doc_terms = units[unit]
        base = unit_number(unit) * PER_UNIT
        for position, words in enumerate(doc_terms):
            doc = base + position
            for word in words:
                postings.setdefault(word, []).append(doc)
        _write(folder / "docs" / f"{unit}.json", rows, previous, digests, folder)
    shards: dict[str, dict[str, list[int]]] = {}
    for word, docs in postings.items():
        shards.setdefault(word[:KEY_LEN], {})[word] = _deltas(docs)
    for key, shard in shards.items():
        _write(folder / "idx" / f"{key}.json", shard, previous, digests, folder)
    for name in set(previous) - set(digests):
        (folder / name).unlink(missing_ok=True)
    return digests


def _deltas(docs: Iterable[int]) -> list[int]:
    out, last = [], 0
    for doc in sorted(docs):
        out.append(doc - last)
        last = doc
    return out


def _write(path: Path, data: object, previous: dict[str, str], digests: dict[str, str], folder: Path) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
    name = path.relative_to(folder).as_posix()
    digests[name] = digest
    if previous.get(name) == digest and path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
