"""Entry point of the dashboard: ``streamlit run app.py``."""

import streamlit as st

from assistant_core.ui.assistant_settings import render_sidebar
from assistant_core.ui.guard import shown_errors

st.set_page_config(page_title="Research assistant: compare groups", page_icon="📊", layout="wide")

page = st.navigation([st.Page("pages/analyse.py", title="Compare groups", icon="📊", default=True)])

with st.sidebar:
    st.markdown("**Research assistant**")
    st.caption(
        "Compares groups with standard tests computed locally (scipy), and has a research "
        "assistant analyse the same data with code; every figure it reports is checked."
    )
    with shown_errors("showing the assistant's settings"):
        render_sidebar()

page.run()
