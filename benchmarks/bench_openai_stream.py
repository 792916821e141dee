"""Streaming a recorded code-interpreter answer: our OpenAI backend against the bare SDK.

Run: ``.venv/bin/python -m benchmarks.bench_openai_stream``. Both sides read the same
recording from the loopback fake server (``tests/fakes``; nothing leaves the machine).
The baseline iterates ``client.responses.create(stream=True)`` and does nothing with the
events; "ours" is :meth:`OpenAIBackend.stream`: a conversation, the request, every event
mapped (the PNG decoded, the cited files downloaded) and the turn's Status. Aim: the
ratio stays under 2 (the extra is the conversation and file downloads: a few loopback
round trips).
"""

from __future__ import annotations

import re

import openai

from assistant_core.backends.base import Conversation
from assistant_core.backends.openai import OpenAIBackend
from assistant_core.data import make_dataset
from benchmarks._timing import compare, print_table
from tests.fakes.openai_server import WIRE_DIR, FakeOpenAI

RECORDINGS = (
    "responses-code-interpreter-image-stream.yaml",
    "responses-code-interpreter-three-calls.chunks.jsonl",
)
REPEATS = 15
_CITATION = re.compile(r'"container_id":\s*"(cntr_\w+)",[^{}]*?"file_id":\s*"(cfile_\w+)"')


def main() -> None:
    dataset = make_dataset({"A": [1.0, 2.0, 3.5], "B": [4.0, 5.0, 6.5]})
    rows = []
    with FakeOpenAI() as fake:
        for name in RECORDINGS:  # the files the answers cite, served from their containers
            for container_id, file_id in _CITATION.findall((WIRE_DIR / name).read_text()):
                fake.add_container_file(container_id, file_id, b"x" * 20_000)
        client = openai.OpenAI(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)
        backend = OpenAIBackend(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)
        with client, backend:
            for name in RECORDINGS:

                def baseline(name: str = name) -> int:
                    fake.replay(name)
                    stream = client.responses.create(model="gpt-5.5", input="q", stream=True)
                    with stream:
                        return sum(1 for _ in stream)

                def ours(name: str = name) -> int:
                    fake.replay(name)
                    events = list(backend.stream(Conversation(dataset=dataset), "q"))
                    assert events[-1].state == "completed", events[-1]
                    return len(events)

                ours_s, base_s = compare(ours, baseline, REPEATS)
                rows.append(
                    [name, f"{ours_s * 1000:.1f}", f"{base_s * 1000:.1f}", f"{ours_s / base_s:.2f}"]
                )
    print_table(["recording", "ours (ms)", "bare SDK stream (ms)", "ratio"], rows)


if __name__ == "__main__":
    main()
