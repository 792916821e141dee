"""The page's way into the store: open it once per rerun, and never let it break a page.

If the database cannot be opened (a bad ``DATABASE_URL``, a read-only disk), the analysis
still works; the page says plainly that nothing is being saved.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from assistant_core.ui.config import configured

if TYPE_CHECKING:
    from assistant_core.store import Store

__all__ = ["saved_store"]

log = logging.getLogger(__name__)


def saved_store(*, quiet: bool = False) -> Store | None:
    """The store, or None (with one warning on the page unless ``quiet``) when it is unusable."""
    from assistant_core.errors import AssistantCoreError
    from assistant_core.store import open_store

    try:
        return open_store(configured("DATABASE_URL"))
    except AssistantCoreError as exc:
        if not quiet:
            st.warning(f"Analyses are not being saved: {exc}", icon="💾")
        return None
    except Exception as exc:  # noqa: BLE001 - the page works without its history
        log.error("the store could not be opened: %s", type(exc).__name__)
        if not quiet:
            st.warning(
                "Analyses are not being saved: the database could not be opened "
                f"({type(exc).__name__}).",
                icon="💾",
            )
        return None
