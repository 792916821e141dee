"""The command line: ``python -m assistant_core check|ask|history ...`` (contract in DESIGN.md).

Exit status 0 on success, 2 for bad input (one clear line on stderr), 1 for a failure on
our side; a traceback never reaches the terminal.

``ask`` keeps every run in the store (``--database URL``, else ``DATABASE_URL``, else a
SQLite file in the user's data directory) and names its thread first: the ``thread`` event
in ``--json``, a ``Thread <id>`` line in the terminal. ``--thread ID`` continues a stored
thread; ``--no-save`` stores nothing, and its ``thread`` event has ``"id": null``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from assistant_core.errors import AssistantCoreError, DataError, UnknownBackend

if TYPE_CHECKING:
    from assistant_core.store import Store

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C
#: where share links point when neither --base-url nor PUBLIC_URL says (`make run`'s address)
DEFAULT_BASE_URL = "http://localhost:8501"
log = logging.getLogger("assistant_core")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("data (give --group two or more times, or --csv)")
    source.add_argument(
        "--group",
        action="append",
        metavar="NAME=v1,v2,...",
        help="a group's name and its values; repeat for each group",
    )
    source.add_argument("--csv", metavar="FILE", help="a CSV file, long or wide layout")
    source.add_argument("--group-col", metavar="C", help="long layout: the column naming the group")
    source.add_argument("--value-col", metavar="V", help="long layout: the column of values")
    source.add_argument("--columns", metavar="C1,C2,...", help="wide layout: one column per group")
    options = parser.add_argument_group("analysis")
    options.add_argument("--paired", action="store_true", help="the two groups are paired")
    # None = not given (so `ask --thread` can tell); _alpha() and _alternative() default them
    options.add_argument("--alpha", type=float, help="significance level (0.05)")
    options.add_argument(
        "--alternative",
        choices=["two-sided", "less", "greater"],
        help="alternative hypothesis about first minus second (two-sided)",
    )


def _alpha(args: argparse.Namespace) -> float:
    return 0.05 if args.alpha is None else args.alpha


def _alternative(args: argparse.Namespace) -> str:
    return args.alternative or "two-sided"


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="the store's SQLAlchemy URL (else DATABASE_URL, else a SQLite file in the user's "
        "data directory)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m assistant_core",
        description="Compare groups: local statistics and a research assistant that is checked.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = commands.add_parser("check", help="run the local statistics on the data")
    _add_data_options(check)
    check.add_argument("--json", action="store_true", help="print one JSON object")
    ask = commands.add_parser("ask", help="ask the research assistant, then verify its figures")
    _add_data_options(ask)
    assistant = ask.add_argument_group("assistant")
    assistant.add_argument(
        "--backend",
        help="auto (default; with --thread, the thread's backend), builtin, openai or chat",
    )
    assistant.add_argument("--model", help="the model, for backends that have several")
    assistant.add_argument(
        "--profile",
        metavar="NAME",
        help="the assistant profile (instructions, backend, model, tools); default: the "
        "thread's, else Research Analyst",
    )
    assistant.add_argument("--question", help="the research question (a default one otherwise)")
    stored = ask.add_argument_group("history")
    stored.add_argument(
        "--thread",
        metavar="ID",
        help="a follow-up in a stored thread: its data, options and history carry over",
    )
    stored.add_argument(
        "--no-save", action="store_true", help="do not keep this run in the history"
    )
    _add_database_option(stored)
    ask.add_argument("--json", action="store_true", help="print one JSON object per event")
    history = commands.add_parser(
        "history", help="list the stored threads, or show one whole (give its ID)"
    )
    history.add_argument("id", nargs="?", metavar="ID", help="the thread to show")
    history.add_argument(
        "--search", metavar="TEXT", help="only threads whose title, messages or code contain TEXT"
    )
    history.add_argument(
        "--limit", type=_positive, default=50, metavar="N", help="list at most N threads (50)"
    )
    _add_database_option(history)
    history.add_argument("--json", action="store_true", help="print JSON")
    share = commands.add_parser(
        "share", help="make a read-only link to a stored thread (or list or revoke links)"
    )
    share.add_argument("id", nargs="?", metavar="ID", help="the thread to share")
    share.add_argument("--revoke", metavar="TOKEN", help="end the share link with this token")
    share.add_argument(
        "--list", action="store_true", help="list the share links (of ID, or all of them)"
    )
    share.add_argument(
        "--base-url",
        metavar="URL",
        help=f"the dashboard's public address (default: PUBLIC_URL, else {DEFAULT_BASE_URL})",
    )
    _add_database_option(share)
    share.add_argument("--json", action="store_true", help="print JSON")
    verify = commands.add_parser(
        "verify",
        help="check every figure and statement of a text (with data: against the local "
        "results; without: for internal consistency)",
    )
    verify.add_argument(
        "--text",
        required=True,
        metavar="FILE",
        help="the text: plain, Markdown, HTML or PDF (- reads standard input)",
    )
    verify.add_argument("--code", metavar="FILE", help="a code cell that goes with the text")
    verify.add_argument("--output", metavar="FILE", help="what that code printed")
    _add_data_options(verify)
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    report = commands.add_parser("report", help="export a stored thread as Markdown or HTML")
    report.add_argument("id", metavar="ID", help="the thread to export")
    report.add_argument(
        "--format", choices=["md", "html"], default="md", help="md (default) or html"
    )
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    _add_database_option(report)
    return parser


def load_dataset(args: argparse.Namespace) -> Any:
    """Build the Dataset the data options describe; DataError when they do not fit."""
    from assistant_core.data import dataset_from_frame, make_dataset, parse_values, read_csv

    if args.group and args.csv:
        raise DataError("Give either --group options or --csv, not both.")
    if args.csv:
        if args.group_col or args.value_col:
            if not (args.group_col and args.value_col):
                raise DataError("The long layout needs both --group-col and --value-col.")
            if args.columns:
                raise DataError(
                    "Give --columns (wide) or --group-col/--value-col (long), not both."
                )
        frame = read_csv(args.csv)
        columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
        if not (columns or args.group_col):
            from assistant_core.data import guess_layout

            guess = guess_layout(frame)
            if guess["layout"] == "long":
                args.group_col, args.value_col = guess["group_col"], guess["value_col"]
            else:
                columns = guess["columns"]
        return dataset_from_frame(
            frame,
            group_col=args.group_col,
            value_col=args.value_col,
            columns=columns,
            paired=args.paired,
            source="csv",
        )
    if not args.group:
        raise DataError("No data: give --group NAME=v1,v2,... at least twice, or --csv FILE.")
    groups: dict[str, list[float | None]] = {}
    for spec in args.group:
        name, sep, values = spec.partition("=")
        if not sep or not name.strip():
            raise DataError(f"--group {spec!r}: write it as NAME=v1,v2,... (for example A=1,2,3).")
        if name.strip() in groups:
            raise DataError(f"--group {name.strip()!r} is given twice; group names must differ.")
        parsed = parse_values(values, where=f"group {name.strip()!r}")
        groups[name.strip()] = list(parsed.values)
    return make_dataset(groups, paired=args.paired, source="command line")


def _blank_or(value: float | None, blank: str) -> str:
    from assistant_core.reporting import format_number

    return blank if value is None else format_number(value, 4)


def _print_table(report: dict[str, Any]) -> None:
    from assistant_core.reporting import (
        TEST_NAMES,
        format_number,
        format_p,
        report_line,
        table_rows,
    )

    def table(header: list[str], rows: list[list[str]]) -> None:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, ["-" * w for w in widths], *rows]:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        print()

    print(f"Design: {report['design']}, alpha = {report['alpha']}, {report['alternative']}\n")
    table(
        ["group", "n", "missing", "mean", "sd", "median", "min", "max"],
        [
            [g["name"], str(g["n"]), str(g.get("missing", 0))]
            + [format_number(g[k], 4) for k in ("mean", "sd", "median", "min", "max")]
            for g in report["groups"]
        ],
    )
    table(
        ["test", "statistic", "df", "p", "difference", "CI low", "CI high"],
        [
            [
                ("* " if row["recommended"] else "  ") + row["test"],
                format_number(row["statistic"], 4),
                row["df"],
                format_p(row["p_value"]).removeprefix("p "),
                _blank_or(row["difference"], ""),
                _blank_or(row["ci_low"], "-inf" if row["difference"] is not None else ""),
                _blank_or(row["ci_high"], "inf" if row["difference"] is not None else ""),
            ]
            for row in table_rows(report)
        ],
    )
    shapiro = report["tests"].get("shapiro_wilk") or {}
    if shapiro:
        table(
            ["Shapiro-Wilk", "W", "p"],
            [
                [name, format_number(r["statistic"], 4), format_p(r["p_value"]).removeprefix("p ")]
                for name, r in shapiro.items()
            ],
        )
    for pair in report["tests"].get("post_hoc") or []:
        print(
            f"Tukey HSD {pair['group_a']} - {pair['group_b']}: "
            f"{format_number(pair['mean_difference'], 4)} "
            f"[{format_number(pair['ci_low'], 4)}, {format_number(pair['ci_high'], 4)}], "
            f"{format_p(pair['p_value'])}"
        )
    effects = {k: v for k, v in report["effect_sizes"].items() if not k.endswith(("_low", "_high"))}
    if effects:
        print(
            "Effect sizes: " + ", ".join(f"{k} = {format_number(v, 3)}" for k, v in effects.items())
        )
    print(f"\nRecommended: {TEST_NAMES.get(report['recommended'], report['recommended'])}")
    print(f"  {report_line(report)}")
    for reason in report.get("reasons", []):
        print(f"  - {reason}")
    for warning in report["warnings"]:
        print(f"Warning: {warning}")


def _check(args: argparse.Namespace) -> int:
    from assistant_core.stats import check

    dataset = load_dataset(args)
    report = check(dataset, alpha=_alpha(args), alternative=_alternative(args)).to_dict()
    if args.json:
        print(json.dumps(report, allow_nan=False))
    else:
        _print_table(report)
    return EXIT_OK


def _has_data(args: argparse.Namespace) -> bool:
    return bool(args.group or args.csv)


def _verify(args: argparse.Namespace) -> int:
    from assistant_core.claims import check_text
    from assistant_core.documents import read_document

    document = read_document(args.text)
    if not document.text.strip():
        raise DataError(f"{document.name} is empty: there is nothing in it to check.")
    code = read_document(args.code).text if args.code else ""
    output = read_document(args.output).text if args.output else ""
    report = None
    data = None
    names = None
    if _has_data(args):
        from assistant_core.stats import check

        dataset = load_dataset(args)
        report = check(dataset, alpha=_alpha(args), alternative=_alternative(args)).to_dict()
        data = [group.values for group in dataset.groups]
        names = dataset.names
    claims = check_text(
        document.text,
        report=report,
        data=data,
        names=names,
        outputs=[output] if output else (),
        code=code,
        alpha=_alpha(args),
    )
    if args.json:
        print(json.dumps(_verify_json(document, output, claims), allow_nan=False))
    else:
        _print_verify(document, output, claims)
    return EXIT_OK


def _verify_json(document: Any, output: str, claims: Any) -> dict[str, Any]:
    rows = []
    for claim in claims.claims:
        row = claim.to_dict()
        page = document.page(claim.start) if claim.source == "text" else None
        if page is not None:
            row["page"] = page
        rows.append(row)
    out: dict[str, Any] = {"text": document.text, "kind": document.kind}
    if output:
        out["output"] = output
    out |= {
        "mode": claims.mode,
        "variant": claims.variant,
        "notes": list(claims.notes),
        "claims": rows,
        "coverage": claims.coverage.to_dict(),
    }
    return out


def _print_verify(document: Any, output: str, claims: Any) -> None:
    from assistant_core.claims.marks import coverage_line, hover, listing, mark_text, number, plain
    from assistant_core.reporting import variant_name

    numbered = number(claims.claims)
    how = (
        "against the local results of the data given"
        if claims.mode == "data"
        else "for internal consistency (no data given)"
    )
    print(f"{document.name}: checked {how}.")
    if claims.variant:
        print(f"The figures are those of {variant_name(claims.variant)}.")
    for note in claims.notes:
        print(note)
    print(coverage_line(claims.claims) + ".\n")
    print(plain(document.text, [n for n in numbered if n.claim.source == "text"]).strip())
    marked = [n for n in numbered if n.claim.source == "output"]
    if marked:
        print("\n[output]\n" + plain(output, marked).rstrip())
    print()
    for item in listing(numbered):
        claim = item.claim
        page = document.page(claim.start) if claim.source == "text" else None
        where = f"page {page}" if page else claim.source
        print(
            f"{item.index:>4} {mark_text(claim):<14} {claim.reported[:40]:<40} ({where}) "
            f"{hover(claim)}"
        )


#: the data options `ask --thread` refuses (the thread has its own), as (flag, attribute)
_THREAD_OWNED = (
    ("--group", "group"),
    ("--csv", "csv"),
    ("--group-col", "group_col"),
    ("--value-col", "value_col"),
    ("--columns", "columns"),
    ("--paired", "paired"),
    ("--alpha", "alpha"),
    ("--alternative", "alternative"),
)


def _open_store(args: argparse.Namespace) -> Store:
    from assistant_core.store import open_store

    return open_store(args.database)


def _profile_for(args: argparse.Namespace, store: Store | None, profile_id: str | None) -> Any:
    """The profile named by --profile, else the thread's, else the default one (or None)."""
    if store is None:
        return None
    if args.profile:
        wanted = args.profile.strip().lower()
        profiles = store.list_profiles()
        for profile in profiles:
            if profile.name.lower() == wanted:
                return profile
        names = ", ".join(repr(p.name) for p in profiles)
        raise DataError(f"There is no assistant profile {args.profile!r}; there are: {names}.")
    if profile_id is not None:
        found = store.get_profile(profile_id)
        if found is not None:
            return found
    return store.default_profile()


