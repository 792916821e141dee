"""Entry point of the dashboard: ``streamlit run app.py``."""

import streamlit as st

st.set_page_config(page_title="Research assistant: compare groups", page_icon="📊", layout="wide")

page = st.navigation([st.Page("pages/analyse.py", title="Compare groups", icon="📊", default=True)])
page.run()
