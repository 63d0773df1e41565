"""X (Twitter) text rules: weighted length, post validity, and URL/hashtag/mention extraction.

X refuses a post whose *weighted* length exceeds 280, and it decides what is a URL, a hashtag
or a mention by twitter-text's rules; previews and checks are only trustworthy if they agree
with those rules to the character. This module follows twitter-text 3.1.0 (the JavaScript
reference, Apache-2.0) and is tested against the official conformance suite, validate.yml.

twitter-text indexes text in UTF-16 code units; everything here works in code points (Python's
own indices) except `ParseResult`'s ranges, which stay in UTF-16 as X reports them.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class WeightRange:
    """Code points start..end (inclusive) weigh `weight` (in units of 1/scale)."""

    start: int
    end: int
    weight: int


@dataclass(frozen=True)
class TextConfig:
    """A twitter-text length configuration, as in its config/v*.json files."""

    max_weighted_length: int
    scale: int
    default_weight: int
    transformed_url_length: int
    ranges: tuple[WeightRange, ...] = ()
    emoji_parsing_enabled: bool = False
    version: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TextConfig:
        """Read twitter-text's JSON keys (maxWeightedTweetLength, ranges, ...)."""
        return cls(
            max_weighted_length=int(data["maxWeightedTweetLength"]),
            scale=int(data["scale"]),
            default_weight=int(data["defaultWeight"]),
            transformed_url_length=int(data["transformedURLLength"]),
            ranges=tuple(WeightRange(int(r["start"]), int(r["end"]), int(r["weight"]))
                         for r in data.get("ranges", ())),
            emoji_parsing_enabled=bool(data.get("emojiParsingEnabled", False)),
            version=int(data.get("version", 0)),
        )

    def weight_of(self, char: str) -> int:
        """The weight of one code point: the first range holding it, else the default."""
        code = ord(char)
        for r in self.ranges:
            if r.start <= code <= r.end:
                return r.weight
        return self.default_weight


# twitter-text config/v3.json, the configuration X uses today; shipped here so the package
# needs no data files to count a post.
V3 = TextConfig(
    version=3,
    max_weighted_length=280,
    scale=100,
    default_weight=200,
    transformed_url_length=23,
    ranges=(WeightRange(0, 4351, 100), WeightRange(8192, 8205, 100),
            WeightRange(8208, 8223, 100), WeightRange(8242, 8247, 100)),
    emoji_parsing_enabled=True,
)


def load_config(path: Path | None = None) -> TextConfig:
    """The configuration in a twitter-text config JSON file; the built-in v3 without one."""
    if path is None:
        return V3
    return TextConfig.from_json(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ParseResult:
    """twitter-text's parseTweet result. Ranges are inclusive UTF-16 indices into the text;
    valid_range is the part that fits (what X would highlight as over the limit starts after)."""

    weighted_length: int
    valid: bool
    permillage: int
    valid_range: tuple[int, int]
    display_range: tuple[int, int]


# --- character groups (twitter-text regexp/*.js) --------------------------------------------

_INVALID_CHARS = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
_SPACES = "\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_LATIN_ACCENTS = ("\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
                  "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff")
_CYRILLIC = "\u0400-\u04ff"
_HASHTAG_SPECIAL = ("_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb"
                    "\u3003\u0f0b\u0f0c\xb7")

_INVALID_RE = re.compile(f"[{_INVALID_CHARS}]")


