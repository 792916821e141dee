"""Where the dashboard keeps things on disk, in one place.

The store (a SQLite file by default) lives in the user's data directory; the sandbox of the
local code interpreter hides that directory, the project's directory and the home directory
from the code it runs, so both ask here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["APP_NAME", "PROJECT_DIR", "data_dir", "default_database_path"]

APP_NAME = "research-assistant"
#: the project's directory (the one holding ``app.py`` and ``.streamlit/``)
PROJECT_DIR = Path(__file__).resolve().parent.parent


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$ASSISTANT_DATA_DIR``, else ``$XDG_DATA_HOME/research-assistant``, else
    ``~/.local/share/research-assistant``. Not created here."""
    env = os.environ if environ is None else environ
    explicit = env.get("ASSISTANT_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / APP_NAME


def default_database_path(environ: Mapping[str, str] | None = None) -> Path:
    """The SQLite file used when ``DATABASE_URL`` is not set."""
    return data_dir(environ) / "dashboard.db"
