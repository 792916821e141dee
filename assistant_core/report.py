"""Export of an analysis: one Markdown document, or one self-contained HTML file.

Both formats take the dict of :meth:`assistant_core.store.Store.thread_json` (what
``history --json ID`` prints) and say the same things in the same order, so a report can be
read on its own and the analysis redone without the dashboard:

1. the title, when it was made, the backend, model and assistant profile;
2. the result as it would be reported (:func:`assistant_core.reporting.report_line` on the
   local checks) and the recommended test with the reasons for it;
3. the data (every value, or the first rows of a large data set) and a SHA-256 of the data
   set whole (:data:`HASH_RECIPE` says exactly what is hashed, so anyone can recompute it);
4. the local results: every test, assumptions, descriptives, effect sizes, warnings;
5. the conversation: each question, the assistant's text, code cells, outputs, figures,
   files, errors and status, and each run's verdict against the local checks;
6. the equivalent R and Python (scipy) calls that reproduce the local checks;
7. the versions of the software on the machine that made the report.

Numbers: statistics, differences, interval bounds and effect sizes to four decimals,
p-values to four significant digits, degrees of freedom as :func:`reporting.format_df`.

Figures: the HTML report embeds every image as a ``data:`` URI. The Markdown report writes a
placeholder line per image (``[figure N: image/png, 12.3 kB, embedded in the HTML report]``):
data URIs make Markdown unreadable and many viewers refuse them; ``embed_images=True`` embeds
them anyway.

Nothing here reaches the network and nothing is trusted: every string from a person or a
model is escaped for the format it lands in, and anything shaped like an API key is removed
(:func:`assistant_core.backends.provider_errors.scrub`) even though the store never keeps one.
The HTML rendering lives in :mod:`assistant_core.report_html`.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import importlib.metadata
import io
import itertools
import os
import platform
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant_core.backends.openai import INLINE_LIMIT, dataset_csv
from assistant_core.backends.provider_errors import scrub
from assistant_core.data import Dataset, Group
from assistant_core.reporting import (
    TEST_NAMES,
    format_number,
    report_line,
    table_rows,
    usage_line,
    variant_name,
    wrap_items,
)
from assistant_core.stats import EXACT_LIMIT, check

__all__ = [
    "CODE_SPAN",
    "EMBED_LIMIT",
    "FENCE_LINE",
    "FIRST_ROWS",
    "HASH_RECIPE",
    "MARKDOWN_CSV_LIMIT",
    "REPORT_FORMATS",
    "REPORT_MEDIA_TYPES",
    "VERSIONS_NOTE",
    "ReportFormat",
    "Table",
    "closes_fence",
    "conversation_code",
    "dashboard_version",
    "data_csv",
    "data_rows",
    "data_sha256",
    "descriptives_table",
    "effects_table",
    "error_lines",
    "fence",
    "first_rows",
    "format_pvalue",
    "format_size",
    "format_value",
    "groups_table",
    "is_large",
    "local_source_note",
    "md_inline",
    "md_prose",
    "md_table",
    "meta_rows",
    "normality_table",
    "package_versions",
    "post_hoc_table",
    "prepare",
    "python_code",
    "r_code",
    "r_string",
    "render_report",
    "report_filename",
    "report_html",
    "report_markdown",
    "safe_image_mime",
    "tests_table",
    "value_count",
    "variant_line",
    "verdict_table",
]

ReportFormat = Literal["md", "html"]
#: the formats :func:`render_report` writes (``report ID --format md|html``)
REPORT_FORMATS: tuple[ReportFormat, ...] = ("md", "html")
#: what a download of each format is (for ``st.download_button(mime=...)``)
REPORT_MEDIA_TYPES: dict[str, str] = {"md": "text/markdown", "html": "text/html"}

#: what :func:`data_sha256` hashes, in words a person can follow to recompute it
HASH_RECIPE = (
    "What is hashed: the UTF-8 bytes of data.csv, the data in long layout with the header "
    "`group,value` (paired data: `pair,group,value`, pairs numbered from 1), one row per "
    "value, groups in the order shown and values in the order entered (missing cells already "
    "dropped), each value written as Python's `repr(float(value))` (the shortest decimal that "
    "reads back as the same double, e.g. `54.0`, `1e-05`), a field quoted only when it "
    "contains a comma, a double quote or a line break (quotes doubled), every line ending in "
    "one LF, the last one included: what pandas writes with "
    '`DataFrame.to_csv(index=False, lineterminator="\\n")`.'
)
#: the Markdown report appends data.csv whole up to this many rows
MARKDOWN_CSV_LIMIT = 5000
#: the HTML report embeds data.csv and the assistant's files up to this many bytes each
EMBED_LIMIT = 20_000_000
#: rows of data.csv shown for a data set too large to list in full
FIRST_ROWS = 20

_R_ALTERNATIVES = {"two-sided": "two.sided", "less": "less", "greater": "greater"}
_EFFECT_LABELS = {
    "cohens_d": "Cohen's d",
    "hedges_g": "Hedges' g",
    "cohens_dz": "Cohen's d_z",
    "eta_squared": "η² (eta squared)",
    "omega_squared": "ω² (omega squared)",
}
_DESIGN_WORDS = {
    "independent": "two independent groups",
    "paired": "paired measurements (two groups, same subjects)",
    "multi": "three or more independent groups",
}
#: packages whose versions every report names (missing ones are left out)
_PACKAGES = ("numpy", "scipy", "pandas", "matplotlib", "streamlit", "openai")
#: packages named only when the conversation's code used them
_IF_USED = ("statsmodels", "pingouin")
_WIDTH = 88  # wrap data literals in the reproduction code at this many characters


# --------------------------------------------------------------------------- public API


def render_report(thread: Mapping[str, Any], fmt: ReportFormat) -> str:
    """The report of ``thread`` (a ``Store.thread_json`` dict) as ``"md"`` or ``"html"``."""
    if fmt == "md":
        return report_markdown(thread)
    if fmt == "html":
        return report_html(thread)
    raise ValueError(f"Unknown report format {fmt!r}; one of {', '.join(REPORT_FORMATS)}.")


def report_markdown(
    thread: Mapping[str, Any], *, embed_images: bool = False, now: datetime | None = None
) -> str:
    """The report as one Markdown document (figures as placeholder lines unless
    ``embed_images``; the HTML report always embeds them)."""
    prepared = prepare(thread)
    parts = [
        *_md_heading(prepared, now),
        *_md_result(prepared),
        *_md_data(prepared),
        *_md_local_results(prepared["local_report"]),
        *_md_conversation(prepared, embed_images),
        *_md_reproduce(prepared),
        *_md_versions(prepared),
        *_md_appendix(prepared),
    ]
    return _final_scrub("\n".join(parts).rstrip("\n") + "\n")


def report_html(thread: Mapping[str, Any], *, now: datetime | None = None) -> str:
    """The report as one self-contained HTML file: inline CSS, images as ``data:`` URIs,
    no script and no external reference."""
    from assistant_core.report_html import html_document

    return _final_scrub(html_document(prepare(thread), now=now))


def report_filename(thread: Mapping[str, Any], fmt: ReportFormat) -> str:
    """A safe file name for a download, e.g. ``analysis-8a5f2ee593be.html``."""
    ident = re.sub(r"[^A-Za-z0-9_-]", "", str(thread.get("id") or ""))[:12] or "thread"
    return f"analysis-{ident}.{fmt}"


# --------------------------------------------------------------------------- the thread


def _secrets() -> list[str]:
    """Keys this process knows of: whatever else happens, they never reach a report."""
    names = ("OPENAI_API_KEY", "CHAT_API_KEY")
    found = [os.environ.get(name) for name in names]
    found += [value for key, value in os.environ.items() if key.endswith("_API_KEY")]
    return [value for value in found if value and len(value) >= 8]


def _scrubbed(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {
            key: item if key in ("data_base64", "values") else _scrubbed(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrubbed(item, secrets) for item in value]
    return value


def _final_scrub(document: str) -> str:
    """Belt and braces over the whole document (base64 has no ``-``, so images survive)."""
    return scrub(document, _secrets())


def prepare(thread: Mapping[str, Any]) -> dict[str, Any]:
    """A scrubbed copy of ``thread`` with what both formats need worked out once.

    Adds ``_csv`` (data.csv of the data as stored: the hash covers the data as analysed,
    even where a key-shaped group name is shown as ``[key]``), ``_sha256`` and a
    ``local_report`` (computed now, and said so, when the thread has none stored).
    """
    original = dict(thread)  # only read: _scrubbed builds new containers
    prepared = _scrubbed(original, _secrets())
    prepared["_csv"] = data_csv(original)
    prepared["_sha256"] = hashlib.sha256(prepared["_csv"].encode("utf-8")).hexdigest()
    prepared["_names_scrubbed"] = [g["name"] for g in prepared["data"]["groups"]] != [
        g["name"] for g in original["data"]["groups"]
    ]
    prepared["_local_computed_now"] = prepared.get("local_report") is None
    if prepared["_local_computed_now"]:
        data = prepared["data"]
        alternative = data.get("alternative") or "two-sided"
        report = check(_dataset(original), data.get("alpha", 0.05), alternative)
        prepared["local_report"] = report.to_dict()
    values = [g["values"] for g in original["data"]["groups"]]
    for message in prepared.get("messages") or []:
        if message.get("role") == "assistant" and message.get("verification") is not None:
            message["verification"] = with_claims(message, prepared["local_report"], values)
    return prepared


def with_claims(
    message: Mapping[str, Any], local_report: Mapping[str, Any], values: Sequence[Any]
) -> dict[str, Any]:
    """A stored answer's verdict, re-checked claim by claim when it was stored by a version
    before the claims."""
    verification = dict(message.get("verification") or {})
    if verification.get("claims"):
        return verification
    from assistant_core.claims import check_parts

    if message.get("cells"):
        cells = [(c.get("code") or "", c.get("output") or "") for c in message["cells"]]
    else:  # stored before cells were kept: each output, with no code beside it
        cells = [("", output) for output in message.get("outputs") or []]
    claims = check_parts(
        message.get("text") or "", cells, message.get("reported"), local_report, values
    )
    data = claims.to_dict()
    verification.update(claims=data["claims"], coverage=data["coverage"], notes=data["notes"])
    verification.setdefault("variant", claims.variant)
    return verification


def answer_claims(message: Mapping[str, Any]) -> list[Any]:
    """The numbered claims of one stored answer."""
    from assistant_core.claims.marks import number
    from assistant_core.claims.model import Claim

    verification = message.get("verification") or {}
    return number(Claim.from_dict(c) for c in verification.get("claims") or [])


def claims_lines(numbered: Sequence[Any]) -> list[str]:
    """The claims of an answer as lines (both formats): contradicted first, with reasons."""
    from assistant_core.claims.marks import hover, listing, mark_text

    return [
        f"{item.index}. {mark_text(item.claim)} {item.claim.reported}: {hover(item.claim)}"
        for item in listing(numbered)
    ]


def _dataset(thread: Mapping[str, Any]) -> Dataset:
    data = thread["data"]
    groups = tuple(
        Group(g["name"], np.asarray(g["values"], dtype=float), int(g.get("missing", 0)))
        for g in data["groups"]
    )
    return Dataset(groups=groups, paired=bool(data.get("paired")), source=data.get("source", ""))


def data_csv(thread: Mapping[str, Any]) -> str:
    """data.csv of the thread's data (long layout; see :data:`HASH_RECIPE`)."""
    return dataset_csv(_dataset(thread))


