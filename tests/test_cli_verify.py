"""The `python -m assistant_core verify` contract of DESIGN.md, run as a real subprocess.

Data: R's ``sleep`` (``?t.test``): Welch t = -1.8608, df = 17.776, p-value = 0.07939. The
texts are MADE UP for the contract (one seeded error: p = .0312); real passages go through the
same function in tests/test_claims_corpus.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import ROOT, SLEEP_1, SLEEP_2, strict_json

DATA = ("--group", f"drug 1={SLEEP_1}", "--group", f"drug 2={SLEEP_2}")
TEXT = (
    "We ran Welch's t-test. The groups differ significantly, t(17.78) = -1.86, p = .0312.\n"
    "The mean of drug 1 was 0.75."
)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`verify` as a subprocess (the `check` tests' helper takes no standard input)."""
    return subprocess.run(
        [sys.executable, "-m", "assistant_core", "verify", *args],
        cwd=ROOT,
        capture_output=True,
        input=stdin,
        text=True,
        timeout=120,
    )


def claims_at(out: dict, piece: str) -> list[dict]:
    start = out["text"].index(piece)
    end = start + len(piece)
    return [
        c for c in out["claims"] if c["source"] == "text" and c["start"] < end and start < c["end"]
    ]


def test_json_contract_with_data(tmp_path: Path) -> None:
    path = tmp_path / "answer.md"
    path.write_text(TEXT, encoding="utf-8")
    result = run("--text", str(path), *DATA, "--json")
    assert result.returncode == 0, result.stderr
    out = strict_json(result.stdout)
    assert out["text"] == TEXT
    for claim in out["claims"]:
        assert set(claim) >= {"start", "end", "source", "kind", "reported", "expected"}
        assert set(claim) >= {"verdict", "decision_error", "reason"}
        assert claim["verdict"] in ("confirmed", "contradicted", "unchecked")
        piece = TEXT[claim["start"] : claim["end"]]
        assert piece.strip(), claim  # the offsets index the text
    p = claims_at(out, ".0312")
    assert [c["verdict"] for c in p] == ["contradicted"]
    assert p[0]["expected"] == pytest.approx(0.07939, abs=5e-6) and p[0]["decision_error"]
    assert [c["verdict"] for c in claims_at(out, "differ significantly")] == ["contradicted"]
    assert [c["verdict"] for c in claims_at(out, "-1.86")] == ["confirmed"]
    assert [c["verdict"] for c in claims_at(out, "0.75")] == ["confirmed"]  # R: mean 0.75
    coverage = out["coverage"]
    assert coverage["contradicted"] == 2 and coverage["numbers"] >= 4
    assert coverage["checked"] == sum(c["verdict"] != "unchecked" for c in out["claims"])


def test_standard_input_and_the_terminal_listing() -> None:
    result = run("--text", "-", *DATA, stdin=TEXT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "p = .0312 [✗ 0.07939" in out  # marked in place
    assert "contradicted" in out and "Traceback" not in out


def test_html_is_read_as_its_text(tmp_path: Path) -> None:
    path = tmp_path / "answer.html"
    path.write_text(
        "<html><head><style>p{}</style><script>var p = 0.5;</script></head><body>"
        "<p>Welch&#39;s t(17.78) = &minus;1.86, <em>p</em> = .079.</p></body></html>",
        encoding="utf-8",
    )
    out = strict_json(run("--text", str(path), *DATA, "--json").stdout)
    assert "var p" not in out["text"] and "Welch's t(17.78)" in out["text"]
    assert out["coverage"]["contradicted"] == 0 and out["coverage"]["checked"] >= 3


def test_a_pdf_gives_each_claim_its_page(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["pdf.fonttype"] = 42  # real text in the PDF, not outlines
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    path = tmp_path / "paper.pdf"
    with PdfPages(path) as pdf:
        for line in ("Methods: we compared two drugs.", "Welch's t(17.78) = -1.86, p = .0312."):
            figure = Figure(figsize=(6, 2))
            figure.text(0.05, 0.5, line)
            pdf.savefig(figure)
    result = run("--text", str(path), *DATA, "--json")
    assert result.returncode == 0, result.stderr
    out = strict_json(result.stdout)
    p = claims_at(out, ".0312")
    assert p and p[0]["verdict"] == "contradicted" and p[0]["page"] == 2


def test_code_and_output_are_checked_beside_the_text(tmp_path: Path) -> None:
    text, code, output = tmp_path / "t.md", tmp_path / "c.py", tmp_path / "o.txt"
    text.write_text("The difference is significant (p = 0.0312).", encoding="utf-8")
    code.write_text("print(stats.ttest_ind(a, b, equal_var=False))\n", encoding="utf-8")
    output.write_text(
        "TtestResult(statistic=-1.8608134674868526, pvalue=0.07939414018735223, "
        "df=17.776473516178655)\n",
        encoding="utf-8",
    )
    result = run("--text", str(text), "--code", str(code), "--output", str(output), *DATA, "--json")
    out = strict_json(result.stdout)
    printed = [c for c in out["claims"] if c["source"] == "output"]
    assert printed and all(c["verdict"] == "confirmed" for c in printed)
    assert [c["verdict"] for c in claims_at(out, "0.0312")] == ["contradicted"]


def test_without_data_it_checks_consistency(tmp_path: Path) -> None:
    path = tmp_path / "paper.txt"
    path.write_text("t(18) = 2.10, p = .050; t(18) = 2.10, p = .005.", encoding="utf-8")
    out = strict_json(run("--text", str(path), "--json").stdout)
    verdicts = [c["verdict"] for c in out["claims"] if c["kind"] == "p_value"]
    assert verdicts == ["confirmed", "contradicted"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (bytes(range(256)) * 40, "binary"),
        (b"%PDF-1.4 broken", "PDF"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / ("paper.pdf" if content.startswith(b"%PDF") else "answer.txt")
    path.write_bytes(content)
    result = run("--text", str(path), *DATA)
    err = result.stderr
    assert result.returncode == 2, (result.stdout, err)
    assert message.lower() in err.lower() and path.name in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_missing_file_and_bad_data_are_clear(tmp_path: Path) -> None:
    missing = run("--text", str(tmp_path / "nope.txt"), *DATA)
    assert missing.returncode == 2 and "nope.txt" in missing.stderr
    path = tmp_path / "a.txt"
    path.write_text("p = .05", encoding="utf-8")
    bad = run("--text", str(path), "--group", "a=1,2,x", "--group", "b=3,4,5")
    assert bad.returncode == 2 and "x" in bad.stderr
    assert "Traceback" not in missing.stderr + bad.stderr


def test_five_megabytes_of_text_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("The groups differ, t(18) = 2.1. " * 160_000, encoding="utf-8")  # ~5 MB
    result = run("--text", str(path), *DATA)
    err = result.stderr
    assert result.returncode == 2 and "characters" in err and "Traceback" not in err
