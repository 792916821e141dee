"""A shared analysis: the read-only snapshot a share link (``?share=TOKEN``) opens."""

import streamlit as st

from assistant_core.ui.guard import shown_errors
from assistant_core.ui.shared_view import render_shared

with shown_errors("opening the shared analysis"):
    render_shared(str(st.query_params.get("share", "")))