def _alternation(words: Iterable[str]) -> str:
    """A regex for any of `words`, shaped as a trie so the engine does not try 1,500 TLDs in
    turn; longer words are preferred, as in twitter-text's reverse-sorted lists."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _tlds() -> list[str]:
    text = files("pipeline.platforms").joinpath("tlds.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# --- URLs (extractUrlsWithIndices) ----------------------------------------------------------

_DOMAIN_CHAR = f"[^{_PUNCT}{_SPACES}{_INVALID_CHARS}{_DIRECTIONAL}]"
_TLD = f"(?:(?:{_alternation(_tlds())})(?=[^0-9a-zA-Z@+-]|\\Z)|xn--[\\-0-9a-z]+)"
_DOMAIN = (f"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)*"
           f"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.){_TLD}")
_PATH_CHAR = f"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{_LATIN_ACCENTS}]"
_PARENS = f"\\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*))\\)"
_PATH_END = f"[+\\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]"
# twitter-text splices its "path ending" pattern (a class OR balanced parentheses) in unwrapped,
# so a lone parenthesised group is a whole path alternative, not a possible last character.
_PATH = f"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|{_PARENS}|@{_PATH_CHAR}+/)"
_QUERY = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"

_URL_RE = re.compile(
    f"(?P<before>[^A-Za-z0-9@＠$#＃{_INVALID_CHARS}]|[{_DIRECTIONAL}]|^)"
    f"(?P<url>(?P<protocol>https?://)?(?P<domain>{_DOMAIN})(?::[0-9]+)?"
    f"(?P<path>/{_PATH}*)?(?:{_QUERY})?)",
    re.IGNORECASE,
)
_ASCII_DOMAIN_RE = re.compile(f"(?:[\\-a-z0-9{_LATIN_ACCENTS}]+\\.)+{_TLD}", re.IGNORECASE)
_TCO_RE = re.compile(f"https?://t\\.co/([a-z0-9]+)(?:{_QUERY})?", re.IGNORECASE)
# URLs cannot contain spaces, so only space-delimited chunks holding a dot need the big regex.
# A match always starts at a chunk's start: every later position of a dotted chunk is also dotted.
_URL_CANDIDATE_RE = re.compile(f"[^{_SPACES}.]*+\\.[^{_SPACES}]*+")
_IDN_SEPARATORS = re.compile("[\u3002\uff0e\uff61]")
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_LABEL_LENGTH = 63


def _punycode_length(label: str) -> int:
    """Length of `label` after the punycode package's toASCII, which X's check relies on."""
    parts = _IDN_SEPARATORS.sub(".", label).split(".")
    encoded = [p if p.isascii() else "xn--" + p.encode("punycode").decode("ascii") for p in parts]
    return len(".".join(encoded))


def _domain_fits_dns(domain: str) -> bool:
    """twitter-text's idna.toAscii check: every label 1..63 characters once punycoded."""
    if domain.startswith("xn--") and not _ASCII_DOMAIN_RE.search(domain):
        return False
    if domain.isascii():
        labels = domain.split(".")
        return "" not in labels and max(map(len, labels)) <= _MAX_LABEL_LENGTH
    return all(1 <= _punycode_length(label) <= _MAX_LABEL_LENGTH for label in domain.split("."))


