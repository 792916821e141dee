"""A loopback HTTP server that speaks enough of the OpenAI wire format for the real SDK.

Point ``openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key)`` at it::

    with FakeOpenAI() as fake:
        fake.replay("responses-code-interpreter-csv-file-stream.yaml")
        fake.fault("429", retry_after=0.2)
        ...

What it serves (everything under ``/v1``, bearer key checked on every request):

- ``POST /v1/responses``: the next queued answer (``replay``, ``script_responses``,
  ``script_analysis``), else a small default answer ("OK"); streamed as SSE when the request
  says ``stream: true``, else a JSON Response object (a scripted stream answers a
  non-streamed request with its final response).
- ``POST /v1/chat/completions``: likewise (``script_chat``), SSE ``data:`` lines then
  ``data: [DONE]``.
- ``GET /v1/models`` (and ``/v1/models/{id}``), ``POST /v1/files`` (multipart),
  ``GET /v1/files/{id}`` (and ``/content``), ``DELETE /v1/files/{id}``,
  ``POST /v1/conversations``, ``GET/POST/DELETE /v1/conversations/{id}``,
  ``GET/POST /v1/conversations/{id}/items``, ``POST /v1/containers``,
  ``GET/DELETE /v1/containers/{cid}``, ``GET /v1/containers/{cid}/files/{fid}/content``.

Streams are sent with ``Transfer-Encoding: chunked`` as the real API does, except where a
fault needs another framing (see ``fault``). Errors use OpenAI's JSON error shape
``{"error": {"message", "type", "param", "code"}}``. Every request is recorded in
``requests``, in order.
"""

from __future__ import annotations

import contextlib
import copy
import email.parser
import email.policy
import functools
import hashlib
import itertools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from tests.fakes import openai_streams

__all__ = ["WIRE_DIR", "FakeOpenAI", "RecordedRequest"]

WIRE_DIR = Path(__file__).resolve().parent.parent / "wire"

FAULT_KINDS = (
    "401",
    "404_model",
    "429",
    "500",
    "cut",
    "stall",
    "failed",
    "incomplete",
    # Beyond the brief, as realistic and as cheap:
    "drop",  # a chunked stream whose connection dies mid-body: the SDK raises
    "quota",  # 429 insufficient_quota: retrying never helps
    "error_event",  # a stream that ends with an `error` event instead of a response.*
)
_HTTP_FAULTS = ("401", "404_model", "429", "500", "quota")
_STREAM_FAULTS = ("cut", "stall", "failed", "incomplete", "drop", "error_event")
_RESPONSES_ONLY = ("failed", "incomplete", "error_event")

_JSON = "application/json"
_SSE = "text/event-stream; charset=utf-8"


class _Headers(dict[str, str]):
    """A plain ``dict`` of lower-cased header names that also looks names up case-blind."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""
    received_at: float = 0.0
    """``time.monotonic()`` when the request was read."""

    def json(self) -> Any:
        """The body parsed as JSON; None if it is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class _Block:
    """One SSE event as it goes on the wire (without the blank line that ends it)."""

    raw: bytes
    payload: Any = None  # the parsed `data:` JSON, None for `[DONE]` or non-JSON data

    @classmethod
    def event(cls, payload: Mapping[str, Any], *, named: bool = True) -> _Block:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        head = f"event: {payload['type']}\n" if named and "type" in payload else ""
        return cls(f"{head}data: {data}".encode(), dict(payload))

    @classmethod
    def parse(cls, text: str) -> _Block:
        data = "\n".join(
            line[5:].removeprefix(" ") for line in text.split("\n") if line.startswith("data:")
        )
        try:
            payload = json.loads(data)
        except ValueError:
            payload = None
        return cls(text.encode(), payload)


_DONE = _Block(b"data: [DONE]")


@dataclass
class _Answer:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None  # a whole body (JSON, bytes)
    blocks: list[_Block] | None = None  # a stream
    scripted: bool = False  # built by script_* (may be re-shaped), not replayed verbatim
    named: bool = True  # whether the stream's events carry `event:` lines
    pace: float = 0.0  # seconds between two events of a stream (for the streaming benchmark)

    @property
    def payloads(self) -> list[Any]:
        return [b.payload for b in self.blocks or [] if isinstance(b.payload, dict)]

    def final_response(self) -> dict[str, Any] | None:
        """The Response of the stream's terminal ``response.*`` event, if it has one."""
        for payload in reversed(self.payloads):
            if payload.get("type") in (
                "response.completed",
                "response.incomplete",
                "response.failed",
            ) and isinstance(payload.get("response"), dict):
                return payload["response"]
        return None


