"""The store: assistant profiles, threads, messages, runs and every event (SQLAlchemy Core).

Every run, from the page or the command line, is kept as ``llm`` keeps its logs. The
database is the SQLAlchemy URL in ``DATABASE_URL``, by default a SQLite file in the user's
data directory (:func:`assistant_core.paths.default_database_path`); PostgreSQL serves
deployments with several replicas. The schema comes from the numbered migrations of
:mod:`assistant_core.migrations`, applied when a store is opened.

Events are written one short transaction each, as they arrive, so a run that breaks half-way
(or a browser that reloads) loses nothing already received; image and file bytes go to a
``blobs`` table rather than into JSON. A run's assistant message is written when it ends,
so listing and showing threads never has to re-join thousands of text deltas.

>>> store = open_store("sqlite://")  # in memory
>>> store.default_profile().name
'Research Analyst'
>>> store.close()
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    case,
    create_engine,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from assistant_core import migrations
from assistant_core.errors import AssistantCoreError
from assistant_core.events import Error, Event, Status, answer_parts, event_from_dict
from assistant_core.migrations import DEFAULT_PROFILE_ID

if TYPE_CHECKING:
    from assistant_core.backends.base import Conversation
    from assistant_core.data import Dataset

__all__ = [
    "ABANDONED_AFTER",
    "RUN_STATES",
    "TABLES",
    "MessageRecord",
    "Profile",
    "RunRecord",
    "RunRecorder",
    "Share",
    "ShareUnavailable",
    "Store",
    "StoreError",
    "ThreadRecord",
    "ThreadSummary",
    "UnknownThread",
    "close_all",
    "database_url",
    "dataset_from_json",
    "default_title",
    "open_store",
    "parse_url",
    "redact_url",
]

log = logging.getLogger(__name__)

#: what a run's ``status`` may be; ``interrupted`` = its process went away mid-stream
RUN_STATES = ("running", "completed", "failed", "stopped", "interrupted")
#: seconds without an event after which a run of another host counts as abandoned
ABANDONED_AFTER = 600.0
#: PostgreSQL advisory lock held while migrating (any constant; "rsa-migr" in ASCII)
_MIGRATION_LOCK = 0x7273612D6D696772
#: event types whose text ``list_threads(search=...)`` looks into, besides messages
_SEARCHED_EVENTS = ("code_done", "code_output", "error")
_BLOB_EVENTS = ("image_output", "file_output")


class StoreError(AssistantCoreError):
    """The store cannot do what was asked; the message says why (and never shows a password).

    ``bad_input`` is True when what a person gave is at fault (a malformed URL, a duplicate
    name), so the command line can exit 2 rather than 1.
    """

    def __init__(self, message: str, *, bad_input: bool = False) -> None:
        super().__init__(message)
        self.bad_input = bad_input


class UnknownThread(StoreError, KeyError):
    """No stored thread has that id."""

    def __init__(self, thread_id: str) -> None:
        super().__init__(
            f"No stored thread has the id {thread_id!r} (`history` lists them).", bad_input=True
        )
        self.thread_id = thread_id

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


# --------------------------------------------------------------------------- current tables
# The schema as the migrations leave it (a test checks the two agree); queries use these.

_md = MetaData()
_Id = BigInteger().with_variant(Integer(), "sqlite")


def _stamp(name: str) -> Column:
    return Column(name, DateTime(timezone=True))


profiles = Table(
    "profiles",
    _md,
    Column("id", String(100), primary_key=True),
    Column("name", String(200)),
    Column("instructions", Text),
    Column("backend", String(50)),
    Column("model", String(200)),
    Column("code_interpreter", Boolean),
    Column("temperature", Float),
    _stamp("created"),
    _stamp("updated"),
)
threads = Table(
    "threads",
    _md,
    Column("id", String(100), primary_key=True),
    Column("title", String(500)),
    Column("profile_id", String(100)),
    Column("profile_name", String(200)),
    Column("backend", String(50)),
    Column("model", String(200)),
    Column("dataset", Text),
    Column("alpha", Float),
    Column("alternative", String(20)),
    Column("local_report", Text),
    Column("remote_id", String(200)),
    Column("state", Text),
    _stamp("created"),
    _stamp("updated"),
)
runs = Table(
    "runs",
    _md,
    Column("id", _Id, primary_key=True),
    Column("thread_id", String(100)),
    Column("question", Text),
    Column("backend", String(50)),
    Column("model", String(200)),
    Column("profile_id", String(100)),
    Column("answered_by", String(200)),
    Column("status", String(20)),
    Column("usage", Text),
    Column("error", Text),
    Column("verification", Text),
    Column("owner", String(300)),
    _stamp("started"),
    _stamp("finished"),
)
messages = Table(
    "messages",
    _md,
    Column("id", _Id, primary_key=True),
    Column("thread_id", String(100)),
    Column("run_id", _Id),
    Column("role", String(20)),
    Column("text", Text),
    _stamp("created"),
)
blobs = Table(
    "blobs",
    _md,
    Column("id", _Id, primary_key=True),
    Column("run_id", _Id),
    Column("mime", String(200)),
    Column("filename", String(500)),
    Column("size", BigInteger),
    Column("data", LargeBinary),
    _stamp("created"),
)
events = Table(
    "events",
    _md,
    Column("id", _Id, primary_key=True),
    Column("run_id", _Id),
    Column("seq", Integer),
    Column("type", String(40)),
    Column("data", Text),
    Column("blob_id", _Id),
    _stamp("created"),
)
shares = Table(
    "shares",
    _md,
    Column("token", String(100), primary_key=True),
    Column("thread_id", String(100)),
    Column("title", String(500)),
    Column("snapshot", Text),
    _stamp("created"),
    _stamp("revoked"),
)
#: the current tables, by name
TABLES: dict[str, Table] = dict(_md.tables)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Profile:
    """An assistant profile: who answers (backend, model) and how (instructions, tools).

    ``id`` is None for a profile not saved yet; :meth:`Store.save_profile` gives it one.
    """

    id: str | None
    name: str
    instructions: str = ""
    backend: str = "auto"
    model: str | None = None
    code_interpreter: bool = True
    temperature: float | None = None
    created: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True)
class Share:
    """A read-only link to a snapshot of a thread; ``revoked`` once its owner ended it."""

    token: str
    thread_id: str
    title: str
    created: datetime
    revoked: datetime | None = None


class ShareUnavailable(StoreError):
    """A share link that does not (or no longer) open: unknown, revoked, or its thread deleted."""


@dataclass(frozen=True)
class ThreadSummary:
    """One line of the history: enough to list and search threads."""

    id: str
    title: str
    created: datetime
    updated: datetime
    backend: str
    model: str | None
    profile_name: str | None
    messages: int
    last_status: str | None


@dataclass(frozen=True)
class RunRecord:
    """One run (one answer to one question): its status, usage, error and verdict."""

    id: int
    thread_id: str
    question: str
    backend: str
    model: str | None
    profile_id: str | None
    answered_by: str | None
    status: str
    usage: dict[str, Any] | None
    error: str | None
    verification: dict[str, Any] | None
    started: datetime
    finished: datetime | None
    text: str  # the assistant's narrative, joined from its text deltas


@dataclass(frozen=True)
class MessageRecord:
    """A message of a thread: the person's question or the assistant's answer text."""

    id: int
    run_id: int | None
    role: str
    text: str
    created: datetime


@dataclass(frozen=True)
class ThreadRecord:
    """A stored thread whole, but for its events (:meth:`Store.run_events` gives those)."""

    id: str
    title: str
    profile_id: str | None
    profile_name: str | None
    backend: str
    model: str | None
    dataset: Dataset
    alpha: float
    alternative: str
    local_report: dict[str, Any] | None
    remote_id: str | None
    state: dict[str, Any]
    created: datetime
    updated: datetime
    runs: list[RunRecord] = field(default_factory=list)
    messages: list[MessageRecord] = field(default_factory=list)

    @property
    def verdict(self) -> dict[str, Any] | None:
        """The latest run's verification, if any run has one."""
        for run in reversed(self.runs):
            if run.verification is not None:
                return run.verification
        return None


