"""Entry point of the dashboard: ``streamlit run app.py``.

A share link (``?share=TOKEN``) opens only its read-only page. Otherwise the pages depend
on the access mode: a public dashboard has no History or Assistants pages, so visitors
never see each other's analyses or change the owner's assistants.
"""

import streamlit as st

from assistant_core.ui.access import hosting_policy

st.set_page_config(page_title="Research assistant: compare groups", page_icon="📊", layout="wide")

if "share" in st.query_params:
    shared = st.Page("pages/shared.py", title="Shared analysis", icon="🔗", url_path="shared")
    page = st.navigation([shared], position="hidden")
else:
    pages = [st.Page("pages/analyse.py", title="Compare groups", icon="📊", default=True)]
    if not hosting_policy().public:
        pages += [
            st.Page("pages/history.py", title="History", icon="🗂️"),
            st.Page("pages/assistants.py", title="Assistants", icon="🧑‍🔬"),
        ]
    pages.append(st.Page("pages/settings.py", title="Settings", icon="⚙️"))
    page = st.navigation(pages)
page.run()