@dataclass
class _Fault:
    kind: str
    path: str
    times: int
    after: int
    seconds: float
    retry_after: float | None


def _error(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _now() -> int:
    return int(time.time())


def _new_id(prefix: str, counter: Iterable[int], n: int = 32) -> str:
    return prefix + hashlib.sha256(f"{prefix}{next(iter(counter))}".encode()).hexdigest()[:n]


@functools.cache
def _load_yaml(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


def _mask(key: str) -> str:
    return key[:3] + "*" * max(len(key) - 7, 4) + key[-4:] if len(key) > 7 else "****"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is not an error worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is dropped after this many seconds
    server: _Server
    fault: _Fault | None = None  # the stream fault pending for the current request

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate small writes: without this, Nagle's algorithm
        # and the client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        try:
            self.server.fake._serve(self)
        except OSError:  # the client hung up (or timed out) mid-answer
            self.close_connection = True

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    # -- reading ---------------------------------------------------------------------------

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- writing ---------------------------------------------------------------------------

    def _head(self, status: int, headers: Sequence[tuple[str, str]]) -> None:
        self.send_response(status)
        self.send_header(
            "x-request-id", "req_" + hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:32]
        )
        self.send_header("openai-version", "2020-10-01")
        self.send_header("openai-processing-ms", "42")
        for name, value in headers:
            self.send_header(name, value)

    def send_body(self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> None:
        fault, self.fault = self.fault, None
        if fault is not None and fault.kind in ("cut", "drop"):
            self.close_connection = True  # hang up without an answer
            return
        if fault is not None and fault.kind == "stall":
            self.server.fake._stopping.wait(fault.seconds)
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers = [("content-type", _JSON), *headers]
        self._head(status, headers)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, obj: Any, headers: Sequence[tuple[str, str]] = ()) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode()
        self.send_body(status, body, [("content-type", _JSON), *headers])

    def send_stream(
        self,
        answer: _Answer,
        *,
        limit: int | None = None,
        framing: str = "chunked",
        stall: tuple[int, float] | None = None,
    ) -> None:
        """Send ``answer.blocks``: all of them, or the first ``limit`` then hang up.

        ``framing`` is ``chunked`` (the real API's) or ``close`` (no length, no chunking: the
        body ends when the connection closes, so hanging up looks like a clean end).
        ``stall=(after, seconds)`` pauses after ``after`` blocks, then carries on.
        """
        self.fault = None
        blocks = list(answer.blocks or [])
        chunked = framing == "chunked"
        headers = [("content-type", _SSE), *answer.headers]
        self._head(answer.status, headers)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.flush()
        fake = self.server.fake
        first_byte = time.time()
        for index, block in enumerate(blocks):
            if limit is not None and index >= limit:
                self.close_connection = True  # hang up without finishing the body
                return
            if stall is not None and index == stall[0]:
                fake._stopping.wait(stall[1])
            if answer.pace and index:
                fake._stopping.wait(answer.pace)
            data = block.raw + b"\n\n"
            self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data) if chunked else data)
            if index == 0:
                first_byte = time.time()
        fake.stream_times.append((first_byte, time.time()))
        if stall is not None and stall[0] >= len(blocks):
            fake._stopping.wait(stall[1])
        if limit is not None or not chunked:
            self.close_connection = True  # the body ends when the connection does
            return
        self.wfile.write(b"0\r\n\r\n")


