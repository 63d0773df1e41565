"""The hard copy: each item's record as an A4 PDF, written directly (no PDF library).

Why not fpdf2: measured on the 2-core machine, fpdf2 2.8.9 takes 65 ms per record with its core
fonts and 235 ms with an embedded DejaVu TTF, i.e. 40 min / 2.4 h of CPU for 36,500 items, more
than the whole site build. This writer uses PDF's standard Helvetica (every reader has it, so
nothing is embedded) in WinAnsi encoding, which covers Bahasa Indonesia; a character outside it
(an emoji) prints as `?`. One record takes well under a millisecond. Text stays extractable.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from pipeline import messages
from pipeline.archive.model import Entry
from pipeline.archive.text import kind_label, minutes, t

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN = 56.0
# Adobe's published advance widths (1/1000 em) of Helvetica and Helvetica-Bold, WinAnsi 32..255.
_WIDTHS = {
    "F1": [int(w) for w in (
        "278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,556,556,"
        "278,278,584,584,584,556,1015,667,667,722,722,667,611,778,722,278,500,667,556,833,722,778,667,778,722,667,"
        "611,722,667,944,667,667,611,278,278,278,469,556,333,556,556,500,556,556,278,556,556,222,222,500,222,833,"
        "556,556,556,556,333,500,278,556,500,722,500,500,500,334,260,334,584,350,556,350,222,556,333,1000,556,556,"
        "333,1000,667,333,1000,350,611,350,350,222,222,333,333,350,556,1000,333,1000,500,333,944,350,500,667,278,"
        "333,556,556,556,556,260,556,333,737,370,556,584,333,737,333,400,584,333,333,333,556,537,278,333,333,365,"
        "556,834,834,834,611,667,667,667,667,667,667,1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,"
        "778,778,584,778,722,722,722,722,667,667,611,556,556,556,556,556,556,889,500,556,556,556,556,278,278,278,"
        "278,556,556,556,556,556,556,556,584,611,556,556,556,556,500,556,500").split(",")],
    "F2": [int(w) for w in (
        "278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,556,556,"
        "333,333,584,584,584,611,975,722,722,722,722,667,611,778,722,278,556,722,611,833,722,778,667,778,722,667,"
        "611,722,667,944,667,667,611,333,278,333,584,556,333,556,611,556,611,556,333,611,611,278,278,556,278,889,"
        "611,611,611,611,389,556,333,611,556,778,556,556,500,389,280,389,584,350,556,350,278,556,500,1000,556,556,"
        "333,1000,667,333,1000,350,611,350,350,278,278,500,500,350,556,1000,333,1000,556,333,944,350,500,667,278,"
        "333,556,556,556,556,280,556,333,737,370,556,584,333,737,333,400,584,333,333,333,611,556,278,333,333,365,"
        "556,834,834,834,611,722,722,722,722,722,722,1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,"
        "778,778,584,778,722,722,722,722,667,667,611,556,556,556,556,556,556,889,556,556,556,556,556,278,278,278,"
        "278,611,611,611,611,611,611,611,584,611,611,611,611,611,556,611,556").split(",")],
}
_WIDTHS = {font: [0] * 32 + widths for font, widths in _WIDTHS.items()}  # indexed by byte; controls are 0
_FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold"}


class _Writer:
    """Lines of text laid top to bottom on as many A4 pages as they need."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self.y = 0.0
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = PAGE_H - MARGIN

    def paragraph(self, text: str, size: float = 10, font: str = "F1", indent: float = 0, gap: float = 2) -> None:
        """Wrapped text; blank lines in `text` are kept as paragraph breaks.

        Each word is measured once and line widths are summed as words are added (measuring the
        whole candidate line again for every word made a long caption quadratic).
        """
        widths = _WIDTHS[font]
        limit = (PAGE_W - 2 * MARGIN - indent) * 1000 / size  # in 1/1000 em, like the widths
        space = widths[32]
        for raw in text.split("\n"):
            words: list[bytes] = []
            used = 0
            for word in _encode(raw).split(b" "):
                wide = sum(map(widths.__getitem__, word))
                if words and used + space + wide > limit:
                    self._line(b" ".join(words), size, font, indent)
                    words, used = [], 0
                used += wide + (space if words else 0)
                words.append(word)
            self._line(b" ".join(words), size, font, indent)
        self.y -= gap

    def _line(self, text: bytes, size: float, font: str, indent: float) -> None:
        leading = size * 1.35
        if self.y - leading < MARGIN:
            self._new_page()
        self.y -= leading
        escaped = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)").decode("latin-1")
        self.pages[-1].append(f"BT /{font} {size:g} Tf {MARGIN + indent:.2f} {self.y:.2f} Td ({escaped}) Tj ET")

    def rule(self) -> None:
        self.y -= 4
        self.pages[-1].append(f"0.6 w {MARGIN:.2f} {self.y:.2f} m {PAGE_W - MARGIN:.2f} {self.y:.2f} l S")
        self.y -= 8

    def output(self) -> bytes:
        fonts = {name: 3 + i for i, name in enumerate(_FONTS)}  # objects 1, 2: catalog, page tree
        kids = []
        body: list[bytes] = [b"", b""]
        for base in _FONTS.values():
            body.append(f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>".encode())
        resources = " ".join(f"/{name} {num} 0 R" for name, num in fonts.items())
        for lines in self.pages:
            stream = zlib.compress("\n".join(lines).encode("latin-1"))
            body.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
            content = len(body)
            body.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                        f"/Resources << /Font << {resources} >> >> /Contents {content} 0 R >>".encode())
            kids.append(f"{len(body)} 0 R")
        body[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
        body[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, obj in enumerate(body, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(body) + 1, xref)
        return bytes(out)


def _encode(text: str) -> bytes:
    """WinAnsi bytes for the base fonts. Emoji and joiners, which they cannot draw, are left out
    (a hard copy with `?` in it reads as an error); other letters are folded (`Ā` -> `A`)."""
    text = text.replace("\t", " ")
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        return b"".join(_char(c) for c in text)


def _char(c: str) -> bytes:
    try:
        return c.encode("cp1252")
    except UnicodeEncodeError:
        if unicodedata.category(c) in _DROPPED:
            return b""
        return unicodedata.normalize("NFKD", c).encode("cp1252", errors="ignore") or b"?"


_DROPPED = {"So", "Sk", "Mn", "Me", "Cf", "Cs", "Co"}  # symbols (emoji), marks, joiners, surrogates


def record_pdf(entry: Entry, tz: ZoneInfo, lang: str, page_url: str, step_label: Callable[[int], str]) -> bytes:
    """The item's archive record: what was published, where, and who approved it when."""

    def when(value: str | None) -> str:
        return messages.format_time(datetime.fromisoformat(value), tz, lang) if value else t("archive.none", lang)

    doc = _Writer()
    doc.paragraph(t("archive.pdf_title", lang), size=15, font="F2")
    doc.paragraph(t("archive.sop_line", lang, number=entry.sop_number, title=entry.sop_title), size=9)
    doc.rule()
    doc.paragraph(entry.title, size=13, font="F2")
    doc.paragraph(f"{t('archive.date', lang)}: {messages.format_time(entry.published, tz, lang)}    "
                  f"{t('archive.kind', lang)}: {kind_label(entry.kind)}", size=10)
    doc.paragraph(f"{t('archive.pdf_page', lang)}: {page_url}", size=9)
    doc.paragraph(t("archive.caption", lang), size=11, font="F2")
    doc.paragraph(entry.caption, size=10, gap=6)
    if entry.media:
        doc.paragraph(t("archive.media", lang), size=11, font="F2")
        for media in entry.media:
            doc.paragraph(f"{media.file}: {media.alt}", size=9, indent=12)
    doc.paragraph(t("archive.posts", lang), size=11, font="F2")
    for post in entry.posts:
        state = t(f"archive.state.{post.state}", lang)
        line = f"{messages.platform_label(post.platform)}: {state}, {when(post.at)}"
        doc.paragraph(line + (f" - {post.url}" if post.url and post.state == "published" else ""), size=9, indent=12)
        if post.state == "failed":
            doc.paragraph(t("archive.state.failed_note", lang), size=8, indent=24)
    doc.rule()
    doc.paragraph(t("archive.approval", lang), size=12, font="F2")
    if entry.pr_number:
        doc.paragraph(t("archive.pr", lang, number=entry.pr_number) + (f": {entry.pr_url}" if entry.pr_url else ""),
                      size=9)
    for step in entry.steps:
        doc.paragraph(f"{step.step}. {step.name} - {step_label(step.step)}", size=10, font="F2", gap=0)
        taken = minutes(step.minutes_taken, lang) if step.minutes_taken is not None else "-"
        verdict = t("archive.overdue" if step.overdue else "archive.within", lang) if step.minutes_taken is not None else ""
        doc.paragraph(f"{t('archive.who', lang)}: {', '.join(step.by) or '-'}", size=9, indent=12, gap=0)
        doc.paragraph(f"{t('archive.started', lang)}: {when(step.started_at)}   "
                      f"{t('archive.finished', lang)}: {when(step.finished_at)}", size=9, indent=12, gap=0)
        doc.paragraph(f"{t('archive.taken', lang)}: {taken}   {t('archive.standard', lang)}: "
                      f"{minutes(step.standard, lang)}   {verdict}".rstrip(), size=9, indent=12)
    return doc.output()
