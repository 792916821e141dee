"""The store's schema as small numbered migrations, applied in order and recorded.

Each migration is a function of a SQLAlchemy ``Connection`` inside the transaction that
:func:`migrate` runs, so a migration either happens whole and is recorded, or not at all
(SQLite and PostgreSQL both have transactional DDL). A migration describes the schema *as
it was then*: it never imports the current table definitions of :mod:`assistant_core.store`,
which keep changing, so an old database is brought forward through the same steps a new
one took. Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
)

__all__ = [
    "DEFAULT_PROFILE_ID",
    "DEFAULT_PROFILE_INSTRUCTIONS",
    "DEFAULT_PROFILE_NAME",
    "LATEST",
    "MIGRATIONS",
    "Migration",
    "applied_versions",
    "migrate",
    "migrations_table",
]

#: 64-bit integers on PostgreSQL, SQLite's rowid alias there (so it autoincrements)
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _timestamp(name: str, *, nullable: bool = False) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


_migrations_metadata = MetaData()
#: which migrations a database has had; created before anything else, outside the numbering
migrations_table = Table(
    "schema_migrations",
    _migrations_metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    _timestamp("applied"),
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its number, a name for people, and the function doing it."""

    version: int
    name: str
    apply: Callable[[Connection], None]


def _m1_tables(conn: Connection) -> None:
    """Profiles, threads, runs, messages, events and the blobs images and files live in."""
    md = MetaData()
    Table(
        "profiles",
        md,
        Column("id", String(100), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("instructions", Text, nullable=False),
        Column("backend", String(50), nullable=False),
        Column("model", String(200)),
        Column("code_interpreter", Boolean, nullable=False),
        Column("temperature", Float),
        _timestamp("created"),
        _timestamp("updated"),
        UniqueConstraint("name", name="uq_profiles_name"),
    )
    Table(
        "threads",
        md,
        Column("id", String(100), primary_key=True),
        Column("title", String(500), nullable=False),
        Column("profile_id", String(100), ForeignKey("profiles.id", ondelete="SET NULL")),
        # kept so a thread still shows who answered it after its profile is deleted
        Column("profile_name", String(200)),
        Column("backend", String(50), nullable=False),
        Column("model", String(200)),
        Column("dataset", Text, nullable=False),  # JSON: groups (names, values), design, source
        Column("alpha", Float, nullable=False),
        Column("alternative", String(20), nullable=False),
        Column("local_report", Text),  # JSON: stats.check(...).to_dict()
        Column("remote_id", String(200)),  # the provider's conversation id
        Column("state", Text, nullable=False),  # JSON: what backends carry between turns
        _timestamp("created"),
        _timestamp("updated"),
    )
    Table(
        "runs",
        md,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column(
            "thread_id",
            String(100),
            ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("question", Text, nullable=False),
        Column("backend", String(50), nullable=False),
        Column("model", String(200)),
        Column("profile_id", String(100), ForeignKey("profiles.id", ondelete="SET NULL")),
        Column("answered_by", String(200)),  # the backend's label
        Column("status", String(20), nullable=False),
        Column("usage", Text),  # JSON
        Column("error", Text),
        Column("verification", Text),  # JSON: the run's verification event
        # host:pid of the process streaming it, to tell a live run from an abandoned one
        Column("owner", String(300)),
        _timestamp("started"),
        _timestamp("finished", nullable=True),
        sqlite_autoincrement=True,  # a deleted thread's run ids are never handed out again
    )
    Table(
        "messages",
        md,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column(
            "thread_id", String(100), ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
        ),
        Column("run_id", BigId, ForeignKey("runs.id", ondelete="CASCADE")),
        Column("role", String(20), nullable=False),  # user | assistant
        Column("text", Text, nullable=False),
        _timestamp("created"),
        Index("ix_messages_thread", "thread_id", "id"),
    )
    Table(
        "blobs",
        md,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column(
            "run_id", BigId, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        Column("mime", String(200), nullable=False),
        Column("filename", String(500)),
        Column("size", BigInteger, nullable=False),
        Column("data", LargeBinary, nullable=False),
        _timestamp("created"),
    )
    Table(
        "events",
        md,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("run_id", BigId, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("type", String(40), nullable=False),
        Column("data", Text, nullable=False),  # JSON: to_dict() without the bytes
        Column("blob_id", BigId, ForeignKey("blobs.id", ondelete="CASCADE")),
        _timestamp("created"),
        UniqueConstraint("run_id", "seq", name="uq_events_run_seq"),
    )
    md.create_all(conn)


DEFAULT_PROFILE_ID = "research-analyst"
DEFAULT_PROFILE_NAME = "Research Analyst"
DEFAULT_PROFILE_INSTRUCTIONS = """\
You are a careful research analyst. A person has given you two or more groups of numbers and \
wants to know, with evidence they can check, whether the groups differ.

Work rigorously and show your work in the code interpreter:
1. Describe the data first: n, mean, standard deviation, median and range of each group, \
and any missing or extreme values.
2. Choose the test for the design (independent, paired or three or more groups) and say \
which test you chose and why. Prefer Welch's t-test to Student's for two independent \
groups unless there is a reason not to; use the paired t-test or Wilcoxon signed-rank for \
paired data; one-way or Welch ANOVA with a post-hoc test, or Kruskal-Wallis, for more groups.
3. Check the assumptions the test rests on (normality with Shapiro-Wilk and a look at the \
distributions, equality of variances with Levene's test) and say what you concluded from \
them; when an assumption fails, say so and use a test that does not need it.
4. Report the test statistic with its degrees of freedom, the exact p-value, the \
difference with its confidence interval, and an effect size (Cohen's d or Hedges' g). \
Give every figure with the precision it has (for example t(14.78) = -6.71, \
p = 7.56 x 10^-6) and never round a p-value to zero.
5. Every statement you make must rest on a result you computed: say which one (the test, \
the interval, the plot). Do not invent figures; if something cannot be computed, say so.
6. End with a plain-language conclusion at the chosen significance level, with its \
limits (sample size, assumptions, what the test cannot tell).
"""


def _m2_default_profile(conn: Connection) -> None:
    """The built-in "Research Analyst" profile every new store starts with."""
    profiles = Table("profiles", MetaData(), autoload_with=conn)
    if conn.execute(select(profiles.c.id).where(profiles.c.name == DEFAULT_PROFILE_NAME)).first():
        return
    now = datetime.now(UTC)
    conn.execute(
        insert(profiles).values(
            id=DEFAULT_PROFILE_ID,
            name=DEFAULT_PROFILE_NAME,
            instructions=DEFAULT_PROFILE_INSTRUCTIONS,
            backend="auto",
            model=None,
            code_interpreter=True,
            temperature=None,
            created=now,
            updated=now,
        )
    )


def _m3_activity_indexes(conn: Connection) -> None:
    """History lists threads by latest activity; abandoned runs are found by status."""
    md = MetaData()
    threads = Table("threads", md, autoload_with=conn)
    runs = Table("runs", md, autoload_with=conn)
    Index("ix_threads_updated", threads.c.updated).create(conn)
    Index("ix_runs_status", runs.c.status).create(conn)


def _m4_shares(conn: Connection) -> None:
    """Read-only share links: a token, the thread, and a snapshot of it as it was shared."""
    md = MetaData()
    Table("threads", md, autoload_with=conn)
    Table(
        "shares",
        md,
        Column("token", String(100), primary_key=True),  # >= 128 random bits, URL-safe
        Column(
            "thread_id",
            String(100),
            ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("title", String(500), nullable=False),
        Column("snapshot", Text, nullable=False),  # JSON: the thread whole, events in order
        _timestamp("created"),
        Column("revoked", DateTime(timezone=True)),
    ).create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "tables", _m1_tables),
    Migration(2, "default profile", _m2_default_profile),
    Migration(3, "activity indexes", _m3_activity_indexes),
    Migration(4, "share links", _m4_shares),
)
#: the newest schema this code knows
LATEST = MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> set[int]:
    """The migrations recorded in ``conn``'s database (creating the record table if new)."""
    migrations_table.create(conn, checkfirst=True)
    return set(conn.execute(select(migrations_table.c.version)).scalars())


def migrate(conn: Connection, *, upto: int | None = None) -> list[int]:
    """Apply, in order, the migrations not yet recorded (up to ``upto``); returns their numbers.

    Runs inside the caller's transaction, which the caller has made exclusive (a write lock
    on SQLite, an advisory lock on PostgreSQL), so two processes never migrate at once.
    """
    done = applied_versions(conn)
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done or (upto is not None and migration.version > upto):
            continue
        migration.apply(conn)
        conn.execute(
            insert(migrations_table).values(
                version=migration.version, name=migration.name, applied=datetime.now(UTC)
            )
        )
        applied.append(migration.version)
    return applied
