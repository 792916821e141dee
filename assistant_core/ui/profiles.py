"""The Assistants page's body: create, edit, duplicate and delete assistant profiles."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import streamlit as st

from assistant_core.ui.assistant_settings import BACKEND_LABELS
from assistant_core.ui.guard import shown_errors
from assistant_core.ui.saved import saved_store

if TYPE_CHECKING:
    from assistant_core.store import Profile, Store

__all__ = ["render_profiles"]

_NEW = "__new__"
_KEY = "profiles.chosen"
_NEXT = "profiles.next"  # the profile to choose on the next run (the chooser is drawn by then)


def render_profiles() -> None:
    """A chooser, then the chosen assistant's form with Save, Duplicate and Delete."""
    store = saved_store()
    if store is None:
        return
    profiles = {p.id: p for p in store.list_profiles()}
    options = [*profiles, _NEW]
    state = st.session_state
    if _NEXT in state:
        state[_KEY] = state.pop(_NEXT)
    if state.get(_KEY) not in options:
        state[_KEY] = next(iter(profiles), _NEW)
    chosen = st.selectbox(
        "Assistant",
        options,
        key=_KEY,
        format_func=lambda pid: "➕ New assistant" if pid == _NEW else profiles[pid].name,
    )
    profile = profiles.get(chosen)
    _form(store, profile)
    if profile is not None:
        _actions(store, profile)


def _form(store: Store, profile: Profile | None) -> None:
    from assistant_core.store import Profile

    suffix = profile.id if profile is not None else _NEW
    with st.form(key=f"profiles.form.{suffix}"):
        name = st.text_input("Name", value=profile.name if profile else "", max_chars=80)
        instructions = st.text_area(
            "Instructions",
            value=profile.instructions if profile else "",
            height=260,
            help="What the assistant is told before every analysis. The built-in analyst "
            "follows its own fixed method and does not read instructions.",
        )
        backends = list(BACKEND_LABELS)
        backend = st.selectbox(
            "Backend",
            backends,
            index=backends.index(profile.backend) if profile and profile.backend in backends else 0,
            format_func=BACKEND_LABELS.get,
        )
        model = st.text_input(
            "Model",
            value=(profile.model or "") if profile else "",
            help="Empty: the backend's default (or the one chosen in the sidebar).",
        )
        code_interpreter = st.toggle(
            "Code interpreter", value=profile.code_interpreter if profile else True
        )
        use_temperature = st.checkbox(
            "Set a temperature",
            value=profile is not None and profile.temperature is not None,
            help="Off: the model's default. Reasoning models may not accept one.",
        )
        temperature = st.slider(
            "Temperature",
            0.0,
            2.0,
            value=float(profile.temperature)
            if profile and profile.temperature is not None
            else 0.2,
            step=0.1,
        )
        saved = st.form_submit_button("Save", type="primary")
    if not saved:
        return
    with shown_errors("saving the assistant"):
        fields = {
            "name": name.strip(),
            "instructions": instructions.strip(),
            "backend": backend,
            "model": model.strip() or None,
            "code_interpreter": code_interpreter,
            "temperature": float(temperature) if use_temperature else None,
        }
        if not fields["name"]:
            st.error("Give the assistant a name.", icon="⚠️")
            return
        if profile is None:
            result = store.save_profile(Profile(id=None, **fields))
        else:
            result = store.save_profile(dataclasses.replace(profile, **fields))
        st.session_state[_NEXT] = result.id
        st.toast(f"Saved “{result.name}”.")
        st.rerun()


def _actions(store: Store, profile: Profile) -> None:
    left, right = st.columns(2)
    if left.button("Duplicate", key=f"profiles.duplicate.{profile.id}"):
        with shown_errors("duplicating the assistant"):
            copy = store.duplicate_profile(profile.id)
            st.session_state[_NEXT] = copy.id
            st.rerun()
    with right.popover("Delete"):
        st.markdown(
            f"Delete **{profile.name}**? Analyses it answered are kept and still show its name."
        )
        if st.button("Delete for good", key=f"profiles.delete.{profile.id}", type="primary"):
            with shown_errors("deleting the assistant"):
                store.delete_profile(profile.id)
                st.session_state[_NEXT] = None
                st.rerun()
