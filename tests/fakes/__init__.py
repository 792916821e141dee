"""Test doubles (fakes, not patches): scripted backends and a loopback OpenAI server."""

from tests.fakes.backends import BrokenBackend, ScriptedBackend
from tests.fakes.openai_server import FakeOpenAI, RecordedRequest

__all__ = ["BrokenBackend", "FakeOpenAI", "RecordedRequest", "ScriptedBackend"]
