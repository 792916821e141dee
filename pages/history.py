"""History: every analysis kept, newest first; search, open, rename, delete."""

import streamlit as st

from assistant_core.ui.access import require_access
from assistant_core.ui.assistant_settings import render_sidebar
from assistant_core.ui.guard import shown_errors
from assistant_core.ui.history import render_history

require_access()  # a private dashboard stops here for anyone not signed in

st.title("History")
st.caption("Every analysis you asked the research assistant about is kept here, newest first.")
render_sidebar()  # after the title: it reads the stored profiles
with shown_errors("showing the history"):
    render_history()