def _ask(args: argparse.Namespace) -> int:
    from assistant_core.backends import DEFAULT_QUESTION, Conversation, get_backend, resolve_name
    from assistant_core.stats import check

    question = args.question or DEFAULT_QUESTION
    store = None
    if args.thread:
        given = [flag for flag, name in _THREAD_OWNED if getattr(args, name) not in (None, False)]
        if given:
            raise DataError(
                "--thread takes its data and options from the stored thread; "
                f"drop {'/'.join(given)}."
            )
        store = _open_store(args)
        record = store.get_thread(args.thread)
        if record is None:
            from assistant_core.store import UnknownThread

            raise UnknownThread(args.thread)
        conversation = store.load_conversation(record.id)
        local = (
            record.local_report
            or check(
                conversation.dataset, alpha=conversation.alpha, alternative=conversation.alternative
            ).to_dict()
        )
        profile = _profile_for(args, store, record.profile_id)
        backend_name = args.backend or record.backend
        model = args.model or (record.model if backend_name == record.backend else None)
    else:
        dataset = load_dataset(args)
        local = check(dataset, alpha=_alpha(args), alternative=_alternative(args)).to_dict()
        conversation = Conversation(dataset, alpha=_alpha(args), alternative=_alternative(args))
        if not args.no_save or args.profile:
            store = _open_store(args)
        profile = _profile_for(args, store, None)
        backend_name = args.backend or (profile.backend if profile is not None else "auto")
        model = args.model or (profile.model if profile is not None else None)
    options: dict[str, Any] = {}
    if profile is not None and resolve_name(backend_name) in ("openai", "chat"):  # models
        options = {
            "instructions": profile.instructions or None,
            "temperature": profile.temperature,
            "code_interpreter": profile.code_interpreter,
        }
    backend = get_backend(backend_name, model=model, **options)
    model = getattr(backend, "model", None) or model
    if args.no_save:
        if store is not None:
            store.close()
        store = None
    try:
        if store is not None and not args.thread:
            store.create_thread(
                conversation, local_report=local, profile=profile, backend=backend.name, model=model
            )
        profile_id = profile.id if profile is not None and store is not None else None
        return _run_ask(args, backend, conversation, question, local, store, model, profile_id)
    finally:
        if store is not None:
            store.close()


