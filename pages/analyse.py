"""Home page: enter two or more groups, get the local analysis, ask the research assistant."""

import streamlit as st

from assistant_core.ui import data_input
from assistant_core.ui.access import require_access
from assistant_core.ui.assistant_settings import render_sidebar
from assistant_core.ui.guard import shown_errors

require_access()  # a private dashboard stops here for anyone not signed in

st.title("Do these groups differ?")
st.caption(
    "Paste your groups or upload a CSV file. Every figure below is computed locally with scipy."
)
render_sidebar()  # after the title: it reads the stored profiles

st.button(
    "Load the worked example (recovery times of two treatments)",
    on_click=data_input.load_example,
    key="analyse.example",
)
with shown_errors("opening the saved analysis"):
    from assistant_core.ui.conversation import open_requested_thread

    open_requested_thread()  # ?thread=ID: before the inputs draw, so they show its data
with shown_errors("opening the data link"):
    from assistant_core.ui.links import open_data_link

    open_data_link()  # ?data=...: a "try it yourself" link's data, filled in and analysed
build = None
with shown_errors("showing the data entry"):
    build = data_input.render()

options = st.columns(3)
paired = options[0].checkbox("Paired (the same subjects measured twice)", key="analyse.paired")
alternative = options[1].selectbox(
    "Alternative (first group minus second)",
    ["two-sided", "less", "greater"],
    key="analyse.alternative",
)
st.session_state.setdefault("analyse.alpha", 0.05)
alpha = options[2].number_input(
    "Alpha",
    min_value=0.0001,
    max_value=0.5,
    step=0.01,
    format="%.4f",
    key="analyse.alpha",
)

if st.button("Analyse", type="primary", disabled=build is None, key="analyse.run"):
    st.session_state.pop("analyse.result", None)
    with shown_errors("analysing the data"):
        from assistant_core.ui.conversation import reset_conversation

        reset_conversation()
        if "data" in st.query_params:  # the page no longer shows the link's data
            del st.query_params["data"]
        from assistant_core.stats import check

        dataset = build(paired)
        report = check(dataset, alpha=alpha, alternative=alternative).to_dict()
        st.session_state["analyse.result"] = (dataset, report)

result = st.session_state.get("analyse.result")
if result is not None:
    dataset, report = result
    with shown_errors("showing the results"):
        # imported here: plotly and the assistant load only once there is something to show
        from assistant_core.ui.assistant import render_verdict
        from assistant_core.ui.conversation import latest_verification, render_conversation
        from assistant_core.ui.results import render_details, render_summary

        local, verdict = st.columns([3, 2])
        with local:
            render_summary(report)
        verdict_slot = verdict.empty()
        with verdict_slot.container():
            render_verdict(latest_verification())
        render_details(dataset, report)
    with shown_errors("talking to the research assistant"):
        render_conversation(dataset, report, verdict_slot)
    with shown_errors("preparing the links and reports"):
        from assistant_core.ui.sharing import render_share_and_export

        render_share_and_export(dataset, report)
