"""Settings of the dashboard: from the environment, else from ``st.secrets``."""

from __future__ import annotations

import os

import streamlit as st

__all__ = ["configured"]


def configured(name: str) -> str | None:
    """A setting from the environment, else from ``st.secrets``; None when unset."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        value = st.secrets.get(name)
    except Exception:  # noqa: BLE001 - no secrets file, or an unreadable one: not set
        return None
    return str(value) if value else None