class FakeOpenAI:
    """The fake OpenAI API on 127.0.0.1 (a free port), for the real ``openai`` SDK.

    State is plain attributes that tests may read and change: ``models``, ``files``
    (uploaded bytes by file id), ``container_files`` (bytes by ``(container_id, file_id)``),
    ``containers`` (container objects by id), ``conversations`` (conversation objects by id)
    and ``conversation_items`` (items recorded per conversation, in order);
    ``chat_unsupported`` names request fields ``/v1/chat/completions`` rejects with a 400
    (e.g. ``{"stream_options"}``, as some OpenAI-compatible servers do).
    """

    def __init__(self, *, api_key: str = "sk-test-fake-key") -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.models: list[str] = ["gpt-5.5", "gpt-5-mini", "gpt-4.1"]
        self.files: dict[str, bytes] = {}
        self.file_objects: dict[str, dict[str, Any]] = {}
        self.container_files: dict[tuple[str, str], bytes] = {}
        self.container_file_names: dict[tuple[str, str], str] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.expired_containers: set[str] = set()
        self.conversations: dict[str, dict[str, Any]] = {}
        self.conversation_items: dict[str, list[dict[str, Any]]] = {}
        self.stream_times: list[tuple[float, float]] = []  # (first, last event) per stream
        #: request fields /v1/chat/completions answers 400 for, as servers that lack them do
        self.chat_unsupported: set[str] = set()
        self.base_url = ""
        self._queues: dict[tuple[str, str], deque[_Answer]] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> FakeOpenAI:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self._httpd is not None:
            return
        self._stopping.clear()
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes stalled streams
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    # -- scripting -------------------------------------------------------------------------

    def _queue(self, method: str, path: str, answer: _Answer) -> None:
        for payload in answer.payloads:
            self._learn_containers(payload)
        with self._lock:
            self._queues.setdefault((method, path), deque()).append(answer)

    def pending(self) -> dict[str, int]:
        """How many queued answers are left, by ``"METHOD /path"``."""
        with self._lock:
            return {f"{m} {p}": len(q) for (m, p), q in self._queues.items() if q}

    def replay(self, name: str) -> None:
        """Queue the answers recorded in ``tests/wire/<name>``, each for its own request path.

        A YAML cassette queues every interaction, in order, for its method and path (a stream
        is replayed byte for byte; a ``parsed_body`` is re-serialised as JSON); a recorded
        container file download becomes an entry of ``container_files`` instead. A
        ``.chunks.jsonl`` file (``data:`` payloads, one per line) queues one ``/v1/responses``
        stream sent as ``data:`` lines without ``event:`` lines, as recorded.
        """
        path = WIRE_DIR / name
        if not path.exists():
            for suffix in (".yaml", ".chunks.jsonl"):
                if (WIRE_DIR / f"{name}{suffix}").exists():
                    path = WIRE_DIR / f"{name}{suffix}"
        if path.name.endswith(".jsonl"):
            lines = path.read_text(encoding="utf-8").splitlines()
            blocks = [_Block.parse(f"data: {line}") for line in lines if line.strip()]
            self._queue("POST", "/v1/responses", _Answer(blocks=blocks, named=False))
            return
        for interaction in _load_yaml(path)["interactions"]:
            request, response = interaction["request"], interaction["response"]
            method = request["method"].upper()
            req_path = urlsplit(request["uri"]).path
            headers = {k.lower(): v[0] for k, v in (response.get("headers") or {}).items()}
            body = response.get("body")
            text = body.get("string") if isinstance(body, dict) else None
            if text is None and "parsed_body" in response:
                text = json.dumps(response["parsed_body"], ensure_ascii=False)
            text = text or ""
            content_type = headers.get("content-type", _JSON)
            match = re.fullmatch(r"/v1/containers/([^/]+)/files/([^/]+)/content", req_path)
            if method == "GET" and match and response["status"]["code"] == 200:
                key = (match.group(1), match.group(2))
                self.container_files[key] = text.encode()
                disposition = headers.get("content-disposition", "")
                named = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
                if named:
                    self.container_file_names[key] = unquote(named.group(1))
                continue
            answer = _Answer(status=response["status"]["code"])
            if content_type.startswith("text/event-stream"):
                answer.blocks = [_Block.parse(b) for b in text.split("\n\n") if b.strip()]
            else:
                answer.body = text.encode()
                answer.headers = [("content-type", content_type)]
            self._queue(method, req_path, answer)

    def script_responses(
        self, events: Sequence[Mapping[str, Any]], *, status: int = 200, pace: float = 0.0
    ) -> None:
        """Queue a streamed ``/v1/responses`` answer made of these event payloads.

        ``pace`` spaces the events that many seconds apart; ``stream_times`` records, per
        stream sent, the wall-clock time of its first and last event.

        Each payload is a dict with ``type``; a missing ``sequence_number`` is filled with the
        event's index. Events are written as ``event: <type>`` / ``data: <json>``.
        """
        payloads = []
        for index, event in enumerate(events):
            payload = dict(event)
            payload.setdefault("sequence_number", index)
            payloads.append(payload)
        blocks = [_Block.event(p) for p in payloads]
        answer = _Answer(status=status, blocks=blocks, scripted=True, pace=pace)
        self._queue("POST", "/v1/responses", answer)

    def script_analysis(self, **kw: Any) -> list[dict[str, Any]]:
        """Queue ``analysis_stream(**kw)`` and serve its ``files`` from the container.

        Returns the events queued.
        """
        events = openai_streams.analysis_stream(**kw)
        container_id = kw.get("container_id", "cntr_test")
        for filename, data in (kw.get("files") or {}).items():
            key = (container_id, openai_streams.container_file_id(container_id, filename))
            self.container_files[key] = data
            self.container_file_names[key] = filename
        self.script_responses(events)
        return events

    def script_chat(self, chunks: Sequence[Mapping[str, Any]]) -> None:
        """Queue a streamed ``/v1/chat/completions`` answer: ``data:`` lines, then ``[DONE]``."""
        blocks = [_Block.event(c, named=False) for c in chunks] + [_DONE]
        self._queue("POST", "/v1/chat/completions", _Answer(blocks=blocks, scripted=True))

    def fault(
        self,
        kind: str,
        *,
        path: str = "/v1/responses",
        times: int = 1,
        after: int = 0,
        seconds: float = 0.0,
        retry_after: float | None = None,
    ) -> None:
        """Make the next ``times`` requests to ``path`` fail as ``kind`` says.

        HTTP errors (the queued answer stays queued for the retry): ``401`` invalid API key,
        ``404_model`` model not found, ``429`` rate limit (``retry-after: <retry_after>``
        header when given), ``quota`` (429 insufficient_quota), ``500`` server error
        (``retry-after`` when given). Stream faults (they consume the queued answer, or the
        default one): ``cut`` sends ``after`` events in a close-delimited body, then closes
        the connection: the stream just ends, without ``response.completed``; ``drop`` does
        the same in a chunked body, so the client sees a broken body and raises; ``stall``
        sends ``after`` events, sends nothing for ``seconds``, then the rest; ``failed`` /
        ``incomplete`` / ``error_event`` replace the stream's terminal event (keeping its
        first ``after`` events when ``after`` > 0) by ``response.failed`` (error
        ``server_error``), ``response.incomplete`` (``max_output_tokens``) or an ``error``
        event.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if kind in _RESPONSES_ONLY and path != "/v1/responses":
            raise ValueError(f"fault {kind!r} only applies to /v1/responses")
        with self._lock:
            self._faults.append(_Fault(kind, path, times, after, seconds, retry_after))

    def expire_container(self, container_id: str) -> None:
        """From now on requests naming ``container_id`` fail as an expired container does.

        ``GET /v1/containers/{id}`` and its file downloads answer 404 and ``POST
        /v1/responses`` naming it as the code interpreter's container answers 400; both with
        the message the real API gives, ``Container is expired.`` (type
        ``invalid_request_error``, code null).
        """
        with self._lock:
            self.expired_containers.add(container_id)
            if container_id in self.containers:
                self.containers[container_id]["status"] = "expired"

    def add_container_file(
        self, container_id: str, file_id: str, data: bytes, filename: str | None = None
    ) -> None:
        """Serve ``data`` at ``/v1/containers/{container_id}/files/{file_id}/content``."""
        self.container_files[(container_id, file_id)] = data
        if filename is not None:
            self.container_file_names[(container_id, file_id)] = filename
        self._known_container(container_id)

    # -- request handling ------------------------------------------------------------------

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path == path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _take_answer(self, method: str, path: str) -> _Answer | None:
        with self._lock:
            queue = self._queues.get((method, path))
            return queue.popleft() if queue else None

    def _serve(self, handler: _Handler) -> None:
        handler.fault = None  # the handler serves every request of a keep-alive connection
        url = urlsplit(handler.path)
        body = handler.read_body()
        headers = _Headers({k.lower(): v for k, v in handler.headers.items()})
        request = RecordedRequest(
            method=handler.command,
            path=url.path,
            headers=headers,
            body=body,
            query=url.query,
            received_at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
            handler.send_json(401, _error(message, "invalid_request_error"))
            return
        if auth.removeprefix("Bearer ") != self.api_key:
            handler.send_json(401, self._invalid_key(auth.removeprefix("Bearer ")))
            return
        fault = self._take_fault(url.path)
        if fault is not None and fault.kind in _HTTP_FAULTS:
            self._http_fault(handler, fault, request)
            return
        handler.fault = fault
        _Route(self, handler, request).dispatch()

    def _invalid_key(self, key: str) -> dict:
        return _error(
            f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        )

    def _http_fault(self, handler: _Handler, fault: _Fault, request: RecordedRequest) -> None:
        body = request.json()
        model = body.get("model", "gpt-5.5") if isinstance(body, dict) else "gpt-5.5"
        retry = [("retry-after", f"{fault.retry_after:g}")] if fault.retry_after is not None else []
        if fault.kind == "401":
            handler.send_json(401, self._invalid_key("sk-revoked-key-0000"))
        elif fault.kind == "404_model":
            message = f"The model `{model}` does not exist or you do not have access to it."
            handler.send_json(404, _error(message, "invalid_request_error", "model_not_found"))
        elif fault.kind == "429":
            wait = f"{fault.retry_after:g}s" if fault.retry_after is not None else "1s"
            message = (
                f"Rate limit reached for {model} in organization org-fake on tokens per min "
                f"(TPM): Limit 30000, Used 29500, Requested 1200. Please try again in {wait}. "
                "Visit https://platform.openai.com/account/rate-limits to learn more."
            )
            limits = [
                ("x-ratelimit-limit-tokens", "30000"),
                ("x-ratelimit-remaining-tokens", "500"),
                ("x-ratelimit-reset-tokens", wait),
            ]
            handler.send_json(429, _error(message, "tokens", "rate_limit_exceeded"), retry + limits)
        elif fault.kind == "quota":
            message = (
                "You exceeded your current quota, please check your plan and billing details. "
                "For more information on this error, read the docs: "
                "https://platform.openai.com/docs/guides/error-codes/api-errors."
            )
            handler.send_json(429, _error(message, "insufficient_quota", "insufficient_quota"))
        else:  # 500
            message = "The server had an error while processing your request. Sorry about that!"
            handler.send_json(500, _error(message, "server_error"), retry)

    # -- state helpers ---------------------------------------------------------------------

    def _learn_containers(self, payload: Mapping[str, Any]) -> None:
        """Register the containers (and cited file names) a queued stream mentions."""
        item = payload.get("item")
        if isinstance(item, dict) and isinstance(item.get("container_id"), str):
            self._known_container(item["container_id"])
        annotation = payload.get("annotation")
        if isinstance(annotation, dict) and annotation.get("type") == "container_file_citation":
            key = (annotation.get("container_id", ""), annotation.get("file_id", ""))
            self.container_file_names.setdefault(key, annotation.get("filename", ""))
            self._known_container(key[0])

    def _known_container(self, container_id: str, name: str = "") -> dict[str, Any]:
        with self._lock:
            if container_id not in self.containers:
                now = _now()
                self.containers[container_id] = {
                    "id": container_id,
                    "object": "container",
                    "created_at": now,
                    "status": "expired" if container_id in self.expired_containers else "running",
                    "expires_after": {"anchor": "last_active_at", "minutes": 20},
                    "last_active_at": now,
                    "name": name or f"Container for {container_id}",
                    "memory_limit": "1g",
                }
            return self.containers[container_id]

    def new_id(self, prefix: str, n: int = 32) -> str:
        """A fresh id with a real-looking prefix (``file-``, ``conv_``, ``cntr_``, ...)."""
        with self._lock:
            return _new_id(prefix, self._ids, n)


class _Route:
    """Answers one request (after auth and HTTP faults)."""

    def __init__(self, fake: FakeOpenAI, handler: _Handler, request: RecordedRequest) -> None:
        self.fake = fake
        self.handler = handler
        self.request = request

    def dispatch(self) -> None:
        method, path = self.request.method, self.request.path
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/v1/responses", self.responses),
            ("POST", r"/v1/chat/completions", self.chat),
            ("GET", r"/v1/models", self.list_models),
            ("GET", r"/v1/models/(?P<model>[^/]+)", self.get_model),
            ("POST", r"/v1/files", self.upload_file),
            ("GET", r"/v1/files/(?P<fid>[^/]+)", self.get_file),
            ("GET", r"/v1/files/(?P<fid>[^/]+)/content", self.get_file_content),
            ("DELETE", r"/v1/files/(?P<fid>[^/]+)", self.delete_file),
            ("POST", r"/v1/conversations", self.create_conversation),
            ("GET", r"/v1/conversations/(?P<cid>[^/]+)", self.get_conversation),
            ("POST", r"/v1/conversations/(?P<cid>[^/]+)", self.update_conversation),
            ("DELETE", r"/v1/conversations/(?P<cid>[^/]+)", self.delete_conversation),
            ("POST", r"/v1/conversations/(?P<cid>[^/]+)/items", self.add_items),
            ("GET", r"/v1/conversations/(?P<cid>[^/]+)/items", self.list_items),
            ("POST", r"/v1/containers", self.create_container),
            ("GET", r"/v1/containers/(?P<cid>[^/]+)", self.get_container),
            ("DELETE", r"/v1/containers/(?P<cid>[^/]+)", self.delete_container),
            (
                "GET",
                r"/v1/containers/(?P<cid>[^/]+)/files/(?P<fid>[^/]+)/content",
                self.container_file_content,
            ),
        ]
        answer = None
        if (method, path) not in (("POST", "/v1/responses"), ("POST", "/v1/chat/completions")):
            answer = self.fake._take_answer(method, path)
        for route_method, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                if answer is not None:
                    self.replayed(answer, action)
                else:
                    action(**match.groupdict())
                return
        if answer is not None:
            self.send(answer)
            return
        self.error(404, f"Invalid URL ({method} {path})", "invalid_request_error")

    # -- helpers ---------------------------------------------------------------------------

    def error(self, status: int, message: str, type_: str, code: str | None = None) -> None:
        self.handler.send_json(status, _error(message, type_, code))

    def body(self) -> dict[str, Any]:
        data = self.request.json()
        return data if isinstance(data, dict) else {}

    def send(self, answer: _Answer) -> None:
        if answer.blocks is not None:
            self.stream(answer)
        else:
            self.handler.send_body(answer.status, answer.body or b"", answer.headers)

    def replayed(self, answer: _Answer, action: Any) -> None:
        """Send a queued answer for a non-model route, keeping our state in step with it."""
        if action == self.upload_file and answer.body:
            try:
                obj = json.loads(answer.body)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and "id" in obj:
                upload = self.multipart()
                self.fake.files[obj["id"]] = upload.get("file", (b"", ""))[0]
                self.fake.file_objects[obj["id"]] = obj
        elif action == self.delete_file and answer.status == 200:
            fid = self.request.path.rsplit("/", 1)[1]
            self.fake.files.pop(fid, None)
            self.fake.file_objects.pop(fid, None)
        self.send(answer)

    def stream(self, answer: _Answer) -> None:
        """Stream ``answer``, shaped by a stream fault if one is pending for this request."""
        fault = self.handler.fault
        if fault is None:
            self.handler.send_stream(answer)
        elif fault.kind == "cut":
            self.handler.send_stream(answer, limit=fault.after, framing="close")
        elif fault.kind == "drop":
            self.handler.send_stream(answer, limit=fault.after)
        elif fault.kind == "stall":
            self.handler.send_stream(answer, stall=(fault.after, fault.seconds))
        else:
            self.handler.send_stream(self.ending(answer, fault))

    def ending(self, answer: _Answer, fault: _Fault) -> _Answer:
        """``answer`` with its terminal event replaced as a failed/incomplete/error fault says."""
        blocks = list(answer.blocks or [])
        terminal = ("response.completed", "response.incomplete", "response.failed", "error")
        while blocks and isinstance(blocks[-1].payload, dict):
            if blocks[-1].payload.get("type") not in terminal:
                break
            blocks.pop()
        if fault.after > 0:
            blocks = blocks[: fault.after]
        payloads = [b.payload for b in blocks if isinstance(b.payload, dict)]
        if fault.kind == "failed":
            last = openai_streams.failed_event(payloads)
        elif fault.kind == "incomplete":
            last = openai_streams.incomplete_event(payloads)
        else:
            seq = max((p.get("sequence_number", -1) for p in payloads), default=-1) + 1
            last = {
                "type": "error",
                "sequence_number": seq,
                "code": "server_error",
                "message": "The server had an error while processing your request.",
                "param": None,
            }
        blocks.append(_Block.event(last, named=answer.named))
        return _Answer(status=answer.status, headers=answer.headers, blocks=blocks)

    # -- /v1/responses ---------------------------------------------------------------------

    def conversation_id(self, body: Mapping[str, Any]) -> str | None:
        conversation = body.get("conversation")
        if isinstance(conversation, dict):
            conversation = conversation.get("id")
        return conversation if isinstance(conversation, str) else None

    def responses(self) -> None:
        body = self.body()
        conv = self.conversation_id(body)
        if conv is not None and conv not in self.fake.conversations:
            message = f"Conversation with id '{conv}' not found."
            self.error(404, message, "invalid_request_error")
            return
        for tool in body.get("tools") or []:
            container = tool.get("container") if isinstance(tool, dict) else None
            if isinstance(container, str) and container in self.fake.expired_containers:
                self.error(400, "Container is expired.", "invalid_request_error")
                return
        answer = self.fake._take_answer("POST", "/v1/responses")
        if answer is None:
            events = openai_streams.text_stream(
                "OK",
                model=str(body.get("model") or "gpt-5.5"),
                response_id=self.fake.new_id("resp_", 50),
                conversation_id=conv,
            )
            answer = _Answer(blocks=[_Block.event(e) for e in events], scripted=True)
        if conv is not None:
            self.record_turn(conv, body, answer)
        if body.get("stream") or not answer.scripted:
            self.send(answer)
            return
        final = answer.final_response()
        fault = self.handler.fault
        if fault is not None and fault.kind in ("failed", "incomplete"):
            final = self.ending(answer, fault).final_response()
        if final is None or answer.status >= 400:
            self.send(answer)
        else:
            self.handler.send_json(answer.status, final)

    def record_turn(self, conv: str, body: Mapping[str, Any], answer: _Answer) -> None:
        items = body.get("input")
        if isinstance(items, str):
            items = [{"role": "user", "content": items}]
        self.store_items(conv, items if isinstance(items, list) else [])
        final = answer.final_response()
        if final is not None:
            self.store_items(conv, final.get("output") or [])

    # -- /v1/chat/completions --------------------------------------------------------------

    def chat(self) -> None:
        body = self.body()
        model = str(body.get("model") or "gpt-4.1")
        for name in sorted(self.fake.chat_unsupported & set(body)):
            message = f"Unrecognized request argument supplied: {name}"
            self.error(400, message, "invalid_request_error")
            return
        answer = self.fake._take_answer("POST", "/v1/chat/completions")
        if answer is None:
            chunks = openai_streams.chat_stream(
                "OK", model=model, completion_id=self.fake.new_id("chatcmpl-", 29)
            )
            answer = _Answer(blocks=[_Block.event(c, named=False) for c in chunks] + [_DONE])
            answer.scripted = True
        if body.get("stream") or not answer.scripted:
            self.send(answer)
            return
        self.handler.send_json(answer.status, _chat_completion(answer.payloads))

    # -- models ----------------------------------------------------------------------------

    def model_object(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1754425777, "owned_by": "system"}

    def list_models(self) -> None:
        data = [self.model_object(m) for m in self.fake.models]
        self.handler.send_json(200, {"object": "list", "data": data})

    def get_model(self, model: str) -> None:
        if model in self.fake.models:
            self.handler.send_json(200, self.model_object(model))
        else:
            message = f"The model '{model}' does not exist"
            self.error(404, message, "invalid_request_error", "model_not_found")

    # -- files -----------------------------------------------------------------------------

    def multipart(self) -> dict[str, tuple[bytes, str]]:
        """The multipart/form-data fields: name -> (content, filename)."""
        content_type = self.request.headers.get("content-type", "")
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            head + self.request.body
        )
        fields: dict[str, tuple[bytes, str]] = {}
        if not message.is_multipart():
            return fields
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = (payload, part.get_filename() or "")
        return fields

    def upload_file(self) -> None:
        fields = self.multipart()
        if "file" not in fields:
            self.error(400, "Missing required parameter: 'file'.", "invalid_request_error")
            return
        data, filename = fields["file"]
        purpose = fields.get("purpose", (b"assistants", ""))[0].decode()
        file_id = self.fake.new_id("file-", 22)
        obj = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": _now(),
            "filename": filename or "upload",
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }
        self.fake.files[file_id] = data
        self.fake.file_objects[file_id] = obj
        self.handler.send_json(200, obj)

    def no_such_file(self, fid: str) -> None:
        self.handler.send_json(
            404, _error(f"No such File object: {fid}", "invalid_request_error", None, "id")
        )

    def get_file(self, fid: str) -> None:
        if fid in self.fake.file_objects:
            self.handler.send_json(200, self.fake.file_objects[fid])
        else:
            self.no_such_file(fid)

    def get_file_content(self, fid: str) -> None:
        if fid in self.fake.files:
            headers = [("content-type", "application/octet-stream")]
            self.handler.send_body(200, self.fake.files[fid], headers)
        else:
            self.no_such_file(fid)

    def delete_file(self, fid: str) -> None:
        if fid not in self.fake.files and fid not in self.fake.file_objects:
            self.no_such_file(fid)
            return
        self.fake.files.pop(fid, None)
        self.fake.file_objects.pop(fid, None)
        self.handler.send_json(200, {"id": fid, "object": "file", "deleted": True})

    # -- conversations ---------------------------------------------------------------------

    def store_items(self, conv: str, items: Iterable[Any]) -> list[dict[str, Any]]:
        stored = []
        for raw in items:
            if not isinstance(raw, dict):
                continue
            item = copy.deepcopy(raw)
            if "role" in item and "type" not in item:
                item["type"] = "message"
            if item.get("type") == "message":
                if isinstance(item.get("content"), str):
                    kind = "output_text" if item.get("role") == "assistant" else "input_text"
                    item["content"] = [{"type": kind, "text": item["content"]}]
                item.setdefault("status", "completed")
            if "id" not in item:
                prefix = {"message": "msg_", "function_call_output": "fco_"}
                item["id"] = self.fake.new_id(prefix.get(item.get("type", ""), "item_"), 48)
            stored.append(item)
        with self.fake._lock:
            self.fake.conversation_items.setdefault(conv, []).extend(stored)
        return stored

    def missing_conversation(self, cid: str) -> bool:
        if cid in self.fake.conversations:
            return False
        self.error(404, f"Conversation with id '{cid}' not found.", "invalid_request_error")
        return True

    def create_conversation(self) -> None:
        body = self.body()
        cid = self.fake.new_id("conv_", 48)
        obj = {
            "id": cid,
            "object": "conversation",
            "created_at": _now(),
            "metadata": body.get("metadata") or {},
        }
        self.fake.conversations[cid] = obj
        self.fake.conversation_items[cid] = []
        self.store_items(cid, body.get("items") or [])
        self.handler.send_json(200, obj)

    def get_conversation(self, cid: str) -> None:
        if not self.missing_conversation(cid):
            self.handler.send_json(200, self.fake.conversations[cid])

    def update_conversation(self, cid: str) -> None:
        if not self.missing_conversation(cid):
            self.fake.conversations[cid]["metadata"] = self.body().get("metadata") or {}
            self.handler.send_json(200, self.fake.conversations[cid])

    def delete_conversation(self, cid: str) -> None:
        if not self.missing_conversation(cid):
            del self.fake.conversations[cid]
            body = {"id": cid, "object": "conversation.deleted", "deleted": True}
            self.handler.send_json(200, body)

    def item_list(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "object": "list",
            "data": items,
            "first_id": items[0]["id"] if items else "",
            "last_id": items[-1]["id"] if items else "",
            "has_more": False,
        }

    def add_items(self, cid: str) -> None:
        if not self.missing_conversation(cid):
            stored = self.store_items(cid, self.body().get("items") or [])
            self.handler.send_json(200, self.item_list(stored))

    def list_items(self, cid: str) -> None:
        if not self.missing_conversation(cid):
            items = list(self.fake.conversation_items.get(cid, []))
            if "order=desc" in self.request.query or "order" not in self.request.query:
                items.reverse()  # the API lists newest first by default
            self.handler.send_json(200, self.item_list(items))

    # -- containers ------------------------------------------------------------------------

    def container_gone(self, cid: str) -> bool:
        if cid in self.fake.expired_containers:
            self.error(404, "Container is expired.", "invalid_request_error")
            return True
        known = cid in self.fake.containers or any(k[0] == cid for k in self.fake.container_files)
        if not known:
            self.error(404, f"Container with id '{cid}' not found.", "invalid_request_error")
            return True
        return False

    def create_container(self) -> None:
        body = self.body()
        cid = self.fake.new_id("cntr_", 48)
        obj = self.fake._known_container(cid, str(body.get("name") or ""))
        if body.get("memory_limit"):
            obj["memory_limit"] = body["memory_limit"]
        for fid in body.get("file_ids") or []:
            if fid in self.fake.files:
                name = self.fake.file_objects.get(fid, {}).get("filename", fid)
                cfile = self.fake.new_id("cfile_", 32)
                self.fake.add_container_file(cid, cfile, self.fake.files[fid], name)
        self.handler.send_json(200, obj)

    def get_container(self, cid: str) -> None:
        if not self.container_gone(cid):
            self.handler.send_json(200, self.fake._known_container(cid))

    def delete_container(self, cid: str) -> None:
        if not self.container_gone(cid):
            self.fake.containers.pop(cid, None)
            for key in [k for k in self.fake.container_files if k[0] == cid]:
                del self.fake.container_files[key]
            body = {"id": cid, "object": "container.deleted", "deleted": True}
            self.handler.send_json(200, body)

    def container_file_content(self, cid: str, fid: str) -> None:
        if cid in self.fake.expired_containers:
            self.error(404, "Container is expired.", "invalid_request_error")
            return
        data = self.fake.container_files.get((cid, fid))
        if data is None:
            message = f"File {fid} not found on container {cid}."
            self.error(404, message, "invalid_request_error")
            return
        headers = [("content-type", "application/octet-stream")]
        filename = self.fake.container_file_names.get((cid, fid))
        if filename:
            headers.append(("content-disposition", f"attachment; filename*=UTF-8''{filename}"))
        self.handler.send_body(200, data, headers)


def _chat_completion(chunks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Fold streamed chat chunks into the ``chat.completion`` a non-streamed call gets."""
    content: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish = "stop"
    head: Mapping[str, Any] = chunks[0] if chunks else {}
    usage = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                content.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(
                    call["index"],
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["function"]["name"] += function.get("name") or ""
                slot["function"]["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(content) if content or not calls else None,
        "refusal": None,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return {
        "id": head.get("id", "chatcmpl-test"),
        "object": "chat.completion",
        "created": head.get("created", _now()),
        "model": head.get("model", "gpt-4.1"),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": head.get("system_fingerprint"),
    }