def data_sha256(thread: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of :func:`data_csv`: one value changed, the hash changes."""
    return hashlib.sha256(data_csv(thread).encode("utf-8")).hexdigest()


def value_count(data: Mapping[str, Any]) -> int:
    """How many values the data set holds (rows of data.csv)."""
    return sum(len(g["values"]) for g in data["groups"])


def is_large(data: Mapping[str, Any]) -> bool:
    """Too many values to list in the report and inline in the code (the same limit as what
    goes inline to a model)."""
    return value_count(data) > INLINE_LIMIT


# --------------------------------------------------------------------------- numbers


def format_value(value: Any) -> str:
    """A statistic, difference, bound or effect size: four decimals (``n/a`` if missing)."""
    return format_number(value, 4)


def format_pvalue(value: Any) -> str:
    """A p-value to four significant digits, e.g. ``7.557e-06``, ``0.2571``."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    return f"{value:.4g}"


def _bound(value: Any, infinite: str, alternative: str, open_side: str) -> str:
    """A one-sided interval has no bound on one side: shown as ``-inf``/``inf``."""
    if value is None and alternative == open_side:
        return infinite
    return format_value(value)


def _shown(value: Any) -> str:
    """A figure of a verdict as given (reported figures may be text)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:.8g}"
    if isinstance(value, str) and value in TEST_NAMES:
        return TEST_NAMES[value]
    return str(value)


def _when(stamp: Any) -> str:
    if not stamp:
        return "unknown"
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def format_size(count: int) -> str:
    """``70 bytes``, ``19.1 kB``."""
    return f"{count / 1000:.1f} kB" if count >= 1000 else f"{count} bytes"


def _decoded(entry: Mapping[str, Any]) -> bytes | None:
    text = entry.get("data_base64")
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """A table both formats draw: plain strings, escaped by the renderer."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def meta_rows(thread: Mapping[str, Any], now: datetime | None) -> list[tuple[str, str]]:
    """Who answered, with what, and when."""
    profile = (thread.get("profile") or {}).get("name") or "none (defaults)"
    answered = []
    for message in thread.get("messages", []):
        who = message.get("answered_by")
        if message.get("role") == "assistant" and who and who not in answered:
            answered.append(who)
    rows = [
        ("Thread", str(thread.get("id") or "")),
        ("Created", _when(thread.get("created"))),
        ("Last updated", _when(thread.get("updated"))),
        ("Report made", _when((now or datetime.now(UTC)).isoformat())),
        ("Backend", str(thread.get("backend") or "unknown")),
        ("Model", str(thread.get("model") or "none (no model named)")),
        ("Assistant profile", str(profile)),
    ]
    if answered:
        rows.append(("Answered by", "; ".join(answered)))
    return rows


def data_rows(thread: Mapping[str, Any]) -> list[tuple[str, str]]:
    """How the data were analysed: design, alpha, alternative, source, size."""
    data = thread["data"]
    alpha = data.get("alpha", 0.05)
    return [
        ("Design", _DESIGN_WORDS.get(data.get("design", ""), str(data.get("design")))),
        ("Significance level", f"α = {alpha:g} ({_level(alpha)} intervals)"),
        ("Alternative", str(data.get("alternative", "two-sided"))),
        ("Source", str(data.get("source") or "unknown")),
        ("Values", f"{value_count(data)} in {len(data['groups'])} groups"),
    ]


def _level(alpha: float) -> str:
    return f"{round((1 - alpha) * 100, 4):g}%"


def groups_table(data: Mapping[str, Any]) -> Table:
    """One row per group; its values in full for a small data set."""
    large = is_large(data)
    columns = ("Group", "n", "missing") + (() if large else ("values",))
    rows = []
    for group in data["groups"]:
        row = (str(group["name"]), str(len(group["values"])), str(group.get("missing", 0)))
        if not large:
            row += (", ".join(repr(float(v)) for v in group["values"]),)
        rows.append(row)
    return Table(columns, tuple(rows))


def first_rows(csv_text: str, count: int = FIRST_ROWS) -> str:
    """The header and the first ``count`` rows of data.csv (CSV rows may span lines)."""
    rows = itertools.islice(csv.reader(io.StringIO(csv_text)), count + 1)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def tests_table(report: Mapping[str, Any]) -> Table:
    """Every test of the local report with its statistic, df, p, difference and interval."""
    alternative = report.get("alternative", "two-sided")
    rows = []
    for row in table_rows(report):
        has_ci = row["ci_low"] is not None or row["ci_high"] is not None
        rows.append(
            (
                row["test"] + (" (recommended)" if row["recommended"] else ""),
                format_value(row["statistic"]),
                row["df"] or "",
                format_pvalue(row["p_value"]),
                "" if row["difference"] is None else format_value(row["difference"]),
                _bound(row["ci_low"], "-inf", alternative, "less") if has_ci else "",
                _bound(row["ci_high"], "inf", alternative, "greater") if has_ci else "",
            )
        )
    level = _level(report.get("alpha", 0.05))
    columns = ("Test", "statistic", "df", "p", "difference", f"{level} CI low", "CI high")
    return Table(columns, tuple(rows))


def normality_table(report: Mapping[str, Any]) -> Table | None:
    """Shapiro-Wilk per group (and of the differences, for paired data)."""
    shapiro = report.get("tests", {}).get("shapiro_wilk") or {}
    if not shapiro:
        return None
    rows = tuple(
        (str(name), format_value(r.get("statistic")), format_pvalue(r.get("p_value")))
        for name, r in shapiro.items()
    )
    return Table(("Shapiro-Wilk", "W", "p"), rows)


def descriptives_table(report: Mapping[str, Any]) -> Table:
    """n, missing, mean, SD, SEM, median, min and max of each group."""
    keys = ("mean", "sd", "sem", "median", "min", "max")
    rows = tuple(
        (
            str(g["name"]),
            str(g.get("n", "")),
            str(g.get("missing", 0)),
            *(format_value(g.get(k)) for k in keys),
        )
        for g in report.get("groups", [])
    )
    return Table(("Group", "n", "missing", "mean", "SD", "SEM", "median", "min", "max"), rows)


def effects_table(report: Mapping[str, Any]) -> Table | None:
    """Each effect size with its interval where there is one."""
    effects = report.get("effect_sizes") or {}
    rows = []
    for key, value in effects.items():
        if key.endswith(("_ci_low", "_ci_high")):
            continue
        low, high = effects.get(f"{key}_ci_low"), effects.get(f"{key}_ci_high")
        has_ci = f"{key}_ci_low" in effects or f"{key}_ci_high" in effects
        alternative = report.get("alternative", "two-sided")
        rows.append(
            (
                _EFFECT_LABELS.get(key, key),
                format_value(value),
                _bound(low, "-inf", alternative, "less") if has_ci else "",
                _bound(high, "inf", alternative, "greater") if has_ci else "",
            )
        )
    if not rows:
        return None
    level = _level(report.get("alpha", 0.05))
    return Table(("Effect size", "value", f"{level} CI low", "CI high"), tuple(rows))


def post_hoc_table(report: Mapping[str, Any]) -> Table | None:
    """Tukey HSD pairs (difference = first named minus second)."""
    pairs = report.get("tests", {}).get("post_hoc") or []
    if not pairs:
        return None
    rows = tuple(
        (
            f"{p['group_a']} − {p['group_b']}",
            format_value(p.get("mean_difference")),
            format_pvalue(p.get("p_value")),
            format_value(p.get("ci_low")),
            format_value(p.get("ci_high")),
        )
        for p in pairs
    )
    level = _level(report.get("alpha", 0.05))
    return Table(("Tukey HSD pair", "difference", "p", f"{level} CI low", "CI high"), rows)


def verdict_table(verification: Mapping[str, Any]) -> Table:
    """Each key figure of the test used, as the reader reads it, against the local one."""
    words = {"match": "confirmed", "mismatch": "contradicted", "not_reported": "not reported"}
    rows = tuple(
        (
            str(f.get("name", "")),
            _shown(f.get("reported")),
            _shown(f.get("local")),
            words.get(f.get("status", ""), str(f.get("status", ""))),
            str(f.get("note") or ""),
        )
        for f in verification.get("figures", [])
    )
    return Table(("Figure", "reported", "local", "status", "note"), rows)


def variant_line(verification: Mapping[str, Any]) -> str:
    """Which test the assistant's figures are of, in words."""
    variant = verification.get("variant")
    if variant:
        return f"The figures are those of {variant_name(variant)}."
    return "No figures of a test to identify it by."


def local_source_note(thread: Mapping[str, Any]) -> str:
    """Where the local figures come from (stored with the thread, or computed now)."""
    if thread.get("_local_computed_now"):
        return "Computed now with scipy: the thread had no stored local report."
    return "Computed locally with scipy, independently of the assistant, when the data came in."


# --------------------------------------------------------------------------- versions


def dashboard_version() -> str | None:
    """The dashboard's own version: installed metadata, else the pyproject.toml beside it."""
    try:
        return importlib.metadata.version("research-assistant-dashboard")
    except importlib.metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    version = project.get("version")
    return str(version) if version else None


def package_versions(code: str = "") -> dict[str, str]:
    """Python's and the packages' versions here; ``statsmodels``/``pingouin`` only when
    ``code`` (the conversation's) imports them. Packages not installed are left out."""
    versions = {"python": platform.python_version()}
    own = dashboard_version()
    if own:
        versions["research-assistant-dashboard"] = own
    wanted = list(_PACKAGES) + [name for name in _IF_USED if re.search(rf"\b{name}\b", code)]
    for name in wanted:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def conversation_code(thread: Mapping[str, Any]) -> str:
    """All code the conversation ran (to tell which optional packages it used)."""
    return "\n".join(cell for m in thread.get("messages", []) for cell in m.get("code_cells") or [])


VERSIONS_NOTE = (
    "Versions on the machine that made this report (the local checks run here; a hosted "
    "code interpreter runs its own)."
)


# --------------------------------------------------------------------------- reproduction


def _wrap(items: Sequence[str], opening: str, closing: str, indent: int) -> str:
    return wrap_items(items, opening, closing, indent=indent, width=_WIDTH)


def _numbers(values: Iterable[float]) -> list[str]:
    return [repr(float(v)) for v in values]


def r_string(text: str) -> str:
    """``text`` as an R string literal: nothing in it can end the string or the line."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\0":
            out.append("\\ufffd")  # R strings cannot hold NUL
        elif not char.isprintable():
            out.append(f"\\u{{{ord(char):04x}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _conf(alpha: float) -> str:
    return f"{round(1 - alpha, 10):g}"


def _exact_mann_whitney(a: Sequence[float], b: Sequence[float]) -> bool:
    """As the local checks (and R): exact p when both n < 50 and no value is tied."""
    pooled = np.concatenate([np.asarray(a, float), np.asarray(b, float)])
    return len(a) < EXACT_LIMIT and len(b) < EXACT_LIMIT and len(np.unique(pooled)) == len(pooled)


def _exact_signed_rank(a: Sequence[float], b: Sequence[float]) -> bool:
    """As the local checks (and R): exact p when n < 50, no zero and no tied difference."""
    diff = np.asarray(a, float) - np.asarray(b, float)
    nonzero = diff[diff != 0]
    untied = len(np.unique(np.abs(nonzero))) == len(nonzero)
    return len(nonzero) == len(diff) and len(nonzero) < EXACT_LIMIT and untied


def r_code(thread: Mapping[str, Any]) -> str:
    """R calls that reproduce the local checks, the data inline as ``c(...)`` vectors (a
    large data set is read from data.csv instead)."""
    data = thread["data"]
    design = data.get("design", "independent")
    alpha = float(data.get("alpha", 0.05))
    alternative = _R_ALTERNATIVES.get(data.get("alternative", "two-sided"), "two.sided")
    names = [str(g["name"]) for g in data["groups"]]
    lines = ["# Reproduces the local checks in R; differences are first group minus second."]
    lines += _r_data(data, names)
    opts = f'alternative = "{alternative}", conf.level = {_conf(alpha)}'
    if design == "multi":
        lines += [
            "oneway.test(value ~ group, data = d, var.equal = TRUE)   # one-way ANOVA",
            "oneway.test(value ~ group, data = d, var.equal = FALSE)  # Welch's ANOVA",
            "kruskal.test(value ~ group, data = d)                    # Kruskal-Wallis",
            "# Tukey HSD: R's diff is the second named group minus the first (e.g. trt1-ctrl)",
            f"TukeyHSD(aov(value ~ group, data = d), conf.level = {_conf(alpha)})",
        ]
    elif design == "paired":
        lines += [
            f"t.test(a, b, paired = TRUE, {opts})  # paired t-test",
            f'wilcox.test(a, b, paired = TRUE, alternative = "{alternative}")'
            "  # Wilcoxon signed-rank: V",
            "shapiro.test(a - b)  # normality of the differences",
        ]
    else:
        lines += [
            f"t.test(a, b, var.equal = FALSE, {opts})  # Welch's t-test",
            f"t.test(a, b, var.equal = TRUE, {opts})   # Student's t-test",
            f'wilcox.test(a, b, alternative = "{alternative}")  # Mann-Whitney U: W = U of a',
        ]
    if design != "paired":
        lines += [
            "by(d$value, d$group, shapiro.test)  # normality in each group",
            "# Levene's test, median-centred (the same as car::leveneTest(value ~ group, d)):",
            "anova(lm(abs(value - ave(value, group, FUN = median)) ~ group, data = d))",
        ]
    return "\n".join(lines) + "\n"


def _r_data(data: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    levels = _wrap([r_string(n) for n in names], "c(", ")", 2)
    if is_large(data):
        lines = [
            f"# the data as in data.csv ({value_count(data)} rows, long layout; see the report)",
            'd <- read.csv("data.csv", colClasses = c(group = "character"),',
            '              na.strings = character(0), encoding = "UTF-8")',
            f"d$group <- factor(d$group, levels = {levels})",
        ]
        if data.get("design") != "multi":
            lines += [
                f"a <- d$value[d$group == {r_string(names[0])}]",
                f"b <- d$value[d$group == {r_string(names[1])}]",
            ]
        return lines
    if data.get("design") == "multi":
        entries = [
            f"  {r_string(g['name'])} = {_wrap(_numbers(g['values']), 'c(', ')', 2)}"
            for g in data["groups"]
        ]
        return [
            "groups <- list(",
            ",\n".join(entries),
            ")",
            "d <- data.frame(",
            "  group = factor(rep(names(groups), lengths(groups)), levels = names(groups)),",
            "  value = unlist(groups, use.names = FALSE)",
            ")",
        ]
    a, b = data["groups"][:2]
    lines = [
        f"# a: {r_string(a['name'])}, b: {r_string(b['name'])}",
        f"a <- {_wrap(_numbers(a['values']), 'c(', ')', 0)}",
        f"b <- {_wrap(_numbers(b['values']), 'c(', ')', 0)}",
    ]
    if data.get("design") != "paired":
        lines += [
            f"group_names <- {levels}",
            "d <- data.frame(",
            "  group = factor(rep(group_names, c(length(a), length(b))), levels = group_names),",
            "  value = c(a, b)",
            ")",
        ]
    return lines


def python_code(thread: Mapping[str, Any]) -> str:
    """A Python script (scipy) that reproduces the local checks and runs as it is; a large
    data set is read from data.csv instead of inlined."""
    data = thread["data"]
    design = data.get("design", "independent")
    alpha = float(data.get("alpha", 0.05))
    alternative = str(data.get("alternative", "two-sided"))
    lines = [
        "# Reproduces the local checks with scipy; differences are first group minus second.",
        "import numpy as np",
        "from scipy import stats",
        "",
        *_py_data(data),
        "",
    ]
    builders: dict[str, Callable[[Mapping[str, Any], float, str], list[str]]] = {
        "multi": _py_multi,
        "paired": _py_paired,
    }
    lines += builders.get(design, _py_independent)(data, alpha, alternative)
    return "\n".join(lines) + "\n"


def _py_data(data: Mapping[str, Any]) -> list[str]:
    names = [str(g["name"]) for g in data["groups"]]
    multi = data.get("design") == "multi"
    if is_large(data):
        lines = [
            f"# the data as in data.csv ({value_count(data)} rows, long layout; see the report)",
            "import pandas as pd",
            "",
            'data = pd.read_csv("data.csv", dtype={"group": str}, keep_default_na=False)',
            "",
            "def values_of(name):",
            '    return data.loc[data["group"] == name, "value"].to_numpy(dtype=float)',
            "",
        ]
        if multi:
            listed = _wrap([repr(n) for n in names], "[", "]", 0)
            return [*lines, f"names = {listed}", "groups = [values_of(name) for name in names]"]
        return [*lines, f"a = values_of({names[0]!r})", f"b = values_of({names[1]!r})"]
    if multi:
        entries = [
            f"    {str(g['name'])!r}: {_wrap(_numbers(g['values']), '[', ']', 4)},"
            for g in data["groups"]
        ]
        return ["samples = {", *entries, "}", "groups = [np.array(v) for v in samples.values()]"]
    a, b = data["groups"][:2]
    return [
        f"# a: {str(a['name'])!r}, b: {str(b['name'])!r}",
        f"a = np.array({_wrap(_numbers(a['values']), '[', ']', 0)})",
        f"b = np.array({_wrap(_numbers(b['values']), '[', ']', 0)})",
    ]


def _values(data: Mapping[str, Any], index: int) -> list[float]:
    return [float(v) for v in data["groups"][index]["values"]]


def _py_independent(data: Mapping[str, Any], alpha: float, alternative: str) -> list[str]:
    exact = _exact_mann_whitney(_values(data, 0), _values(data, 1))
    method = '"exact"' if exact else '"asymptotic", use_continuity=True'
    why = "both n < 50 and no ties" if exact else "ties or n >= 50: normal approximation"
    conf = _conf(alpha)
    return [
        f'welch = stats.ttest_ind(a, b, equal_var=False, alternative="{alternative}")',
        f'print("Welch\'s t-test:", welch, welch.confidence_interval({conf}))',
        f'student = stats.ttest_ind(a, b, equal_var=True, alternative="{alternative}")',
        f'print("Student\'s t-test:", student, student.confidence_interval({conf}))',
        f"# Mann-Whitney U of the first group (R's W); {why}, as R",
        "mann_whitney = stats.mannwhitneyu(",
        f'    a, b, alternative="{alternative}", method={method}',
        ")",
        'print("Mann-Whitney U:", mann_whitney)',
        "shapiro = [stats.shapiro(a), stats.shapiro(b)]",
        'levene = stats.levene(a, b, center="median")',
        'print("Shapiro-Wilk:", shapiro, "Levene (median):", levene)',
        "# Cohen's d (pooled SD)",
        "pooled_var = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (",
        "    len(a) + len(b) - 2",
        ")",
        "cohens_d = (a.mean() - b.mean()) / np.sqrt(pooled_var)",
        'print("Cohen\'s d:", cohens_d)',
    ]


def _py_paired(data: Mapping[str, Any], alpha: float, alternative: str) -> list[str]:
    exact = _exact_signed_rank(_values(data, 0), _values(data, 1))
    method = '"exact"' if exact else '"asymptotic"'
    why = "n < 50, no zero and no tied difference" if exact else "normal approximation"
    conf = _conf(alpha)
    return [
        f'paired = stats.ttest_rel(a, b, alternative="{alternative}")',
        f'print("Paired t-test:", paired, paired.confidence_interval({conf}))',
        f"# Wilcoxon signed-rank ({why}, as R); zero differences are dropped, as R does.",
        "# For a two-sided test scipy's statistic is min(V, n(n+1)/2 - V); R's V is the rank",
        "# sum of the positive differences. The p-value is the same.",
        "wilcoxon = stats.wilcoxon(",
        f'    a, b, alternative="{alternative}", correction=True, method={method}',
        ")",
        'print("Wilcoxon signed-rank:", wilcoxon)',
        'print("Shapiro-Wilk of the differences:", stats.shapiro(a - b))',
        "cohens_dz = (a - b).mean() / (a - b).std(ddof=1)  # Cohen's d_z",
        'print("Cohen\'s d_z:", cohens_dz)',
    ]


def _py_multi(data: Mapping[str, Any], alpha: float, alternative: str) -> list[str]:
    return [
        "anova = stats.f_oneway(*groups)  # one-way ANOVA (equal variances)",
        "welch_anova = stats.f_oneway(*groups, equal_var=False)  # Welch's ANOVA (scipy >= 1.15)",
        "kruskal = stats.kruskal(*groups)",
        'print("ANOVA:", anova, "Welch:", welch_anova, "Kruskal-Wallis:", kruskal)',
        "tukey = stats.tukey_hsd(*groups)  # statistic[i, j] = mean of i minus mean of j",
        f"print(tukey, tukey.confidence_interval({_conf(alpha)}))",
        'print("Shapiro-Wilk:", [stats.shapiro(g) for g in groups])',
        'print("Levene (median):", stats.levene(*groups, center="median"))',
        "everything = np.concatenate(groups)",
        "ss_between = sum(len(g) * (g.mean() - everything.mean()) ** 2 for g in groups)",
        "eta_squared = ss_between / ((everything - everything.mean()) ** 2).sum()",
        'print("eta squared:", eta_squared)',
    ]


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#~&$!])")
#: a line that opens or closes a fenced code block (CommonMark: up to 3 spaces of indent)
FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
#: an inline code span: a run of backticks, text, the same run again
CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")


def md_inline(text: Any) -> str:
    """Person- or model-given text as literal Markdown on one line (table cells, labels)."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def fence(text: str, info: str = "", char: str = "`") -> str:
    """``text`` in a fenced block longer than any run of ``char`` inside it, so nothing in
    the text (say a code fence in an output) can end the block."""
    longest = max((len(run) for run in re.findall(rf"{re.escape(char)}+", text)), default=0)
    marks = char * max(3, longest + 1)
    body = text if text.endswith("\n") else text + "\n"
    return f"{marks}{info}\n{body}{marks}"


def md_prose(text: str) -> str:
    """The assistant's (or a person's) Markdown, kept as Markdown but unable to break the
    report: no raw HTML outside code (``<`` becomes ``\\<``) and no fence left open."""
    out: list[str] = []
    open_fence: str | None = None
    for line in text.splitlines():
        match = FENCE_LINE.match(line)
        if open_fence is not None:
            out.append(line)
            if match and closes_fence(match, open_fence):
                open_fence = None
            continue
        if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
            open_fence = match.group(1)
            out.append(line)
            continue
        out.append(_no_html(line))
    if open_fence is not None:
        out.append(open_fence)
    return "\n".join(out)


def closes_fence(match: re.Match[str], opening: str) -> bool:
    """A fence line closes a block: the same character, at least as long, nothing after."""
    marks = match.group(1)
    return marks[0] == opening[0] and len(marks) >= len(opening) and not match.group(2).strip()


def _no_html(line: str) -> str:
    """Outside code spans (which show their text as it is): ``<`` as ``\\<`` and ``![`` as
    ``!\\[``, so no raw HTML and no image a viewer would fetch from elsewhere."""
    pieces: list[str] = []
    at = 0
    for span in CODE_SPAN.finditer(line):
        pieces.append(_plain(line[at : span.start()]))
        pieces.append(span.group(0))
        at = span.end()
    pieces.append(_plain(line[at:]))
    return "".join(pieces)


def _plain(text: str) -> str:
    return text.replace("<", "\\<").replace("![", "!\\[")


def md_table(table: Table) -> list[str]:
    """A GitHub-flavoured table; every cell escaped (a ``|`` in a name stays in its cell)."""
    lines = [
        "| " + " | ".join(md_inline(c) for c in table.columns) + " |",
        "|" + "|".join(" --- " for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(md_inline(c) or " " for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def _md_pairs(rows: Iterable[tuple[str, str]]) -> list[str]:
    return [*(f"- **{label}:** {md_inline(value)}" for label, value in rows), ""]


def _md_heading(thread: Mapping[str, Any], now: datetime | None) -> list[str]:
    return [
        f"# Analysis: {md_inline(thread.get('title') or 'untitled')}",
        "",
        *_md_pairs(meta_rows(thread, now)),
    ]


def _md_result(thread: Mapping[str, Any]) -> list[str]:
    report = thread["local_report"]
    key = report["recommended"]
    lines = [
        "## Result",
        "",
        f"**{report_line(report)}**",
        "",
        f"Recommended test: **{TEST_NAMES.get(key, key)}**. {local_source_note(thread)}",
        "",
    ]
    lines += [f"- {md_inline(reason)}" for reason in report.get("reasons", [])]
    return [*lines, ""]


def _md_data(thread: Mapping[str, Any]) -> list[str]:
    data = thread["data"]
    lines = ["## Data", "", *_md_pairs(data_rows(thread)), *md_table(groups_table(data))]
    if is_large(data):
        shown = min(FIRST_ROWS, value_count(data))
        lines += [
            f"The first {shown} of {value_count(data)} rows of data.csv (the hash covers all):",
            "",
            fence(first_rows(thread["_csv"]), "csv"),
            "",
        ]
    if thread.get("_names_scrubbed"):
        lines += ["A group name looked like an API key and is shown as [key]; the hash "
                  "covers the data as entered.", ""]  # fmt: skip
    lines += [f"**SHA-256 of the data:** `{thread['_sha256']}`", "", HASH_RECIPE, ""]
    if value_count(data) <= MARKDOWN_CSV_LIMIT:
        lines += ["data.csv is at the end of this report.", ""]
    elif len(thread["_csv"]) <= EMBED_LIMIT:
        lines += ["data.csv is too large to list here; the HTML report embeds it.", ""]
    else:
        lines += ["data.csv is too large to embed in a report; `history --json ID` prints "
                  "the data whole.", ""]  # fmt: skip
    return lines


def _md_local_results(report: Mapping[str, Any]) -> list[str]:
    lines = ["## Local results", "", "### Tests", "", *md_table(tests_table(report))]
    for title, table in (
        ("Assumptions: normality", normality_table(report)),
        ("Descriptive statistics", descriptives_table(report)),
        ("Effect sizes", effects_table(report)),
        ("Post hoc comparisons", post_hoc_table(report)),
    ):
        if table is not None:
            lines += [f"### {title}", "", *md_table(table)]
    warnings = report.get("warnings") or []
    if warnings:
        lines += ["### Warnings", "", *(f"- {md_inline(w)}" for w in warnings), ""]
    return lines


def _md_conversation(thread: Mapping[str, Any], embed_images: bool) -> list[str]:
    messages = thread.get("messages") or []
    if not messages:
        return ["## Conversation", "", "No question was asked in this thread.", ""]
    lines = ["## Conversation", ""]
    question = 0
    for message in messages:
        if message.get("role") == "user":
            question += 1
            lines += [f"### Question {question}", "", md_prose(message.get("text") or ""), ""]
        else:
            lines += _md_answer(message, embed_images)
    return lines


def _md_answer(message: Mapping[str, Any], embed_images: bool) -> list[str]:
    who = message.get("answered_by") or message.get("backend") or "the assistant"
    model = f", model {message['model']}" if message.get("model") else ""
    lines = [f"#### Answer by {md_inline(who)}{md_inline(model)}", ""]
    lines += [f"Status: **{md_inline(message.get('status') or 'unknown')}**"]
    if message.get("usage"):
        lines[-1] += f". {md_inline(usage_line(message['usage']))}"
    lines.append("")
    if message.get("reasoning"):
        lines += ["Reasoning summary (the model's own, not its answer):", ""]
        lines += [fence(message["reasoning"], "text"), ""]
    numbered = answer_claims(message)
    from assistant_core.claims.marks import plain

    prose = [n for n in numbered if n.claim.source == "text"]
    text = message.get("text") or ""
    lines += [md_prose(plain(text, prose) if prose else text or "(no text)"), ""]
    for number, cell in enumerate(message.get("code_cells") or [], start=1):
        lines += [f"Code cell {number}:", "", fence(cell, "python"), ""]
    for number, output in enumerate(message.get("outputs") or [], start=1):
        marked = [n for n in numbered if n.claim.source == "output" and n.claim.cell == number - 1]
        lines += [
            f"Output {number}:",
            "",
            fence(plain(output, marked) if marked else output, "text"),
            "",
        ]
    for number, image in enumerate(message.get("images") or [], start=1):
        lines += [_md_image(number, image, embed_images), ""]
    for entry in message.get("files") or []:
        size = format_size(len(_decoded(entry) or b""))
        name = md_inline(entry.get("filename") or "file")
        lines += [f"[file: {name}, {md_inline(entry.get('mime'))}, {size}]", ""]
    lines += _md_errors(message)
    if message.get("verification"):
        lines += _md_verdict(message["verification"])
    return lines


def _md_image(number: int, image: Mapping[str, Any], embed: bool) -> str:
    mime = str(image.get("mime") or "image/png")
    data = _decoded(image)
    if data is None:
        return f"[figure {number}: {md_inline(mime)}, no image data kept (at most a provider URL)]"
    if not safe_image_mime(mime):
        return f"[figure {number}: {md_inline(mime)}, not an image type a report embeds]"
    if embed:
        return f"![figure {number}](data:{mime};base64,{image['data_base64']})"
    size = format_size(len(data))
    return f"[figure {number}: {md_inline(mime)}, {size}, embedded in the HTML report]"


def safe_image_mime(mime: str) -> bool:
    return mime in ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")


def error_lines(message: Mapping[str, Any]) -> list[str]:
    """A run's errors as one line each (both formats)."""
    lines = []
    for error in message.get("errors") or []:
        hint = " (trying again may help)" if error.get("retryable") else ""
        lines.append(f"Error ({error.get('kind', 'error')}): {error.get('message', '')}{hint}")
    if message.get("error") and not message.get("errors"):
        lines.append(f"Run ended with: {message['error']}")
    return lines


def _md_errors(message: Mapping[str, Any]) -> list[str]:
    return [line for text in error_lines(message) for line in (f"> {md_inline(text)}", "")]


def _md_verdict(verification: Mapping[str, Any]) -> list[str]:
    from assistant_core.claims.marks import coverage_line, number
    from assistant_core.claims.model import Claim

    numbered = number(Claim.from_dict(c) for c in verification.get("claims") or [])
    lines = ["Checked, claim by claim, against the local results:", ""]
    lines += [md_inline(variant_line(verification)), ""]
    lines += [md_inline(coverage_line([n.claim for n in numbered])) + ".", ""]
    lines += [f"- {md_inline(note)}" for note in verification.get("notes") or []]
    if verification.get("notes"):
        lines.append("")
    lines += md_table(verdict_table(verification))
    if numbered:
        lines += ["Every claim (its number is the mark in the text above), contradicted first:", ""]
        lines += [md_inline(line) for line in claims_lines(numbered)]
        lines.append("")
    return lines


def _md_reproduce(thread: Mapping[str, Any]) -> list[str]:
    return [
        "## Reproduce",
        "",
        "R:",
        "",
        fence(r_code(thread), "r"),
        "",
        "Python (scipy):",
        "",
        fence(python_code(thread), "python"),
        "",
    ]


def _md_versions(thread: Mapping[str, Any]) -> list[str]:
    versions = package_versions(conversation_code(thread))
    rows = tuple((name, version) for name, version in versions.items())
    return ["## Software", "", VERSIONS_NOTE, "", *md_table(Table(("Package", "version"), rows))]


def _md_appendix(thread: Mapping[str, Any]) -> list[str]:
    if value_count(thread["data"]) > MARKDOWN_CSV_LIMIT:
        return []
    return [
        "## Appendix: data.csv",
        "",
        "Exactly the bytes hashed above (UTF-8, LF line ends, a final newline):",
        "",
        fence(thread["_csv"], "csv"),
        "",
    ]
