"""Entry point of the dashboard: ``streamlit run app.py``."""

import streamlit as st

st.set_page_config(page_title="Research assistant: compare groups", page_icon="📊", layout="wide")

page = st.navigation([st.Page("pages/analyse.py", title="Compare groups", icon="📊", default=True)])

with st.sidebar:
    st.markdown("**Research assistant**")
    st.caption(
        "Compares groups with standard tests computed locally (scipy), and has a research "
        "assistant analyse the same data with code; every figure it reports is checked."
    )
    st.caption("Assistant: built-in analyst (offline, not an AI model).")

page.run()
