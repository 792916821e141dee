"""Settings: the OpenAI-compatible chat server the ``chat`` backend talks to."""

import streamlit as st

from assistant_core.ui.access import require_access
from assistant_core.ui.assistant_settings import render_sidebar
from assistant_core.ui.chat_endpoint import render_endpoint_form
from assistant_core.ui.guard import shown_errors

require_access()  # a private dashboard stops here for anyone not signed in

st.title("Settings")
st.subheader("Chat server")
st.caption(
    "For the backend “Any OpenAI-compatible model”: Ollama, vLLM, LM Studio, llama.cpp, "
    "Azure OpenAI, OpenRouter or OpenAI itself. The model writes Python and this dashboard "
    "runs it in its local, sandboxed interpreter. What you enter here lasts for this session."
)
render_sidebar()  # after the title: it reads the stored profiles
with shown_errors("showing the settings"):
    render_endpoint_form()
