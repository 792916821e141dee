"""One place where an error becomes a message on the page instead of a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from assistant_core.errors import AssistantCoreError

__all__ = ["shown_errors"]

log = logging.getLogger("assistant_core.ui")


@contextmanager
def shown_errors(what: str) -> Iterator[None]:
    """Run a block; our errors show as ``st.error`` with their message, others as one line.

    ``what`` names the step for the unexpected case ("reading the CSV file").
    """
    try:
        yield
    except AssistantCoreError as exc:
        st.error(str(exc), icon="⚠️")
    except Exception as exc:  # noqa: BLE001 - nothing may reach the page as a traceback
        log.error("unexpected error while %s: %s: %s", what, type(exc).__name__, exc)
        st.error(
            f"Something went wrong on our side while {what} ({type(exc).__name__}). "
            "Your input is kept; please try again or report this.",
            icon="🛑",
        )
