"""Text people already have, read from a file: plain text, Markdown, HTML or PDF.

:func:`read_document` gives a :class:`Document`: the text that claims' offsets index (for
HTML and PDF, the extracted text) and, for a PDF, where each page starts, so that every
offset knows its page. Bad input raises :class:`~assistant_core.errors.DataError` with a
message that says what is wrong with which file.
"""

from __future__ import annotations

import io
import logging
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from assistant_core.errors import DataError

__all__ = ["MAX_BYTES", "Document", "document_from_bytes", "read_document"]

#: The largest file read (a 300-page paper is far below it).
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Document:
    """The text of a file; ``page_starts`` are the offsets where pages 2, 3, ... begin."""

    text: str
    name: str
    kind: str  # text, markdown, html, pdf
    page_starts: tuple[int, ...] = field(default_factory=tuple)

    def page(self, offset: int | None) -> int | None:
        """The page (1-based) an offset is on; None for documents without pages."""
        if offset is None or self.kind != "pdf":
            return None
        return bisect_right(self.page_starts, offset) + 1


class _Text(HTMLParser):
    """The text a browser shows: no scripts or styles, blocks on lines of their own."""

    _BLOCK = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "section",
            "article",
            "header",
            "footer",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "dt",
            "dd",
            "caption",
            "figcaption",
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _pdf(data: bytes, name: str) -> Document:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is a requirement
        raise DataError("Reading PDF files needs the pypdf package (pip install pypdf).") from exc
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL)  # its warnings would reach the terminal; ours say it once
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DataError(f"{name} is not a PDF that can be read: {exc}.") from exc
    finally:
        log.setLevel(level)
    if not any(p.strip() for p in pages):
        raise DataError(
            f"{name} has no text layer to read (a scanned PDF?): nothing in it can be checked."
        )
    text_parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for index, page in enumerate(pages):
        if index:
            starts.append(offset)
        cleaned = _pdf_cleanup(page)
        text_parts.append(cleaned)
        offset += len(cleaned)
        if index < len(pages) - 1:
            text_parts.append("\n\n")
            offset += 2
    return Document("".join(text_parts), name, "pdf", tuple(starts))


_LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})


def _pdf_cleanup(text: str) -> str:
    """Ligatures spelled out; words hyphenated at a line's end joined again."""
    text = text.translate(_LIGATURES)
    return re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", text)


def document_from_bytes(data: bytes, name: str) -> Document:
    """A document from a file's bytes; its kind from its name (``.pdf``, ``.html``, else text)."""
    if len(data) > MAX_BYTES:
        raise DataError(
            f"{name} is {len(data) / 1e6:.1f} MB; at most {MAX_BYTES / 1e6:.0f} MB are read."
        )
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        return _pdf(data, name)
    if b"\x00" in data[:8192]:
        raise DataError(f"{name} is not a text file (it holds binary data): nothing to check.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{name} is not text in UTF-8 (byte {exc.start} cannot be read)."
            ) from exc
    if suffix in (".html", ".htm") or re.match(r"\s*(?:<!doctype html|<html)", text, re.I):
        return Document(_html_text(text), name, "html")
    kind = "markdown" if suffix in (".md", ".markdown") else "text"
    return Document(text, name, kind)


def read_document(path: str | Path) -> Document:
    """Read a file (``-`` for standard input) as a :class:`Document`."""
    import sys

    if str(path) == "-":
        return document_from_bytes(sys.stdin.buffer.read(), "standard input")
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise DataError(f"There is no file {str(path)!r}.") from None
    except IsADirectoryError:
        raise DataError(f"{str(path)!r} is a directory, not a file.") from None
    except OSError as exc:
        raise DataError(f"{str(path)!r} cannot be read: {exc.strerror or exc}.") from exc
    return document_from_bytes(data, file.name)
