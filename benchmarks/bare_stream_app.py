"""The baseline of the streaming benchmark: a bare page that streams one answer.

The same OpenAI stream as the dashboard gets (``OPENAI_BASE_URL`` points at the fake
server), rendered with nothing but ``st.write_stream``.
"""

import openai
import streamlit as st

if st.button("Stream"):
    client = openai.OpenAI()

    def deltas():
        for event in client.responses.create(model="gpt-5.5", input="go", stream=True):
            if event.type == "response.output_text.delta":
                yield event.delta

    st.write_stream(deltas())
