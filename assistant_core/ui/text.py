"""Putting text that came from a person (group names, column names) into Markdown safely."""

from __future__ import annotations

import re

__all__ = ["md_escape"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown so ``![x](http://...)`` in a group name stays text."""
    return _SPECIAL.sub(r"\\\1", str(text))
