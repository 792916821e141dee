"""The HTML form of a report (see :mod:`assistant_core.report`): one file that opens anywhere.

Self-contained on purpose: a report is mailed, archived and opened years later, offline.
So: inline CSS only, no ``<script>`` at all, no external URL (no fonts, no CDN), every image
a ``data:`` URI, data.csv and the assistant's files as ``data:`` download links. A
Content-Security-Policy ``<meta>`` forbids scripts and network loads as well, in case
something ever slipped through.

Every string from a person or a model (group names, questions, the assistant's text, code,
outputs, file names) goes through :func:`html.escape`. The assistant's Markdown is shown
through a deliberately small converter that works on escaped text: paragraphs, ``**bold**``,
inline code and fenced code blocks; everything else stays as the text it is.
"""

from __future__ import annotations

import base64
import html
import io
import re
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import numpy as np

from assistant_core.claims.marks import html as marked_html
from assistant_core.claims.marks import listing
from assistant_core.report import (
    CODE_SPAN,
    EMBED_LIMIT,
    FENCE_LINE,
    FIRST_ROWS,
    HASH_RECIPE,
    VERSIONS_NOTE,
    Table,
    answer_claims,
    claims_lines,
    closes_fence,
    conversation_code,
    data_rows,
    descriptives_table,
    effects_table,
    error_lines,
    first_rows,
    format_size,
    groups_table,
    is_large,
    local_source_note,
    meta_rows,
    normality_table,
    package_versions,
    post_hoc_table,
    python_code,
    r_code,
    safe_image_mime,
    tests_table,
    value_count,
    variant_line,
    verdict_table,
)
from assistant_core.reporting import TEST_NAMES, report_line, usage_line

__all__ = ["CONTENT_SECURITY_POLICY", "groups_plot_png", "html_document", "html_prose"]