def _url_entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of every URL X would link, with or without a protocol."""
    found: list[list[Any]] = []
    for chunk in _URL_CANDIDATE_RE.finditer(text):
        found += _chunk_url_entities(text, chunk.start(), chunk.end())
    return [(s, e, u) for s, e, u in found]


def _chunk_url_entities(text: str, chunk_start: int, chunk_end: int) -> list[list[Any]]:
    """URL entities of text[chunk_start:chunk_end], a chunk without spaces (the space before
    it may be the URL's preceding character, so matching starts there)."""
    found: list[list[Any]] = []
    for match in _URL_RE.finditer(text, max(chunk_start - 1, 0), chunk_end):
        url, protocol, domain, path, before = match.group("url", "protocol", "domain", "path", "before")
        start, end = match.span("url")
        if not _domain_fits_dns(domain) or len(protocol or "https://") + len(url) > _MAX_URL_LENGTH:
            continue
        if protocol:
            tco = _TCO_RE.match(url)
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                url, end = tco.group(), start + len(tco.group())
            found.append([start, end, url])
            continue
        # Without a protocol only ASCII domains count, and not right after "-", "_", "." or "/".
        if before and before in "-_./":
            continue
        last: list[Any] | None = None
        for ascii_domain in _ASCII_DOMAIN_RE.finditer(domain):
            last = [start + ascii_domain.start(), start + ascii_domain.end(), ascii_domain.group()]
            found.append(last)
        if last is not None and path:
            last[1], last[2] = end, url.replace(domain, last[2], 1)
    return found


# --- emoji ----------------------------------------------------------------------------------
# X counts a whole emoji sequence (ZWJ family, skin tone, flag, keycap) as one default-weight
# character. This follows the Unicode emoji sequence grammar over the emoji blocks; like
# twemoji, plain (c) and (r) stay text unless followed by VS16. twitter-text 3.1.0 uses
# twemoji 11's fixed list instead, so it counts emoji newer than 2018 (U+1F9CF deaf person,
# skin-toned U+1F91D couples) and ZWJ sequences lacking VS16 by their parts; here they are one.

_PICTOGRAPHS = ("\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
                "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
                "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
                "\U0001f000-\U0001faff")
_EMOJI_MODIFIER = "[\ufe0f\U0001f3fb-\U0001f3ff]?"
# One leading class lets the engine skip straight to candidates; look-behinds then pick the
# sequence kind by that first character (tag flags and country flags before plain pictographs).
_EMOJI_RE = re.compile(
    f"[#*0-9\xa9\xae{_PICTOGRAPHS}]"
    "(?:(?<=[#*0-9])\ufe0f?\u20e3"
    "|(?<=[\xa9\xae])\ufe0f"
    "|(?<=\U0001f3f4)[\U000e0020-\U000e007e]+\U000e007f"
    "|(?<=[\U0001f1e6-\U0001f1ff])[\U0001f1e6-\U0001f1ff]"
    f"|(?<=[{_PICTOGRAPHS}]){_EMOJI_MODIFIER}(?:\u200d[{_PICTOGRAPHS}]{_EMOJI_MODIFIER})*)"
)


# --- weighted length (parseTweet) -----------------------------------------------------------

class _WeightTable(dict[str, int]):
    """Per-character weights under one config, filled on first sight so sums run in C."""

    def __init__(self, config: TextConfig) -> None:
        super().__init__()
        self.config = config

    def __missing__(self, char: str) -> int:
        weight = self[char] = self.config.weight_of(char)
        return weight


@cache
def _weights(config: TextConfig) -> _WeightTable:
    return _WeightTable(config)


def _entity_spans(text: str, config: TextConfig) -> list[tuple[int, int, int]]:
    """(start, end, weight) of the URLs and emoji that count as one unit, as parseTweet walks
    them: a URL wins over an emoji starting at the same place; anything starting inside an
    earlier unit is skipped."""
    spans = [(s, e, 0, config.transformed_url_length * config.scale) for s, e, _ in _url_entities(text)]
    if config.emoji_parsing_enabled and max(text, default="") >= "\xa9":
        spans += [(m.start(), m.end(), 1, config.default_weight) for m in _EMOJI_RE.finditer(text)]
        spans.sort()
    kept: list[tuple[int, int, int]] = []
    cursor = 0
    for start, end, _, weight in spans:
        if start >= cursor:
            kept.append((start, end, weight))
            cursor = end
    return kept


def _units(text: str, config: TextConfig) -> Iterable[tuple[str, int]]:
    """Each counted unit of `text` (a URL, an emoji sequence or a code point) with its weight."""
    table = _weights(config)
    pos = 0
    for start, end, weight in _entity_spans(text, config):
        for char in text[pos:start]:
            yield char, table[char]
        yield text[start:end], weight
        pos = end
    for char in text[pos:]:
        yield char, table[char]


def _scaled_length(text: str, config: TextConfig) -> int:
    """Weighted length in 1/scale units of already-normalised text."""
    table = _weights(config)
    total = pos = 0
    for start, end, weight in _entity_spans(text, config):
        total += sum(map(table.__getitem__, text[pos:start])) + weight
        pos = end
    return total + sum(map(table.__getitem__, text[pos:]))


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_post(text: str, config: TextConfig = V3) -> ParseResult:
    """The full twitter-text parse of a post: length, validity and the part that fits."""
    normalized = unicodedata.normalize("NFC", text)
    total = _scaled_length(normalized, config)
    limit = config.max_weighted_length * config.scale
    has_invalid = _INVALID_RE.search(normalized) is not None
    if total <= limit and not has_invalid:
        valid_end = max(_utf16_length(normalized) - 1, 0)
    else:
        valid_end = running = pos16 = 0
        for unit, weight in _units(normalized, config):
            running += weight
            pos16 += _utf16_length(unit)
            if running > limit or _INVALID_RE.match(unit):
                break
            valid_end = pos16 - 1
    length16 = _utf16_length(text)
    scaled = total / config.scale
    return ParseResult(
        weighted_length=total // config.scale,
        valid=not has_invalid and 0 < total <= limit,
        permillage=math.floor(scaled / config.max_weighted_length * 1000),
        valid_range=(0, valid_end + length16 - _utf16_length(normalized)),
        display_range=(0, max(length16 - 1, 0)),
    )


def weighted_length(text: str, config: TextConfig = V3) -> int:
    """X's length of a post: NFC code points weighted by range, URLs and emoji as one unit."""
    return _scaled_length(unicodedata.normalize("NFC", text), config) // config.scale


def is_valid_post(text: str, config: TextConfig = V3) -> bool:
    """True if X accepts `text` as a post: not empty, within the limit, no U+FFFE/FEFF/FFFF."""
    if not text or _INVALID_RE.search(text):
        return False
    return _scaled_length(unicodedata.normalize("NFC", text), config) <= config.max_weighted_length * config.scale


def extract_urls(text: str) -> list[str]:
    """The URLs X links in `text`, with or without a protocol, in order."""
    return [url for _, _, url in _url_entities(text)]


# --- hashtags (extractHashtagsWithIndices) --------------------------------------------------

def _category_class(prefixes: str) -> str:
    """A regex class body of every code point whose general category starts with one of
    `prefixes`. Planes 2-3 (all CJK ideographs) are added whole rather than scanned."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x20000):
        if unicodedata.category(chr(code))[0] in prefixes:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    if "L" in prefixes:
        ranges.append((0x20000, 0x3FFFF))
    if "M" in prefixes:
        ranges.append((0xE0100, 0xE01EF))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


@cache
def _hashtag_re() -> re.Pattern[str]:
    """Built on first use: the letter and mark classes take a Unicode scan (~30 ms)."""
    letters = _category_class("LM")
    alnum = f"{letters}\\d{_HASHTAG_SPECIAL}"
    # twitter-text consumes the character before the sign; a look-behind is equivalent (a
    # previous match always ends in a tag character) and lets the engine skip to "#" signs.
    return re.compile(
        f"[#＃](?:(?<=[\ufe0e\ufe0f].)|(?<![{alnum}&].))(?![\ufe0f\u20e3])"
        f"(?P<tag>[{alnum}]*[{letters}][{alnum}]*)"
    )


_END_HASHTAG_RE = re.compile("[#＃]|://")


def _hashtag_entities(text: str) -> list[tuple[int, int, str]]:
    if "#" not in text and "＃" not in text:
        return []
    tags = [(m.start("tag") - 1, m.end(), m.group("tag")) for m in _hashtag_re().finditer(text)
            if not _END_HASHTAG_RE.match(text, m.end())]
    urls = _url_entities(text) if tags else []
    if not urls:
        return tags
    # A hashtag inside a URL (example.com/#top) is part of the URL; overlaps keep the earlier.
    kept: list[tuple[int, int, str | None]] = []
    for start, end, tag in sorted([*tags, *((s, e, None) for s, e, _ in urls)], key=lambda t: t[0]):
        if not kept or kept[-1][1] <= start:
            kept.append((start, end, tag))
    return [(s, e, tag) for s, e, tag in kept if tag is not None]


def extract_hashtags(text: str) -> list[str]:
    """The hashtags in `text`, without the # sign, in order (duplicates kept)."""
    return [tag for _, _, tag in _hashtag_entities(text)]


def is_valid_hashtag(hashtag: str) -> bool:
    """True if `hashtag` ("#word") is exactly one hashtag X would link."""
    return bool(hashtag) and extract_hashtags(hashtag) == [hashtag[1:]]


# --- mentions and lists (extractMentionsOrListsWithIndices) ---------------------------------

_MENTION_RE = re.compile(
    r"(?P<before>^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
    r"[@＠](?P<name>[a-zA-Z0-9_]{1,20})(?P<list>/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"
)
_END_MENTION_RE = re.compile(f"[@＠{_LATIN_ACCENTS}]|://")


def extract_mentions(text: str) -> list[str]:
    """The screen names mentioned in `text`, without the @ sign; list references excluded."""
    if "@" not in text and "＠" not in text:
        return []
    return [m.group("name") for m in _MENTION_RE.finditer(text)
            if not m.group("list") and not _END_MENTION_RE.match(text, m.end())]


def is_valid_username(username: str) -> bool:
    """True if `username` ("@name") is exactly one mention."""
    return bool(username) and extract_mentions(username) == [username[1:]]


def is_valid_list(name: str) -> bool:
    """True if `name` is exactly one list reference, "@owner/slug"."""
    match = _MENTION_RE.fullmatch(name)
    return bool(match and match.group("before") == "" and match.group("list"))


# --- URL validation (isValidUrl, RFC 3986 based) --------------------------------------------

_V_UNRESERVED = f"[a-z{_CYRILLIC}0-9\\-._~]"
_V_PCT = "(?:%[0-9a-f]{2})"
_V_SUB_DELIMS = "[!$&'()*+,;=]"
_V_PCHAR = f"(?:{_V_UNRESERVED}|{_V_PCT}|{_V_SUB_DELIMS}|[:|@])"
_V_OCTET = "(?:[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
_V_IP = f"(?:{_V_OCTET}(?:\\.{_V_OCTET}){{3}}|\\[[a-f0-9:.]+\\])"


def _v_domain(first: str, inner_sub: str, inner: str, last: str, tld_first: str) -> str:
    def segment(start: str, middle: str) -> str:
        return f"(?:{start}(?:{middle}*{last})?)"
    return (f"(?:(?:{segment(first, inner_sub)}\\.)*(?:{segment(first, inner)}\\.)"
            f"{segment(tld_first, inner)})")


_NON_ASCII = "[^\\x00-\\x7f]"
_V_ASCII_HOST = f"(?:{_V_IP}|{_v_domain('[a-z0-9]', '[a-z0-9_-]', '[a-z0-9-]', '[a-z0-9]', '[a-z]')})"
_V_UNICODE_HOST = "(?:{}|{})".format(_V_IP, _v_domain(
    f"(?:[a-z0-9]|{_NON_ASCII})", f"(?:[a-z0-9_-]|{_NON_ASCII})", f"(?:[a-z0-9-]|{_NON_ASCII})",
    f"(?:[a-z0-9]|{_NON_ASCII})", f"(?:[a-z]|{_NON_ASCII})"))
_V_USERINFO = f"(?:{_V_UNRESERVED}|{_V_PCT}|{_V_SUB_DELIMS}|:)*"


def _v_authority(host: str) -> re.Pattern[str]:
    return re.compile(f"(?:{_V_USERINFO}@)?{host}(?::[0-9]{{1,5}})?", re.IGNORECASE)


_V_PARTS_RE = re.compile(
    "(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\\?([^#]*))?(?:#([^\n\r\u2028\u2029]*))?\\Z", re.IGNORECASE
)
_V_SCHEME_RE = re.compile("[a-z][a-z0-9+\\-.]*", re.IGNORECASE)
_V_PATH_RE = re.compile(f"(?:/{_V_PCHAR}*)*", re.IGNORECASE)
_V_QUERY_RE = re.compile(f"(?:{_V_PCHAR}|/|\\?)*", re.IGNORECASE)
_V_ASCII_AUTHORITY_RE = _v_authority(_V_ASCII_HOST)
_V_UNICODE_AUTHORITY_RE = _v_authority(_V_UNICODE_HOST)


def _whole_match(part: str | None, pattern: re.Pattern[str], optional: bool = False) -> bool:
    """twitter-text's isValidMatch: the first match must be the whole part."""
    if not part and optional:
        return True
    if part is None:
        return False
    match = pattern.search(part)
    return match is not None and match.group() == part


def is_valid_url(url: str, *, unicode_domains: bool = True, require_protocol: bool = True) -> bool:
    """True if `url` is a well-formed http(s) URL by twitter-text's isValidUrl."""
    parts = _V_PARTS_RE.match(url) if url else None
    if parts is None:
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if require_protocol and not (_whole_match(scheme, _V_SCHEME_RE)
                                 and scheme.lower() in ("http", "https")):
        return False
    if not (_whole_match(path, _V_PATH_RE) and _whole_match(query, _V_QUERY_RE, optional=True)
            and _whole_match(fragment, _V_QUERY_RE, optional=True)):
        return False
    authority_re = _V_UNICODE_AUTHORITY_RE if unicode_domains else _V_ASCII_AUTHORITY_RE
    return _whole_match(authority, authority_re)
