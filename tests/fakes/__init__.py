"""Test doubles (fakes, not patches): scripted backends and a loopback OpenAI server."""

from tests.fakes.backends import BrokenBackend, ScriptedBackend

__all__ = ["BrokenBackend", "ScriptedBackend"]
