"""The command line: ``python -m assistant_core check ...`` (contract in DESIGN.md).

Exit status 0 on success, 2 for bad input (one clear line on stderr), 1 for a failure on
our side; a traceback never reaches the terminal.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from assistant_core.errors import DataError, UnknownBackend

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C
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
    options.add_argument("--alpha", type=float, default=0.05, help="significance level (0.05)")
    options.add_argument(
        "--alternative",
        choices=["two-sided", "less", "greater"],
        default="two-sided",
        help="alternative hypothesis about first minus second",
    )


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
        "--backend", default="auto", help="auto (default), builtin, openai or chat"
    )
    assistant.add_argument("--model", help="the model, for backends that have several")
    assistant.add_argument("--question", help="the research question (a default one otherwise)")
    assistant.add_argument(
        "--no-save", action="store_true", help="do not keep this run in the history"
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per event")
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
    report = check(dataset, alpha=args.alpha, alternative=args.alternative).to_dict()
    if args.json:
        print(json.dumps(report, allow_nan=False))
    else:
        _print_table(report)
    return EXIT_OK


def _ask(args: argparse.Namespace) -> int:
    from assistant_core.backends import DEFAULT_QUESTION, Conversation, get_backend
    from assistant_core.events import Thread
    from assistant_core.runner import run_turn
    from assistant_core.stats import check
    from assistant_core.terminal import TerminalView

    dataset = load_dataset(args)
    local = check(dataset, alpha=args.alpha, alternative=args.alternative).to_dict()
    backend = get_backend(args.backend, model=args.model)
    if backend.uses_local_interpreter:
        from assistant_core.interpreter import prewarm

        prewarm()  # the kernel starts while the assistant writes its plan
    conversation = Conversation(dataset, alpha=args.alpha, alternative=args.alternative)
    view = TerminalView(json_lines=args.json, local_report=local)
    view.show(Thread(id=conversation.id))
    failed = False
    try:
        for event in run_turn(
            backend, conversation, args.question or DEFAULT_QUESTION, local_report=local
        ):
            failed = failed or event.type == "error"
            view.show(event)
    finally:
        if conversation.interpreter is not None:
            conversation.interpreter.close()
        if backend.uses_local_interpreter:
            from assistant_core.interpreter import shutdown_pool

            shutdown_pool()  # before exit, so no kernel is still starting while Python ends
    return EXIT_FAILED if failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return {"check": _check, "ask": _ask}[args.command](args)
    except (DataError, UnknownBackend) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
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