def _run_ask(
    args: argparse.Namespace,
    backend: Any,
    conversation: Any,
    question: str,
    local: dict[str, Any],
    store: Store | None,
    model: str | None,
    profile_id: str | None = None,
) -> int:
    from assistant_core.events import Thread
    from assistant_core.runner import run_turn
    from assistant_core.terminal import TerminalView

    if backend.uses_local_interpreter:
        from assistant_core.interpreter import prewarm

        prewarm()  # the kernel starts while the assistant writes its plan
    view = TerminalView(json_lines=args.json, local_report=local)
    if store is not None:
        view.show(Thread(id=conversation.id))
    elif args.json:
        print(json.dumps({"type": "thread", "id": None}), flush=True)
    else:
        print("Thread not saved (--no-save)\n", flush=True)
    recorder = None
    if store is not None:
        recorder = store.recorder(
            conversation,
            question,
            backend=backend.name,
            model=model,
            profile_id=profile_id,
            answered_by=backend.label,
        )
    failed = False
    stream = run_turn(backend, conversation, question, local_report=local, on_event=recorder)
    try:
        for event in stream:
            failed = failed or event.type == "error"
            view.show(event)
    finally:
        stream.close()  # interrupted between two events: the run is still stored as stopped
        if conversation.interpreter is not None:
            conversation.interpreter.close()
        if backend.uses_local_interpreter:
            from assistant_core.interpreter import shutdown_pool

            shutdown_pool()  # before exit, so no kernel is still starting while Python ends
    if recorder is not None and recorder.error is not None:
        print(f"warning: the run was not saved whole: {recorder.error}", file=sys.stderr)
    elif store is not None and not args.json:
        print(
            f"\nSaved in thread {conversation.id}: ask a follow-up with "
            f"--thread {conversation.id}, or see it with `history {conversation.id}`."
        )
    return EXIT_FAILED if failed else EXIT_OK


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _history(args: argparse.Namespace) -> int:
    if args.id and args.search:
        raise DataError("--search lists threads; give it without an ID.")
    with _open_store(args) as store:
        if args.id:
            if args.json:
                print(json.dumps(store.thread_json(args.id), allow_nan=False))
            else:
                _print_thread(store, args.id)
            return EXIT_OK
        found = store.list_threads(search=args.search, limit=args.limit)
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "id": t.id,
                            "title": t.title,
                            "created": t.created.isoformat(),
                            "updated": t.updated.isoformat(),
                            "backend": t.backend,
                            "model": t.model,
                            "profile": t.profile_name,
                            "messages": t.messages,
                            "status": t.last_status,
                        }
                        for t in found
                    ],
                    allow_nan=False,
                )
            )
            return EXIT_OK
        if not found:
            print("No thread matches." if args.search else "No stored threads yet.")
            return EXIT_OK
        rows = [
            [
                t.id,
                _when(t.created),
                t.backend + (f"/{t.model}" if t.model else ""),
                str(t.messages),
                t.last_status or "",
                t.title,
            ]
            for t in found
        ]
        header = ["id", "created", "backend", "messages", "status", "title"]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
        for row in [header, *rows]:
            cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
            print("  ".join([*cells, row[-1]]))
    return EXIT_OK


