"""Links to the dashboard: "try it yourself" links that carry small data in the URL itself,
and the public address those and share links start with.

A data link needs no storage: the groups (names and values), the design and the options
are written as compact JSON, compressed with zlib and encoded as URL-safe base64 in the
``data`` query parameter. Reading one is defensive: the text comes from anyone, so its size
is bounded before and after decompression, and every field is checked, with a
:class:`~assistant_core.errors.DataError` saying what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import urllib.parse
import zlib
from dataclasses import dataclass
from typing import Any

from assistant_core.errors import DataError

__all__ = [
    "MAX_LINK_CHARS",
    "MAX_LINK_VALUES",
    "DataLink",
    "app_url",
    "decode_data_link",
    "encode_data_link",
    "public_base_url",
]

#: at most this many values travel in a link (a few hundred numbers, as the issue asks)
MAX_LINK_VALUES = 2000
#: the encoded parameter's longest length (well under what browsers and Streamlit accept)
MAX_LINK_CHARS = 16_000
_MAX_JSON_BYTES = 200_000  # decompressed; anything larger is not one of our links
_VERSION = 1
_ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class DataLink:
    """What a "try it yourself" link carries."""

    groups: dict[str, list[float]]
    paired: bool = False
    alpha: float = 0.05
    alternative: str = "two-sided"


def _compact(value: float) -> float | int:
    """Integers as integers (shorter JSON); everything else as the float it is (repr-exact)."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def encode_data_link(link: DataLink) -> str:
    """The ``data`` parameter for ``link``; DataError when the data are too big for a URL."""
    count = sum(len(v) for v in link.groups.values())
    if count > MAX_LINK_VALUES:
        raise DataError(
            f"The data have {count:,} values; a link can carry at most {MAX_LINK_VALUES:,}. "
            "Share a saved analysis instead."
        )
    payload = {
        "v": _VERSION,
        "g": [[name, [_compact(x) for x in values]] for name, values in link.groups.items()],
        "p": bool(link.paired),
        "a": link.alpha,
        "h": link.alternative,
    }
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    token = base64.urlsafe_b64encode(zlib.compress(raw.encode("utf-8"), 9)).decode("ascii")
    token = token.rstrip("=")
    if len(token) > MAX_LINK_CHARS:
        raise DataError(
            f"These data make a link of {len(token):,} characters; at most {MAX_LINK_CHARS:,} "
            "fit in a URL. Share a saved analysis instead."
        )
    return token


def _bad(why: str) -> DataError:
    return DataError(f"The data link is damaged or incomplete ({why}); ask for the link again.")


def decode_data_link(token: str) -> DataLink:
    """The data a link carries; DataError saying what is wrong with a damaged one."""
    token = (token or "").strip()
    if not token:
        raise _bad("it is empty")
    if len(token) > MAX_LINK_CHARS + 4:
        raise _bad(f"it is {len(token):,} characters long, more than a link can be")
    try:
        padded = token + "=" * (-len(token) % 4)
        packed = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise _bad("it is not valid base64") from None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, _MAX_JSON_BYTES)
    except zlib.error:
        raise _bad("it does not decompress") from None
    if inflater.unconsumed_tail:
        raise _bad("it unpacks to more than a link may hold")
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _bad("its content is not readable") from None
    return _checked(payload)


def _checked(payload: Any) -> DataLink:
    if not isinstance(payload, dict) or payload.get("v") != _VERSION:
        raise _bad("unknown format")
    groups_in = payload.get("g")
    if not isinstance(groups_in, list) or not 2 <= len(groups_in) <= 8:
        raise _bad("it must hold 2 to 8 groups")
    groups: dict[str, list[float]] = {}
    total = 0
    for item in groups_in:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise _bad("a group is malformed")
        name, values = item[0].strip(), item[1]
        if not name or len(name) > 200 or name in groups:
            raise _bad("a group name is empty, too long or repeated")
        if not isinstance(values, list):
            raise _bad(f"group {name!r} has no list of values")
        numbers = []
        for x in values:
            if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
                raise _bad(f"group {name!r} holds something that is not a finite number")
            numbers.append(float(x))
        total += len(numbers)
        groups[name] = numbers
    if total > MAX_LINK_VALUES:
        raise _bad(f"it holds {total:,} values, more than {MAX_LINK_VALUES:,}")
    alpha = payload.get("a", 0.05)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise _bad("its significance level is not between 0 and 1")
    alternative = payload.get("h", "two-sided")
    if alternative not in _ALTERNATIVES:
        raise _bad("its alternative hypothesis is unknown")
    return DataLink(
        groups=groups,
        paired=bool(payload.get("p", False)),
        alpha=float(alpha),
        alternative=alternative,
    )


def public_base_url(configured: str | None, request_url: str | None) -> str:
    """The dashboard's public address: the configured one (``PUBLIC_URL``), else the request's.

    Behind a proxy the request's address may be an internal one, which is why a configured
    address wins. Only scheme, host and path are kept (no query or fragment); no trailing
    slash.
    """
    for candidate in (configured, request_url):
        if not candidate:
            continue
        parts = urllib.parse.urlsplit(candidate.strip())
        if parts.scheme in ("http", "https") and parts.netloc:
            return urllib.parse.urlunsplit(
                (parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")
            )
    return ""


def app_url(base: str, page: str = "", **params: str) -> str:
    """``base`` + optional page path + query parameters (URL-encoded)."""
    url = base.rstrip("/") + (f"/{page.strip('/')}" if page else "/")
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    return f"{url}?{query}" if query else url