#: scripts, frames, fonts and every network load forbidden; images only as data: URIs
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
#: points drawn per group in the plot of the data (a fixed random subset beyond that)
PLOT_POINTS = 2000

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1b1f24; background: #fff; margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 4px; margin-top: 2em; }
h3 { margin-top: 1.4em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.result-line { font-size: 1.15em; font-weight: 600; background: #eef6ff;
               border-left: 4px solid #0969da; padding: 8px 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.values { max-width: 560px; overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 8px 10px; overflow-x: auto;
      white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.88em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.prose p { white-space: pre-wrap; margin: 0.5em 0; }
.question { background: #f6f8fa; border-left: 4px solid #8c959f; padding: 4px 12px; }
.answer { border-left: 4px solid #d0d7de; padding: 0 12px; margin-bottom: 1.5em; }
.error { color: #a40e26; }
.mismatch { color: #a40e26; font-weight: 600; }
.match { color: #1a7f37; }
.hash { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
figure { margin: 8px 0; }
figure img { max-width: 100%; border: 1px solid #d0d7de; }
figcaption { font-size: 0.88em; color: #57606a; }
.note { color: #57606a; font-size: 0.92em; }
.claim.confirmed { border-bottom: 2px solid #1a7f37; }
.claim.contradicted { text-decoration: underline wavy #cf222e; }
.claim.unchecked { border-bottom: 1px dotted #6e7781; }
sup.mark { font-weight: 600; margin-left: 1px; }
sup.mark.confirmed, li.confirmed { color: #1a7f37; }
sup.mark.contradicted, li.contradicted { color: #cf222e; }
sup.mark.unchecked, li.unchecked { color: #57606a; }
ul.claims { font-size: 0.92em; }
"""


def esc(value: Any) -> str:
    """Text for HTML content or a quoted attribute (quotes escaped too)."""
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------- the document


def html_document(thread: Mapping[str, Any], *, now: datetime | None = None) -> str:
    """The whole HTML file for a thread prepared by :func:`assistant_core.report.prepare`."""
    title = f"Analysis: {thread.get('title') or 'untitled'}"
    body = [
        f"<h1>{esc(title)}</h1>",
        _pairs(meta_rows(thread, now), "meta"),
        *_result(thread),
        *_data(thread),
        *_local_results(thread["local_report"]),
        *_conversation(thread),
        *_reproduce(thread),
        *_versions(thread),
    ]
    head = [
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CONTENT_SECURITY_POLICY)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        + "\n".join(head)
        + "\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _pairs(rows: Iterable[tuple[str, str]], css: str) -> str:
    items = "".join(f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>" for label, value in rows)
    return f'<dl class="{css}">{items}</dl>'


def _table(table: Table, *, wide_last: bool = False) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    rows = []
    for row in table.rows:
        cells = []
        for index, cell in enumerate(row):
            css = ' class="values"' if wide_last and index == len(row) - 1 else ""
            css = f' class="{_status_class(cell)}"' if cell in ("match", "MISMATCH") else css
            cells.append(f"<td{css}>{esc(cell)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _status_class(cell: str) -> str:
    return "match" if cell == "match" else "mismatch"


def _data_uri(mime: str, payload: bytes | str) -> str:
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def _list(items: Iterable[str]) -> str:
    inner = "".join(f"<li>{esc(item)}</li>" for item in items)
    return f"<ul>{inner}</ul>" if inner else ""


# --------------------------------------------------------------------------- sections


def _result(thread: Mapping[str, Any]) -> list[str]:
    report = thread["local_report"]
    key = report["recommended"]
    return [
        '<h2 id="result">Result</h2>',
        f'<p class="result-line" id="result-line">{esc(report_line(report))}</p>',
        f"<p>Recommended test: <strong>{esc(TEST_NAMES.get(key, key))}</strong>. "
        f"{esc(local_source_note(thread))}</p>",
        _list(report.get("reasons", [])),
    ]


def _data(thread: Mapping[str, Any]) -> list[str]:
    data = thread["data"]
    parts = [
        '<h2 id="data">Data</h2>',
        _pairs(data_rows(thread), "meta"),
        _table(groups_table(data), wide_last=not is_large(data)),
        _plot_figure(data),
    ]
    if is_large(data):
        shown = min(FIRST_ROWS, value_count(data))
        parts += [
            f"<p>The first {shown} of {value_count(data)} rows of data.csv "
            "(the hash covers all of them):</p>",
            f"<pre><code>{esc(first_rows(thread['_csv']))}</code></pre>",
        ]
    if thread.get("_names_scrubbed"):
        parts.append(
            '<p class="note">A group name looked like an API key and is shown as [key]; '
            "the hash covers the data as entered.</p>"
        )
    parts += [
        f'<p><strong>SHA-256 of the data:</strong> <span class="hash" id="data-sha256">'
        f"{esc(thread['_sha256'])}</span></p>",
        f'<div class="note prose">{html_prose(HASH_RECIPE)}</div>',
        _csv_link(thread["_csv"]),
    ]
    return parts


def _csv_link(csv_text: str) -> str:
    if len(csv_text) > EMBED_LIMIT:
        return '<p class="note">data.csv is too large to embed in this report.</p>'
    uri = _data_uri("text/csv;charset=utf-8", csv_text)
    return (
        f'<p><a download="data.csv" href="{uri}">Download data.csv</a> '
        "(embedded in this file: exactly the bytes hashed above).</p>"
    )


def _local_results(report: Mapping[str, Any]) -> list[str]:
    parts = ['<h2 id="local">Local results</h2>', "<h3>Tests</h3>", _table(tests_table(report))]
    for title, table in (
        ("Assumptions: normality", normality_table(report)),
        ("Descriptive statistics", descriptives_table(report)),
        ("Effect sizes", effects_table(report)),
        ("Post hoc comparisons", post_hoc_table(report)),
    ):
        if table is not None:
            parts += [f"<h3>{esc(title)}</h3>", _table(table)]
    warnings_ = report.get("warnings") or []
    if warnings_:
        parts += ["<h3>Warnings</h3>", _list(warnings_)]
    return parts


def _conversation(thread: Mapping[str, Any]) -> list[str]:
    parts = ['<h2 id="conversation">Conversation</h2>']
    messages = thread.get("messages") or []
    if not messages:
        return [*parts, "<p>No question was asked in this thread.</p>"]
    question = 0
    for message in messages:
        if message.get("role") == "user":
            question += 1
            parts += [
                f"<h3>Question {question}</h3>",
                f'<div class="question prose">{html_prose(message.get("text") or "")}</div>',
            ]
        else:
            parts.append(_answer(message))
    return parts


def _answer(message: Mapping[str, Any]) -> str:
    who = message.get("answered_by") or message.get("backend") or "the assistant"
    model = f", model {message['model']}" if message.get("model") else ""
    status = f"Status: {message.get('status') or 'unknown'}"
    if message.get("usage"):
        status += f". {usage_line(message['usage'])}"
    parts = [f"<h4>Answer by {esc(who)}{esc(model)}</h4>", f"<p>{esc(status)}</p>"]
    if message.get("reasoning"):
        parts += [
            "<p>Reasoning summary (the model's own, not its answer):</p>",
            f"<pre>{esc(message['reasoning'])}</pre>",
        ]
    numbered = answer_claims(message)
    prose = [n for n in numbered if n.claim.source == "text"]
    text = message.get("text") or ""
    shown = marked_html(text, prose) if prose else html_prose(text or "(no text)")
    parts.append(f'<div class="prose">{shown}</div>')
    for number, cell in enumerate(message.get("code_cells") or [], start=1):
        parts += [
            f"<p>Code cell {number}:</p>",
            f'<pre><code class="language-python">{esc(cell)}</code></pre>',
        ]
    for number, output in enumerate(message.get("outputs") or [], start=1):
        marked = [n for n in numbered if n.claim.source == "output" and n.claim.cell == number - 1]
        body = marked_html(output, marked, pre=True)[5:-6] if marked else esc(output)
        parts += [f"<p>Output {number}:</p>", f'<pre class="output">{body}</pre>']
    for number, image in enumerate(message.get("images") or [], start=1):
        parts.append(_image(number, image))
    parts += [_file(entry) for entry in message.get("files") or []]
    parts += [f'<p class="error">{esc(line)}</p>' for line in error_lines(message)]
    if message.get("verification"):
        parts += _verdict(message["verification"])
    return '<div class="answer">' + "\n".join(parts) + "</div>"


def _image(number: int, image: Mapping[str, Any]) -> str:
    mime = str(image.get("mime") or "image/png")
    encoded = image.get("data_base64") or ""
    label = f"figure {number}"
    if image.get("filename"):
        label += f": {image['filename']}"
    if not encoded:
        return f"<p>{esc(label)} ({esc(mime)}): no image data kept (at most a provider URL).</p>"
    if not safe_image_mime(mime) or not _is_base64(encoded):
        return f"<p>{esc(label)} ({esc(mime)}): not an image type a report embeds.</p>"
    caption = f"{label} ({mime}, {format_size(len(base64.b64decode(encoded)))})"
    return (
        f'<figure><img src="data:{mime};base64,{encoded}" alt="{esc(label)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


def _is_base64(text: str) -> bool:
    """Only base64 characters: nothing can end the attribute it is written into."""
    return bool(_BASE64.match(text))


def _file(entry: Mapping[str, Any]) -> str:
    name = str(entry.get("filename") or "file")
    encoded = entry.get("data_base64") or ""
    mime = str(entry.get("mime") or "application/octet-stream")
    if not _is_base64(encoded) or len(encoded) > EMBED_LIMIT * 4 // 3:
        return f"<p>File {esc(name)} ({esc(mime)}): too large or unreadable, not embedded.</p>"
    size = format_size(len(base64.b64decode(encoded)))
    # octet-stream whatever it claims to be: a download, never a page the browser renders
    uri = f"data:application/octet-stream;base64,{encoded}"
    return (
        f'<p>File: <a download="{esc(name)}" href="{uri}">{esc(name)}</a> '
        f"({esc(mime)}, {size}, embedded)</p>"
    )


def _verdict(verification: Mapping[str, Any]) -> list[str]:
    from assistant_core.claims.marks import coverage_line, number
    from assistant_core.claims.model import Claim

    numbered = number(Claim.from_dict(c) for c in verification.get("claims") or [])
    parts = [
        "<p><strong>Checked, claim by claim, against the local results.</strong> "
        f"{esc(variant_line(verification))} "
        f"{esc(coverage_line([n.claim for n in numbered]))}.</p>",
    ]
    parts += [f'<p class="note">{esc(note)}</p>' for note in verification.get("notes") or []]
    parts.append(_table(verdict_table(verification)))
    if numbered:
        items = "".join(
            f'<li class="{esc(item.claim.verdict)}">{esc(line)}</li>'
            for item, line in zip(listing(numbered), claims_lines(numbered), strict=True)
        )
        parts.append(f'<ul class="claims">{items}</ul>')
    return parts


def _reproduce(thread: Mapping[str, Any]) -> list[str]:
    return [
        '<h2 id="reproduce">Reproduce</h2>',
        "<h3>R</h3>",
        f'<pre><code class="language-r">{esc(r_code(thread))}</code></pre>',
        "<h3>Python (scipy)</h3>",
        f'<pre><code class="language-python">{esc(python_code(thread))}</code></pre>',
    ]


def _versions(thread: Mapping[str, Any]) -> list[str]:
    versions = package_versions(conversation_code(thread))
    rows = tuple(versions.items())
    return [
        '<h2 id="software">Software</h2>',
        f'<p class="note">{esc(VERSIONS_NOTE)}</p>',
        _table(Table(("Package", "version"), rows)),
    ]


# --------------------------------------------------------------------------- prose

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


def html_prose(text: str) -> str:
    """The assistant's Markdown as safe HTML: paragraphs, bold, inline code, code blocks.

    Every piece of text is escaped before any tag of ours is put around it, so nothing in
    ``text`` can become markup.
    """
    blocks: list[str] = []
    paragraph: list[str] = []
    code: list[str] | None = None
    opening = ""
    for line in text.splitlines():
        match = FENCE_LINE.match(line)
        if code is not None:
            if match and closes_fence(match, opening):
                blocks.append(f"<pre><code>{esc(chr(10).join(code))}</code></pre>")
                code = None
                continue
            code.append(line)
        elif match:
            blocks.extend(_paragraph(paragraph))
            paragraph, code, opening = [], [], match.group(1)
        elif line.strip():
            paragraph.append(line)
        else:
            blocks.extend(_paragraph(paragraph))
            paragraph = []
    blocks.extend(_paragraph(paragraph))
    if code is not None:  # a fence never closed: the rest is code, and the report goes on
        blocks.append(f"<pre><code>{esc(chr(10).join(code))}</code></pre>")
    return "\n".join(blocks)


def _paragraph(lines: list[str]) -> list[str]:
    if not lines:
        return []
    return [f"<p>{_inline(chr(10).join(lines))}</p>"]


def _inline(text: str) -> str:
    pieces: list[str] = []
    at = 0
    for span in CODE_SPAN.finditer(text):
        pieces.append(_BOLD.sub(r"<strong>\1</strong>", esc(text[at : span.start()])))
        pieces.append(f"<code>{esc(span.group(2).strip() or span.group(2))}</code>")
        at = span.end()
    pieces.append(_BOLD.sub(r"<strong>\1</strong>", esc(text[at:])))
    return "".join(pieces)


# --------------------------------------------------------------------------- the plot


def _plot_figure(data: Mapping[str, Any]) -> str:
    png = groups_plot_png(data)
    alt = "The data: every value as a point, with a box plot per group"
    caption = (
        "Each value as a point (jittered sideways), with the median and quartiles (box), "
        "whiskers to 1.5 IQR and the mean (diamond)"
    )
    if data.get("paired"):
        caption += "; lines join the two values of a pair"
    if any(len(g["values"]) > PLOT_POINTS for g in data["groups"]):
        caption += f"; at most {PLOT_POINTS} points drawn per group (a fixed random subset)"
    return (
        f'<figure><img src="{_data_uri("image/png", png)}" alt="{esc(alt)}" id="data-plot">'
        f"<figcaption>{esc(caption)}.</figcaption></figure>"
    )


def _short(name: str, limit: int = 28) -> str:
    flat = " ".join(name.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def groups_plot_png(data: Mapping[str, Any]) -> bytes:
    """A PNG of the groups: points, box plot and mean per group (matplotlib, Agg).

    Uses a :class:`matplotlib.figure.Figure` of its own (never pyplot) inside an
    ``rc_context``, so no global matplotlib state is touched; group names are drawn as
    plain text (no mathtext), and a glyph the font lacks is drawn as a box, not a warning.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    groups = data["groups"]
    values = [np.asarray(g["values"], dtype=float) for g in groups]
    positions = np.arange(1, len(values) + 1)
    rng = np.random.default_rng(0)
    with matplotlib.rc_context({"font.size": 9}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing", category=UserWarning)
        figure = Figure(figsize=(min(12.0, 2.5 + 1.3 * len(values)), 3.6), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.boxplot(values, positions=positions, widths=0.5, showfliers=False,
                     manage_ticks=False)  # fmt: skip
        jitter = [rng.uniform(-0.12, 0.12, len(v)) for v in values]
        if data.get("paired") and len(values) == 2 and len(values[0]) <= 500:
            for i in range(len(values[0])):
                axes.plot(positions + np.array([jitter[0][i], jitter[1][i]]),
                          [values[0][i], values[1][i]], color="0.75", linewidth=0.7)  # fmt: skip
        for position, sample, offsets in zip(positions, values, jitter, strict=True):
            shown = np.arange(len(sample))
            if len(sample) > PLOT_POINTS:
                shown = np.sort(rng.choice(len(sample), PLOT_POINTS, replace=False))
            axes.scatter(position + offsets[shown], sample[shown], s=14, alpha=0.6, zorder=3)
            if len(sample):
                axes.scatter([position], [sample.mean()], marker="D", color="black", zorder=4)
        axes.set_xticks(positions, [_short(str(g["name"])) for g in groups], parse_math=False)
        axes.set_ylabel("value")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