def _print_thread(store: Store, thread_id: str) -> None:
    """The thread as a transcript: its data, then each question and its answer as `ask` showed
    it (text, code, output, figures, the local check and the verdict)."""
    from assistant_core.store import UnknownThread
    from assistant_core.terminal import TerminalView

    record = store.get_thread(thread_id)
    if record is None:
        raise UnknownThread(thread_id)
    print(f"Thread {record.id}: {record.title}")
    who = record.backend + (f", model {record.model}" if record.model else "")
    if record.profile_name:
        who += f", assistant {record.profile_name}"
    print(f"Created {_when(record.created)}; {who}")
    dataset = record.dataset
    print(
        f"Data ({dataset.design}, alpha = {record.alpha}, {record.alternative}, "
        f"from {dataset.source}):"
    )
    for group in dataset.groups:
        values = ", ".join(f"{v:g}" for v in group.values)
        missing = f", {group.missing} missing" if group.missing else ""
        print(f"  {group.name} (n={group.n}{missing}): {values}")
    local = record.local_report or {}
    for run in record.runs:
        print(f"\n════ You ({_when(run.started)}) ════\n{run.question}")
        label = run.answered_by or run.backend
        print(f"\n════ {label}{' · ' + run.model if run.model else ''} · {run.status} ════")
        view = TerminalView(json_lines=False, local_report=local, out=sys.stdout, err=sys.stdout)
        for item in store.run_events(run.id):
            if item.type == "verification" and not local:
                continue  # nothing to set the verdict beside
            view.show(item)
        print()


