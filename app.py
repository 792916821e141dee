"""Entry point of the dashboard: ``streamlit run app.py``."""

import streamlit as st

st.set_page_config(page_title="Research assistant: compare groups", page_icon="📊", layout="wide")

page = st.navigation(
    [
        st.Page("pages/analyse.py", title="Compare groups", icon="📊", default=True),
        st.Page("pages/history.py", title="History", icon="🗂️"),
        st.Page("pages/assistants.py", title="Assistants", icon="🧑‍🔬"),
        st.Page("pages/settings.py", title="Settings", icon="⚙️"),
    ]
)
page.run()
