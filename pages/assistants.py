"""Assistants: the profiles a thread can be answered by (instructions, backend, model, tools)."""

import streamlit as st

from assistant_core.ui.access import require_access
from assistant_core.ui.assistant_settings import render_sidebar
from assistant_core.ui.guard import shown_errors
from assistant_core.ui.profiles import render_profiles

require_access()  # a private dashboard stops here for anyone not signed in

st.title("Assistants")
st.caption(
    "An assistant is a set of instructions with a backend, a model and its tools. "
    "Choose one in the sidebar; each analysis records the assistant that answered it."
)
render_sidebar()  # after the title: it reads the stored profiles
with shown_errors("showing the assistants"):
    render_profiles()