def _share_url(args: argparse.Namespace, token: str) -> str:
    from assistant_core.links import app_url, public_base_url

    base = public_base_url(args.base_url or os.environ.get("PUBLIC_URL"), DEFAULT_BASE_URL)
    return app_url(base, "shared", share=token)


def _share(args: argparse.Namespace) -> int:
    given = sum(bool(x) for x in (args.id and not args.list, args.revoke, args.list))
    if given != 1:
        raise DataError("share takes a thread ID, or --revoke TOKEN, or --list [ID].")
    with _open_store(args) as store:
        if args.revoke:
            if not store.revoke_share(args.revoke):
                raise DataError("There is no active share link with that token.")
            print(json.dumps({"revoked": args.revoke}) if args.json else "Revoked.")
            return EXIT_OK
        if args.list:
            found = [
                {
                    "token": s.token,
                    "url": _share_url(args, s.token),
                    "thread": s.thread_id,
                    "title": s.title,
                    "created": s.created.isoformat(),
                    "revoked": s.revoked.isoformat() if s.revoked else None,
                }
                for s in store.list_shares(args.id)
            ]
            if args.json:
                print(json.dumps(found))
            for item in [] if args.json else found:
                state = f"revoked {item['revoked'][:10]}" if item["revoked"] else "active"
                print(f"{item['token']}  {state:<18}  {item['title']}\n    {item['url']}")
            if not found and not args.json:
                print("No share links.")
            return EXIT_OK
        if store.get_thread(args.id) is None:
            raise DataError(f"There is no stored thread {args.id!r}; `history` lists them.")
        share = store.create_share(args.id)
        url = _share_url(args, share.token)
        if args.json:
            print(json.dumps({"token": share.token, "url": url}))
        else:
            print(f"Read-only link: {url}\nRevoke it with: share --revoke {share.token}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from assistant_core.report import render_report

    with _open_store(args) as store:
        if store.get_thread(args.id) is None:
            raise DataError(f"There is no stored thread {args.id!r}; `history` lists them.")
        document = render_report(store.thread_json(args.id), args.format)
    if args.output:
        try:
            Path(args.output).write_text(document, encoding="utf-8")
        except OSError as exc:
            raise DataError(f"The report could not be written to {args.output}: {exc}") from exc
        print(f"Wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(document)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        commands = {
            "check": _check,
            "ask": _ask,
            "history": _history,
            "share": _share,
            "report": _report,
            "verify": _verify,
        }
        return commands[args.command](args)
    except (DataError, UnknownBackend) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except AssistantCoreError as exc:  # the store's errors say whether the input was at fault
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if getattr(exc, "bad_input", False) else EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        # The run's kernels were closed on the way out (see _ask). Leave at once: a zmq
        # context left half-used by the interrupt can block the interpreter's own exit.
        print("interrupted", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the one place a stray error becomes a clear line
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
