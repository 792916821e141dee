"""Who may use the dashboard and how much: the access mode's gate, policy and run quota.

See :mod:`assistant_core.hosting` for the modes. The gate runs before any page; the policy
decides the backends the sidebar offers and whether the owner's keys may be used; the quota
is checked before each run of the research assistant.
"""

from __future__ import annotations

import streamlit as st

from assistant_core.errors import BackendError
from assistant_core.hosting import HostingPolicy, policy_from, quota_problem, user_allowed
from assistant_core.ui.config import configured

__all__ = ["count_run", "hosting_policy", "require_access", "require_run_allowed"]

_SETTINGS = ("ACCESS_MODE", "ALLOWED_USERS", "RUNS_PER_SESSION", "RUNS_PER_DAY")
_RUNS = "access.runs"  # runs this session has started


def hosting_policy() -> HostingPolicy:
    """The policy of the configured access mode (the sandbox is probed only when public)."""
    settings = {name: configured(name) for name in _SETTINGS}
    mode = str(settings["ACCESS_MODE"] or "local").strip().lower()
    complete = True
    if mode != "local" and mode != "private":
        from assistant_core.interpreter import sandbox_in_force

        complete = sandbox_in_force()
    return policy_from(settings, sandbox_complete=complete)


def require_access() -> HostingPolicy:
    """Stop the page here unless this person may use the dashboard (sign-in when private)."""
    policy = hosting_policy()
    if policy.problem:
        st.error(f"Configuration: {policy.problem}", icon="⚙️")
    if not policy.requires_sign_in:
        return policy
    if not st.user.is_logged_in:
        st.title("Research assistant: compare groups")
        st.info("This dashboard is private: sign in to use it.", icon="🔒")
        if st.button("Sign in", type="primary", key="access.login"):
            _login()
        st.stop()
    email = st.user.get("email")
    if not user_allowed(str(email) if email else None, policy.allowed_users):
        st.title("Research assistant: compare groups")
        st.error(
            f"You are signed in as {email or 'an account without an e-mail address'}, which "
            "is not on this dashboard's list of users. Ask its owner for access.",
            icon="🔒",
        )
        if st.button("Sign out", key="access.logout"):
            st.logout()
        st.stop()
    return policy


def _login() -> None:
    try:
        st.login()
    except Exception as exc:  # noqa: BLE001 - a missing [auth] section must not be a traceback
        st.error(
            "Sign-in is not configured: add an [auth] section with your identity provider "
            f"to .streamlit/secrets.toml (see the README's Deploy section). ({type(exc).__name__})",
            icon="⚙️",
        )


def require_run_allowed(policy: HostingPolicy) -> None:
    """Raise BackendError with the reason when the quota forbids another run now."""
    if policy.runs_per_session is None and policy.runs_per_day is None:
        return
    runs_today = 0
    if policy.runs_per_day is not None:
        from assistant_core.ui.saved import saved_store

        store = saved_store(quiet=True)
        if store is None:
            raise BackendError(
                "The daily limit of runs cannot be checked because the database is "
                "unavailable, so the research assistant is paused."
            )
        runs_today = store.runs_today()
    problem = quota_problem(policy, int(st.session_state.get(_RUNS, 0)), runs_today)
    if problem:
        raise BackendError(problem)


def count_run() -> None:
    """One more run for this session's quota."""
    st.session_state[_RUNS] = int(st.session_state.get(_RUNS, 0)) + 1
