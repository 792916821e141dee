"""Entry point of the dashboard: ``streamlit run app.py``."""

import streamlit as st

st.set_page_config(page_title="Research assistant: compare groups", page_icon="📊", layout="wide")

page = st.navigation([st.Page("pages/analyse.py", title="Compare groups", icon="📊", default=True)])

with st.sidebar:
    st.markdown("**Research assistant**")
    st.caption(
        "Compares groups with standard tests computed locally (scipy). "
        "The AI research assistant arrives in a later version."
    )

page.run()