# --------------------------------------------------------------------------- helpers


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    """Strict JSON (what the CLI prints must be strict too); NaN/inf become null."""
    try:
        return json.dumps(value, allow_nan=False, ensure_ascii=False, default=str)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False, ensure_ascii=False, default=str)


def _loads(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(owner: str | None) -> bool:
    """True when ``owner`` (host:pid) names a process of this host that no longer runs."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but not ours to signal
        return False
    return False


def _like(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def redact_url(url: str | URL) -> str:
    """The URL as it may be shown: its password replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    redacted = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
    if redacted == url and "@" in url:  # not URL-shaped: the credentials could be anywhere
        return "…@" + url.rpartition("@")[2]
    return redacted


def default_title(dataset: Dataset) -> str:
    """A thread's title from its groups, e.g. ``"Treatment A vs Treatment B (n=10, 10)"``."""
    names = " vs ".join(g.name for g in dataset.groups)
    if dataset.paired:
        title = f"{names}, paired (n={dataset.groups[0].n})"
    else:
        title = f"{names} (n={', '.join(str(g.n) for g in dataset.groups)})"
    return title if len(title) <= 200 else title[:199] + "…"


def _dataset_dict(dataset: Dataset) -> dict[str, Any]:
    return {
        "design": dataset.design,
        "paired": dataset.paired,
        "source": dataset.source,
        "groups": [
            {"name": g.name, "values": [float(v) for v in g.values], "missing": g.missing}
            for g in dataset.groups
        ],
    }


def dataset_from_json(data: Mapping[str, Any]) -> Dataset:
    """The stored data set as a real :class:`Dataset` (missing counts kept as they were)."""
    from assistant_core.data import Dataset, Group

    groups = tuple(
        Group(g["name"], [float(v) for v in g["values"]], int(g.get("missing", 0)))
        for g in data["groups"]
    )
    return Dataset(
        groups=groups, paired=bool(data.get("paired")), source=data.get("source", "paste")
    )


def _event_from_row(kind: str, data: str, blob: bytes | None) -> Event:
    fields = json.loads(data)
    fields["type"] = kind
    if blob is not None:
        fields["data"] = bytes(blob)
    return event_from_dict(fields)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --------------------------------------------------------------------------- engines

_ENGINES: dict[str, Engine] = {}
_MIGRATED: set[str] = set()
_LOCK = threading.Lock()


def database_url(url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``url``, else ``$DATABASE_URL``, else the SQLite file in the user's data directory."""
    if url:
        return url
    env = os.environ if environ is None else environ
    if env.get("DATABASE_URL"):
        return env["DATABASE_URL"]
    from assistant_core.paths import default_database_path

    return f"sqlite:///{default_database_path(env)}"


def parse_url(url_text: str) -> URL:
    """A database URL as SQLAlchemy takes it: ``postgres://`` and ``postgresql://`` get the
    psycopg (3) driver; anything but SQLite or PostgreSQL is a :class:`StoreError`."""
    try:
        url = make_url(url_text)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            f"{redact_url(url_text)!r} is not a database URL (for example "
            "sqlite:///path/to/file.db or postgresql://user:password@host/db).",
            bad_input=True,
        ) from exc
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        if driver in ("", "psycopg2"):  # psycopg 3 is the driver we install
            url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise StoreError(
            f"{redact_url(url)}: the store works with SQLite and PostgreSQL only.", bad_input=True
        )
    return url


def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _create_engine(url: URL) -> Engine:
    shown = redact_url(url)
    if url.get_backend_name() == "sqlite":
        memory = url.database in (None, "", ":memory:")
        if not memory:
            path = Path(url.database or "").expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{shown}: cannot create {path.parent}: {exc}") from exc
            url = url.set(database=str(path))
        options: dict[str, Any] = {"connect_args": {"timeout": 30}}
        if memory:
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        engine = create_engine(url, **options)

        @sa_event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # We issue BEGIN ourselves (below): pysqlite's own transaction handling would
            # leave DDL outside transactions and cannot take the write lock up front.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")  # WAL keeps it crash-safe
            cursor.close()

        @sa_event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A writer takes the lock at BEGIN, so it waits (busy timeout) instead of failing
            # when it later upgrades a read lock another writer holds.
            mode = "IMMEDIATE" if conn.get_execution_options().get("store_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    try:
        return create_engine(url, pool_pre_ping=True, pool_recycle=1800)
    except (ImportError, SQLAlchemyError) as exc:
        raise StoreError(f"{shown}: {exc}") from exc


def _migrate(engine: Engine, shown: str) -> None:
    with engine.connect() as conn:
        conn.execution_options(store_write=True)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            done = migrations.applied_versions(conn)
            newest = max(done, default=0)
            if newest > migrations.LATEST:
                raise StoreError(
                    f"{shown} has schema version {newest}, newer than this code knows "
                    f"({migrations.LATEST}): update the dashboard to open it."
                )
            applied = migrations.migrate(conn)
    if applied:
        log.info("store %s: applied migrations %s", shown, applied)


def open_store(url: str | None = None) -> Store:
    """The store at ``url`` (else ``DATABASE_URL``, else the default SQLite file), migrated.

    Cheap to call again: engines are kept per URL and migrations run once per process.
    Raises :class:`StoreError` (naming the URL without its password) when it cannot be used.
    """
    parsed = parse_url(database_url(url))
    key = parsed.render_as_string(hide_password=False)
    shown = redact_url(parsed)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _create_engine(parsed)
            _ENGINES[key] = engine
        if key not in _MIGRATED:
            try:
                _migrate(engine, shown)
            except StoreError:
                engine.dispose()
                _ENGINES.pop(key, None)
                raise
            except (SQLAlchemyError, OSError, ImportError) as exc:
                engine.dispose()
                _ENGINES.pop(key, None)
                raise StoreError(f"Cannot open the store at {shown}: {_reason(exc)}") from exc
            _MIGRATED.add(key)
    return Store(engine, key, shown)


def close_all() -> None:
    """Close every engine this process opened (tests; the end of a command)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _MIGRATED.clear()


def _reason(exc: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's statement dump and background link."""
    original = getattr(exc, "orig", None)
    words = str(original if original is not None else exc).strip()
    return redact_url(words.splitlines()[0] if words else type(exc).__name__)


# --------------------------------------------------------------------------- the store


class Store:
    """Profiles, threads, runs and events in one database; every write is a transaction."""

    def __init__(self, engine: Engine, key: str, shown: str) -> None:
        self.engine = engine
        self._key = key
        #: the URL without its password, for messages
        self.url = shown

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release this URL's connections (a later ``open_store`` opens them again)."""
        with _LOCK:
            if _ENGINES.get(self._key) is self.engine:
                del _ENGINES[self._key]
                _MIGRATED.discard(self._key)
        self.engine.dispose()

    # -- transactions

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(
                f"Reading from the store at {self.url} failed: {_reason(exc)}"
            ) from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                conn.execution_options(store_write=True)
                with conn.begin():
                    yield conn
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"Writing to the store at {self.url} failed: {_reason(exc)}") from exc

    # -- profiles

    @staticmethod
    def _profile(row: Any) -> Profile:
        return Profile(
            id=row.id,
            name=row.name,
            instructions=row.instructions,
            backend=row.backend,
            model=row.model,
            code_interpreter=bool(row.code_interpreter),
            temperature=row.temperature,
            created=_aware(row.created),
            updated=_aware(row.updated),
        )

    def list_profiles(self) -> list[Profile]:
        """Every profile, the built-in Research Analyst first, then by name."""
        order = case((profiles.c.id == DEFAULT_PROFILE_ID, 0), else_=1)
        with self._read() as conn:
            rows = conn.execute(select(profiles).order_by(order, func.lower(profiles.c.name)))
            return [self._profile(row) for row in rows]

    def get_profile(self, profile_id: str) -> Profile | None:
        with self._read() as conn:
            row = conn.execute(select(profiles).where(profiles.c.id == profile_id)).first()
        return None if row is None else self._profile(row)

    def default_profile(self) -> Profile:
        """The built-in Research Analyst; if it was deleted, the first profile; if none is
        left, the Research Analyst again (a store always has someone to answer)."""
        profile = self.get_profile(DEFAULT_PROFILE_ID)
        if profile is not None:
            return profile
        existing = self.list_profiles()
        if existing:
            return existing[0]
        with self._write() as conn:
            migrations._m2_default_profile(conn)
        return self.get_profile(DEFAULT_PROFILE_ID) or self.list_profiles()[0]

    def _name_taken(self, conn: Connection, name: str, profile_id: str | None) -> bool:
        query = select(profiles.c.id).where(func.lower(profiles.c.name) == name.lower())
        if profile_id is not None:
            query = query.where(profiles.c.id != profile_id)
        return conn.execute(query).first() is not None

    def save_profile(self, profile: Profile) -> Profile:
        """Insert (``id`` None or new) or update a profile; returns it as stored.

        Names are unique, ignoring case: a duplicate is a :class:`StoreError`.
        """
        name = profile.name.strip()
        if not name:
            raise StoreError("An assistant needs a name.", bad_input=True)
        if not profile.backend:
            raise StoreError(f"The assistant {name!r} needs a backend.", bad_input=True)
        profile_id = profile.id or uuid.uuid4().hex
        now = _now()
        values = {
            "name": name,
            "instructions": profile.instructions or "",
            "backend": profile.backend,
            "model": profile.model or None,
            "code_interpreter": bool(profile.code_interpreter),
            "temperature": None if profile.temperature is None else float(profile.temperature),
            "updated": now,
        }
        duplicate = StoreError(
            f"An assistant called {name!r} already exists; choose another name.", bad_input=True
        )
        try:
            with self._write() as conn:
                if self._name_taken(conn, name, profile_id):
                    raise duplicate
                changed = conn.execute(
                    update(profiles).where(profiles.c.id == profile_id).values(**values)
                ).rowcount
                if not changed:
                    conn.execute(
                        insert(profiles).values(
                            id=profile_id, created=profile.created or now, **values
                        )
                    )
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):  # a concurrent save took the name
                raise duplicate from exc
            raise
        stored = self.get_profile(profile_id)
        assert stored is not None
        return stored

    def duplicate_profile(self, profile_id: str) -> Profile:
        """A copy named ``"<name> (copy)"`` (or ``(copy 2)``, ... when that is taken)."""
        original = self.get_profile(profile_id)
        if original is None:
            raise StoreError(f"No assistant has the id {profile_id!r}.", bad_input=True)
        with self._read() as conn:
            taken = {n.lower() for n in conn.execute(select(profiles.c.name)).scalars()}
        name, number = f"{original.name} (copy)", 1
        while name.lower() in taken:
            number += 1
            name = f"{original.name} (copy {number})"
        return self.save_profile(
            Profile(
                id=None,
                name=name,
                instructions=original.instructions,
                backend=original.backend,
                model=original.model,
                code_interpreter=original.code_interpreter,
                temperature=original.temperature,
            )
        )

    def delete_profile(self, profile_id: str) -> None:
        """Delete a profile; its threads and runs stay (they keep the profile's name)."""
        with self._write() as conn:
            conn.execute(delete(profiles).where(profiles.c.id == profile_id))

    # -- threads

    def create_thread(
        self,
        conversation: Conversation,
        *,
        local_report: dict[str, Any] | None,
        title: str | None = None,
        profile: Profile | None = None,
        backend: str,
        model: str | None = None,
    ) -> str:
        """Store a new thread for ``conversation`` (its id becomes the thread's); returns it.

        The data set is kept whole (names, values, design, source), with alpha, the
        alternative and the local report, so the thread can be continued and re-checked.
        """
        now = _now()
        try:
            with self._write() as conn:
                conn.execute(
                    insert(threads).values(
                        id=conversation.id,
                        title=(title or "").strip() or default_title(conversation.dataset),
                        profile_id=profile.id if profile else None,
                        profile_name=profile.name if profile else None,
                        backend=backend,
                        model=model,
                        dataset=_dumps(_dataset_dict(conversation.dataset)),
                        alpha=float(conversation.alpha),
                        alternative=conversation.alternative,
                        local_report=None if local_report is None else _dumps(local_report),
                        remote_id=conversation.remote_id,
                        state=_dumps(conversation.state or {}),
                        created=now,
                        updated=now,
                    )
                )
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                raise StoreError(
                    f"A thread with the id {conversation.id!r} is stored already."
                ) from exc
            raise
        return conversation.id

    def get_thread(self, thread_id: str) -> ThreadRecord | None:
        """A thread with its runs and messages, or None; abandoned runs show as interrupted."""
        self.mark_abandoned_runs(thread_id)
        with self._read() as conn:
            row = conn.execute(select(threads).where(threads.c.id == thread_id)).first()
            if row is None:
                return None
            run_rows = conn.execute(
                select(runs).where(runs.c.thread_id == thread_id).order_by(runs.c.id)
            ).all()
            message_rows = conn.execute(
                select(messages).where(messages.c.thread_id == thread_id).order_by(messages.c.id)
            ).all()
            answers = {m.run_id: m.text for m in message_rows if m.role == "assistant"}
            run_records = []
            for r in run_rows:
                answer = answers.get(r.id)
                if answer is None:  # still running: join what has arrived
                    answer = self._joined_text(conn, r.id)
                run_records.append(
                    RunRecord(
                        id=r.id,
                        thread_id=r.thread_id,
                        question=r.question,
                        backend=r.backend,
                        model=r.model,
                        profile_id=r.profile_id,
                        answered_by=r.answered_by,
                        status=r.status,
                        usage=_loads(r.usage),
                        error=r.error,
                        verification=_loads(r.verification),
                        started=_aware(r.started),
                        finished=_aware(r.finished),
                        text=answer,
                    )
                )
        return ThreadRecord(
            id=row.id,
            title=row.title,
            profile_id=row.profile_id,
            profile_name=row.profile_name,
            backend=row.backend,
            model=row.model,
            dataset=dataset_from_json(json.loads(row.dataset)),
            alpha=row.alpha,
            alternative=row.alternative,
            local_report=_loads(row.local_report),
            remote_id=row.remote_id,
            state=_loads(row.state) or {},
            created=_aware(row.created),
            updated=_aware(row.updated),
            runs=run_records,
            messages=[
                MessageRecord(
                    id=m.id, run_id=m.run_id, role=m.role, text=m.text, created=_aware(m.created)
                )
                for m in message_rows
            ],
        )

    def list_threads(self, search: str | None = None, limit: int = 100) -> list[ThreadSummary]:
        """Threads, latest activity first; ``search`` looks (ignoring case) into titles,
        questions, answers, code and its output."""
        self.mark_abandoned_runs()
        message_count = (
            select(func.count())
            .select_from(messages)
            .where(messages.c.thread_id == threads.c.id)
            .scalar_subquery()
        )
        last_status = (
            select(runs.c.status)
            .where(runs.c.thread_id == threads.c.id)
            .order_by(runs.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = select(
            threads.c.id,
            threads.c.title,
            threads.c.created,
            threads.c.updated,
            threads.c.backend,
            threads.c.model,
            threads.c.profile_name,
            message_count.label("messages"),
            last_status.label("last_status"),
        )
        if search and search.strip():
            pattern = _like(search.strip())
            in_messages = exists(
                select(messages.c.id).where(
                    messages.c.thread_id == threads.c.id,
                    messages.c.text.ilike(pattern, escape="\\"),
                )
            )
            in_events = exists(
                select(events.c.id)
                .join(runs, runs.c.id == events.c.run_id)
                .where(
                    runs.c.thread_id == threads.c.id,
                    events.c.type.in_(_SEARCHED_EVENTS),
                    events.c.data.ilike(pattern, escape="\\"),
                )
            )
            query = query.where(
                or_(threads.c.title.ilike(pattern, escape="\\"), in_messages, in_events)
            )
        query = query.order_by(threads.c.updated.desc(), threads.c.id).limit(max(1, int(limit)))
        with self._read() as conn:
            return [
                ThreadSummary(
                    id=row.id,
                    title=row.title,
                    created=_aware(row.created),
                    updated=_aware(row.updated),
                    backend=row.backend,
                    model=row.model,
                    profile_name=row.profile_name,
                    messages=int(row.messages or 0),
                    last_status=row.last_status,
                )
                for row in conn.execute(query)
            ]

    def _update_thread(self, thread_id: str, **values: Any) -> None:
        with self._write() as conn:
            if not conn.execute(
                update(threads).where(threads.c.id == thread_id).values(**values)
            ).rowcount:
                raise UnknownThread(thread_id)

    def rename_thread(self, thread_id: str, title: str) -> None:
        title = (title or "").strip()
        if not title:
            raise StoreError("A thread's title cannot be empty.", bad_input=True)
        self._update_thread(thread_id, title=title[:500])

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread with its runs, messages, events and blobs (no error if absent)."""
        with self._write() as conn:
            conn.execute(delete(threads).where(threads.c.id == thread_id))

    def set_remote_id(self, thread_id: str, remote_id: str | None) -> None:
        """The provider's conversation id, once the first turn has made one."""
        self._update_thread(thread_id, remote_id=remote_id)

    def save_state(self, thread_id: str, state: dict[str, Any]) -> None:
        """What backends carry between turns (JSON-safe by their contract)."""
        try:
            encoded = _dumps(state or {})
        except TypeError as exc:
            raise StoreError(f"The thread's state cannot be stored as JSON: {exc}") from exc
        self._update_thread(thread_id, state=encoded)

    # -- runs and events

    def start_run(
        self,
        thread_id: str,
        question: str,
        *,
        backend: str,
        model: str | None = None,
        profile_id: str | None = None,
        answered_by: str | None = None,
    ) -> int:
        """Store the question as a message and a run with status ``running``; its id."""
        now = _now()
        with self._write() as conn:
            if not conn.execute(
                update(threads).where(threads.c.id == thread_id).values(updated=now)
            ).rowcount:
                raise UnknownThread(thread_id)
            run_id = conn.execute(
                insert(runs)
                .values(
                    thread_id=thread_id,
                    question=question,
                    backend=backend,
                    model=model,
                    profile_id=profile_id,
                    answered_by=answered_by,
                    status="running",
                    owner=_owner(),
                    started=now,
                )
                .returning(runs.c.id)
            ).scalar_one()
            conn.execute(
                insert(messages).values(
                    thread_id=thread_id, run_id=run_id, role="user", text=question, created=now
                )
            )
        return int(run_id)

    def add_event(self, run_id: int, event: Event, *, seq: int | None = None) -> int:
        """Append one event to a run, in a transaction of its own; returns its sequence number.

        Image and file bytes go to ``blobs``; a verification is also kept on the run.
        ``seq`` (from a caller that counts, like :class:`RunRecorder`) saves a query.
        """
        data = event.to_dict()
        data.pop("type", None)
        payload: bytes | None = None
        if event.type in _BLOB_EVENTS and getattr(event, "data", None) is not None:
            payload = bytes(event.data)  # type: ignore[attr-defined]
            data.pop("data_base64", None)
        now = _now()
        with self._write() as conn:
            if seq is None:
                seq = (
                    int(
                        conn.execute(
                            select(func.coalesce(func.max(events.c.seq), 0)).where(
                                events.c.run_id == run_id
                            )
                        ).scalar_one()
                    )
                    + 1
                )
            blob_id = None
            if payload is not None:
                blob_id = conn.execute(
                    insert(blobs)
                    .values(
                        run_id=run_id,
                        mime=data.get("mime") or "application/octet-stream",
                        filename=data.get("filename"),
                        size=len(payload),
                        data=payload,
                        created=now,
                    )
                    .returning(blobs.c.id)
                ).scalar_one()
            conn.execute(
                insert(events).values(
                    run_id=run_id,
                    seq=seq,
                    type=event.type,
                    data=_dumps(data),
                    blob_id=blob_id,
                    created=now,
                )
            )
            if event.type == "verification":
                conn.execute(
                    update(runs)
                    .where(runs.c.id == run_id)
                    .values(verification=_dumps(event.to_dict()))
                )
        return seq

    def _joined_text(self, conn: Connection, run_id: int) -> str:
        rows = conn.execute(
            select(events.c.data)
            .where(events.c.run_id == run_id, events.c.type == "text_delta")
            .order_by(events.c.seq)
        ).scalars()
        return "".join(json.loads(row).get("text", "") for row in rows)

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        usage: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Record how a run ended, and its answer as one assistant message."""
        if status not in RUN_STATES:
            raise StoreError(f"Unknown run status {status!r}; one of {', '.join(RUN_STATES)}.")
        now = _now()
        with self._write() as conn:
            thread_id = conn.execute(
                select(runs.c.thread_id).where(runs.c.id == run_id)
            ).scalar_one_or_none()
            if thread_id is None:
                raise StoreError(f"No stored run has the id {run_id}.")
            values: dict[str, Any] = {"status": status, "finished": now}
            if usage is not None:
                values["usage"] = _dumps(usage)
            if error is not None:
                values["error"] = error
            conn.execute(update(runs).where(runs.c.id == run_id).values(**values))
            answer = self._joined_text(conn, run_id)
            conn.execute(
                delete(messages).where(messages.c.run_id == run_id, messages.c.role == "assistant")
            )
            conn.execute(
                insert(messages).values(
                    thread_id=thread_id, run_id=run_id, role="assistant", text=answer, created=now
                )
            )
            conn.execute(update(threads).where(threads.c.id == thread_id).values(updated=now))

    def run_events(self, run_id: int) -> list[Event]:
        """A run's events in the order they arrived, bytes and all."""
        with self._read() as conn:
            rows = conn.execute(
                select(events.c.type, events.c.data, blobs.c.data.label("blob"))
                .select_from(events.outerjoin(blobs, blobs.c.id == events.c.blob_id))
                .where(events.c.run_id == run_id)
                .order_by(events.c.seq)
            )
            return [_event_from_row(r.type, r.data, r.blob) for r in rows]

    def mark_abandoned_runs(
        self, thread_id: str | None = None, *, idle_seconds: float = ABANDONED_AFTER
    ) -> int:
        """Mark ``running`` runs whose process is gone as ``interrupted``; how many.

        A run's process is gone when it was on this host and its pid no longer runs, or when
        nothing arrived for ``idle_seconds`` (the only sign for another host's runs).
        Their events stay; their answer so far becomes the assistant message.
        """
        query = select(runs.c.id, runs.c.owner, runs.c.started).where(runs.c.status == "running")
        if thread_id is not None:
            query = query.where(runs.c.thread_id == thread_id)
        with self._read() as conn:
            candidates = conn.execute(query).all()
            abandoned = []
            now = _now()
            for run_id, owner, started in candidates:
                if _process_gone(owner):
                    abandoned.append(run_id)
                    continue
                last = conn.execute(
                    select(events.c.created)
                    .where(events.c.run_id == run_id)
                    .order_by(events.c.seq.desc())
                    .limit(1)
                ).scalar_one_or_none()
                latest = _aware(last) or _aware(started)
                if latest is not None and (now - latest).total_seconds() >= idle_seconds:
                    abandoned.append(run_id)
        for run_id in abandoned:
            self.finish_run(
                run_id,
                "interrupted",
                error="The run was interrupted before it finished; what arrived is kept.",
            )
        return len(abandoned)

    def runs_since(self, when: datetime) -> int:
        """How many runs started at or after ``when`` (for quotas on a hosted dashboard)."""
        with self._read() as conn:
            query = select(func.count()).select_from(runs).where(runs.c.started >= when)
            return int(conn.execute(query).scalar_one())

    def runs_today(self, *, now: datetime | None = None) -> int:
        """How many runs started since midnight UTC: every replica counts the same day."""
        now = now or _now()
        return self.runs_since(
            now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        )

    def recorder(
        self,
        conversation: Conversation,
        question: str,
        *,
        backend: str,
        model: str | None = None,
        profile_id: str | None = None,
        answered_by: str | None = None,
    ) -> RunRecorder:
        """Start a run of ``conversation``'s thread; pass the result as ``on_event``."""
        return RunRecorder(
            self,
            conversation,
            question,
            backend=backend,
            model=model,
            profile_id=profile_id,
            answered_by=answered_by,
        )

    # -- whole threads

    def load_conversation(self, thread_id: str) -> Conversation:
        """A stored thread as a :class:`Conversation` to continue: data, options, turns, state.

        Raises :class:`UnknownThread` when there is none.
        """
        from assistant_core.backends.base import Conversation, Turn

        record = self.get_thread(thread_id)
        if record is None:
            raise UnknownThread(thread_id)
        turns = [
            Turn(
                question=run.question,
                events=self.run_events(run.id),
                done=True,
                answered_by=run.answered_by or run.backend,
            )
            for run in record.runs
        ]
        return Conversation(
            record.dataset,
            alpha=record.alpha,
            alternative=record.alternative,
            id=record.id,
            turns=turns,
            remote_id=record.remote_id,
            state=record.state,
        )

    def thread_json(self, thread_id: str) -> dict[str, Any]:
        """One thread whole as strict JSON (``history --json ID``): its data, every message
        with its text, code cells, outputs, images and files (base64), the local report and
        the verdict. Raises :class:`UnknownThread`."""
        record = self.get_thread(thread_id)
        if record is None:
            raise UnknownThread(thread_id)
        data = _dataset_dict(record.dataset)
        for group, stored in zip(data["groups"], record.dataset.groups, strict=True):
            group["n"] = stored.n
        out_messages: list[dict[str, Any]] = []
        for run in record.runs:
            out_messages.append(
                {
                    "role": "user",
                    "run_id": run.id,
                    "text": run.question,
                    "created": _iso(run.started),
                }
            )
            out_messages.append(self._answer_json(run))
        return _finite(
            {
                "id": record.id,
                "title": record.title,
                "created": _iso(record.created),
                "updated": _iso(record.updated),
                "backend": record.backend,
                "model": record.model,
                "profile": {"id": record.profile_id, "name": record.profile_name},
                "remote_id": record.remote_id,
                "data": {**data, "alpha": record.alpha, "alternative": record.alternative},
                "local_report": record.local_report,
                "messages": out_messages,
                "verdict": record.verdict,
            }
        )

    def _answer_json(self, run: RunRecord) -> dict[str, Any]:
        images: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        reasoning: list[str] = []
        reported = None
        events = list(self.run_events(run.id))
        parts = answer_parts(events)
        code_cells = [cell.code for cell in parts.cells if cell.code]
        outputs = parts.outputs
        cells = [{"code": c.code, "output": c.output} for c in parts.cells if c.output.strip()]
        for item in events:
            if item.type == "image_output":
                images.append(item.to_dict())
            elif item.type == "file_output":
                files.append(item.to_dict())
            elif item.type == "reported":
                reported = item.figures  # type: ignore[attr-defined]
            elif item.type == "reasoning_delta":
                reasoning.append(item.text)  # type: ignore[attr-defined]
            elif isinstance(item, Error):
                errors.append(item.to_dict())
        for entry in (*images, *files):
            entry.pop("type", None)
        return {
            "role": "assistant",
            "run_id": run.id,
            "text": run.text,
            "reasoning": "".join(reasoning) or None,
            "answered_by": run.answered_by,
            "backend": run.backend,
            "model": run.model,
            "status": run.status,
            "usage": run.usage,
            "error": run.error,
            "errors": errors,
            "started": _iso(run.started),
            "finished": _iso(run.finished),
            "code_cells": code_cells,
            "outputs": outputs,
            "cells": cells,
            "images": images,
            "files": files,
            "reported": reported,
            "verification": run.verification,
        }

    # -- share links

    def snapshot(self, thread_id: str) -> dict[str, Any]:
        """A thread frozen for sharing: :meth:`thread_json` plus each turn's events in order
        (so it can be shown exactly as it was streamed). Raises :class:`UnknownThread`."""
        thread = self.thread_json(thread_id)
        record = self.get_thread(thread_id)
        turns = [
            {
                "question": run.question,
                "answered_by": run.answered_by or run.backend,
                "events": [event.to_dict() for event in self.run_events(run.id)],
            }
            for run in (record.runs if record is not None else [])
        ]
        return _finite({**thread, "turns": turns})

    @staticmethod
    def _share(row: Any) -> Share:
        return Share(
            token=row.token,
            thread_id=row.thread_id,
            title=row.title,
            created=_aware(row.created),
            revoked=_aware(row.revoked),
        )

    def create_share(self, thread_id: str) -> Share:
        """A new read-only link to a snapshot of the thread as it is now (192 random bits)."""
        snapshot = self.snapshot(thread_id)
        token = secrets.token_urlsafe(24)
        now = _now()
        with self._write() as conn:
            conn.execute(
                insert(shares).values(
                    token=token,
                    thread_id=thread_id,
                    title=snapshot["title"],
                    snapshot=_dumps(snapshot),
                    created=now,
                    revoked=None,
                )
            )
        return Share(token, thread_id, snapshot["title"], now)

    def list_shares(self, thread_id: str | None = None) -> list[Share]:
        """Share links, newest first (of one thread, or all), revoked ones included."""
        query = select(
            shares.c.token, shares.c.thread_id, shares.c.title, shares.c.created, shares.c.revoked
        ).order_by(shares.c.created.desc())
        if thread_id is not None:
            query = query.where(shares.c.thread_id == thread_id)
        with self._read() as conn:
            return [self._share(row) for row in conn.execute(query)]

    def open_share(self, token: str) -> tuple[Share, dict[str, Any]]:
        """The share and its snapshot; :class:`ShareUnavailable` says plainly why not."""
        token = (token or "").strip()
        row = None
        if 16 <= len(token) <= 100:
            with self._read() as conn:
                row = conn.execute(select(shares).where(shares.c.token == token)).first()
        if row is None:
            raise ShareUnavailable(
                "This share link does not exist: it may be mistyped or cut short, or the "
                "analysis it showed was deleted."
            )
        share = self._share(row)
        if share.revoked is not None:
            raise ShareUnavailable(
                f"This share link was revoked by its owner on {share.revoked:%Y-%m-%d}; "
                "the analysis it showed is no longer available through it."
            )
        return share, _loads(row.snapshot)

    def revoke_share(self, token: str) -> bool:
        """End a share link; False when there is no such link (or it was already revoked)."""
        with self._write() as conn:
            result = conn.execute(
                update(shares)
                .where(shares.c.token == token, shares.c.revoked.is_(None))
                .values(revoked=_now())
            )
        return result.rowcount > 0


# --------------------------------------------------------------------------- recording


class RunRecorder:
    """Stores a run's events as they arrive; use it as ``run_turn(..., on_event=recorder)``.

    The run is started when the recorder is made and finished on the final ``Status``
    (``completed``, ``failed``, ``stopped``): then the thread's backend state and remote id
    are saved too, so the next turn, in this process or another, carries on. The store
    failing never breaks the run being watched: the first :class:`StoreError` is kept in
    :attr:`error`, logged, and recording stops.
    """

    def __init__(
        self,
        store: Store,
        conversation: Conversation,
        question: str,
        *,
        backend: str,
        model: str | None = None,
        profile_id: str | None = None,
        answered_by: str | None = None,
    ) -> None:
        self.store = store
        self.conversation = conversation
        self.run_id = store.start_run(
            conversation.id,
            question,
            backend=backend,
            model=model,
            profile_id=profile_id,
            answered_by=answered_by,
        )
        self.finished = False
        self.error: StoreError | None = None
        self._seq = 0
        self._remote_id = conversation.remote_id
        self._last_error: str | None = None

    def __call__(self, event: Event) -> None:
        if self.error is not None:
            return
        try:
            self._seq = self.store.add_event(self.run_id, event, seq=self._seq + 1)
            if self.conversation.remote_id != self._remote_id:  # made by the first turn
                self._remote_id = self.conversation.remote_id
                self.store.set_remote_id(self.conversation.id, self._remote_id)
            if isinstance(event, Error):
                self._last_error = f"{event.kind}: {event.message}"
            elif isinstance(event, Status) and event.state != "running" and not self.finished:
                self.finish(event.state, usage=event.usage)
        except StoreError as exc:
            self.error = exc
            log.warning("run %s is no longer being stored: %s", self.run_id, exc)

    def finish(self, state: str, *, usage: dict[str, Any] | None = None) -> None:
        """End the run (called on the final Status; callable directly, once)."""
        if self.finished:
            return
        self.finished = True
        status = state if state in RUN_STATES else "failed"
        self.store.finish_run(self.run_id, status, usage=usage, error=self._last_error)
        self.store.save_state(self.conversation.id, self.conversation.state)
