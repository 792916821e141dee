"""The `python -m assistant_core check` contract of DESIGN.md, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLEEP_1 = "0.7,-1.6,-0.2,-1.2,-0.1,3.4,3.7,0.8,0.0,2.0"
SLEEP_2 = "1.9,0.8,1.1,0.1,-0.1,4.4,5.5,1.6,4.6,3.4"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant_core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def strict_json(text: str) -> dict:
    def reject(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def test_two_groups_json_contract():
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939,
    #    95 percent CI -3.3654832 0.2054832 (R's ?t.test example)
    result = run("check", "--json", "--group", f"1={SLEEP_1}", "--group", f"2={SLEEP_2}")
    assert result.returncode == 0, result.stderr
    report = strict_json(result.stdout)
    assert report["design"] == "independent"
    assert report["alpha"] == 0.05 and report["alternative"] == "two-sided"
    assert [g["name"] for g in report["groups"]] == ["1", "2"]
    assert set(report["tests"]) >= {
        "student_t",
        "welch_t",
        "mann_whitney_u",
        "shapiro_wilk",
        "levene",
    }
    assert "paired_t" not in report["tests"] and "one_way_anova" not in report["tests"]
    welch = report["tests"]["welch_t"]
    assert welch["statistic"] == pytest.approx(-1.8608, abs=5e-5)
    assert welch["df"] == pytest.approx(17.776, abs=5e-4)
    assert welch["p_value"] == pytest.approx(0.07939, abs=5e-6)
    assert welch["ci_low"] == pytest.approx(-3.3654832, abs=5e-7)
    assert welch["ci_high"] == pytest.approx(0.2054832, abs=5e-7)
    assert welch["mean_difference"] == pytest.approx(-1.58)
    assert set(report["effect_sizes"]) >= {"cohens_d", "hedges_g"}
    assert report["recommended"] in report["tests"]
    assert isinstance(report["warnings"], list)


def test_paired_from_wide_csv(tmp_path):
    # R: t.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE)
    #    -> t = -4.0621, df = 9, p-value = 0.002833 (R's ?t.test example)
    path = tmp_path / "sleep.csv"
    rows = zip(SLEEP_1.split(","), SLEEP_2.split(","), strict=True)
    path.write_text("drug1,drug2\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n")
    result = run("check", "--json", "--csv", str(path), "--columns", "drug1,drug2", "--paired")
    assert result.returncode == 0, result.stderr
    report = strict_json(result.stdout)
    assert report["design"] == "paired"
    paired = report["tests"]["paired_t"]
    assert paired["statistic"] == pytest.approx(-4.0621, abs=5e-5)
    assert paired["df"] == 9
    assert paired["p_value"] == pytest.approx(0.002833, abs=5e-7)
    assert "wilcoxon_signed_rank" in report["tests"]
    assert "cohens_dz" in report["effect_sizes"]


def test_long_csv_three_groups(tmp_path):
    # R: summary(aov(weight ~ group, data = PlantGrowth)) -> F = 4.846 on 2 and 27 df, p = 0.0159
    ctrl = [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14]
    trt1 = [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69]
    trt2 = [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26]
    lines = ["weight;group"]
    for name, values in (("ctrl", ctrl), ("trt1", trt1), ("trt2", trt2)):
        lines += [f"{str(v).replace('.', ',')};{name}" for v in values]
    path = tmp_path / "plants.csv"
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode())
    result = run(
        "check", "--json", "--csv", str(path), "--group-col", "group", "--value-col", "weight"
    )
    assert result.returncode == 0, result.stderr
    report = strict_json(result.stdout)
    assert report["design"] == "multi"
    anova = report["tests"]["one_way_anova"]
    assert anova["statistic"] == pytest.approx(4.846, abs=5e-4)
    assert (anova["df_between"], anova["df_within"]) == (2, 27)
    assert anova["p_value"] == pytest.approx(0.01591, abs=5e-6)
    assert {"welch_anova", "kruskal_wallis", "post_hoc"} <= set(report["tests"])
    assert len(report["tests"]["post_hoc"]) == 3


def test_human_readable_table():
    result = run("check", "--group", f"drug 1={SLEEP_1}", "--group", f"drug 2={SLEEP_2}")
    assert result.returncode == 0, result.stderr
    assert "Welch's t-test" in result.stdout
    assert "Welch's t(17.78) = -1.86, p = .079" in result.stdout
    assert "drug 1" in result.stdout


def test_degenerate_input_is_strict_json_with_warning():
    result = run("check", "--json", "--group", "A=5", "--group", "B=5,5,5")
    assert result.returncode == 0, result.stderr
    report = strict_json(result.stdout)
    assert report["tests"]["welch_t"]["statistic"] is None
    assert report["warnings"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--group", "A=1,2,3x", "--group", "B=4,5,6"], "3x"),
        (["--group", "A=1,2,3"], "two"),
        (["--group", "A1,2,3", "--group", "B=4,5"], "NAME=v1,v2"),
        (["--group", "A=1,2", "--group", "A=3,4"], "twice"),
        (["--group", "A=1,2,3", "--group", "B=4,5", "--paired"], "same number"),
        (["--group", "A=1,2,3", "--group", "B=4,5,6", "--alpha", "1.5"], "lpha"),
        (["--csv", "/nonexistent/file.csv"], "file.csv"),
        ([], "No data"),
        (["--alternative", "sideways", "--group", "A=1,2", "--group", "B=3,4"], "sideways"),
        (["--alpha", "abc", "--group", "A=1,2", "--group", "B=3,4"], "abc"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args, expected):
    result = run("check", "--json", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_csv_names_the_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("group,value\nA,1\nA,2\nB,three\nB,4\n")
    result = run("check", "--csv", str(path), "--group-col", "group", "--value-col", "value")
    assert result.returncode == 2
    assert "three" in result.stderr and "value" in result.stderr
    assert "Traceback" not in result.stderr
