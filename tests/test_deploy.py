"""A fresh virtual environment with requirements.txt only starts the dashboard and answers the
health route, as a hosted deploy would: no dev requirements (pytest, hypothesis, PyYAML,
Playwright, pingouin), no system site-packages. pip's own cache makes a second run faster.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, wait_for_health

pytestmark = [pytest.mark.deploy, pytest.mark.timeout(900)]

#: top-level modules of the dev requirements: none may be installed, or imported at run time
DEV_ONLY = ("pytest", "_pytest", "hypothesis", "yaml", "playwright", "pingouin", "ruff")


def _env(data_dir: Path) -> dict[str, str]:
    """The environment of a deploy: no settings of ours or of the dev venv leak in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "STREAMLIT_", "CHAT_"))
        and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DATABASE_URL")
    }
    env["ASSISTANT_DATA_DIR"] = str(data_dir)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _run(python: Path, code: str, env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def deploy() -> Iterator[tuple[Path, dict[str, str]]]:
    """(the python of a new venv holding requirements.txt only, the environment to run it in)"""
    with tempfile.TemporaryDirectory(prefix="deploy-") as folder:
        venv = Path(folder) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        python = venv / "bin" / "python"
        env = _env(Path(folder) / "data")
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.txt")],
            env=env,
            capture_output=True,
            text=True,
            timeout=780,
        )
        assert install.returncode == 0, f"pip install failed:\n{install.stderr[-4000:]}"
        yield python, env


def test_the_dashboard_starts_and_answers_the_health_route(
    deploy: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    python, env = deploy
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                *(str(python), "-m", "streamlit", "run", "app.py", "--server.headless", "true"),
                *("--server.port", str(port), "--server.address", "127.0.0.1"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_health(f"{url}/_stcore/health", server, timeout=120)
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
                assert response.status == 200
                assert response.read().decode() == "ok"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
                assert response.headers.get_content_type() == "text/html"
                assert '<div id="root">' in response.read().decode()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    assert "Traceback" not in log_path.read_text(errors="replace")


def test_every_module_imports_without_the_dev_requirements(
    deploy: tuple[Path, dict[str, str]],
) -> None:
    python, env = deploy
    output = _run(
        python,
        f"""
        import importlib, importlib.util, json, pkgutil, sys
        import assistant_core

        dev = {DEV_ONLY!r}
        installed = [name for name in dev if importlib.util.find_spec(name) is not None]
        names = [
            m.name for m in pkgutil.walk_packages(assistant_core.__path__, "assistant_core.")
            if not m.name.endswith(".__main__")  # runs the command line
        ]
        failed = {{}}
        for name in names:
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed[name] = f"{{type(exc).__name__}}: {{exc}}"
        imported = sorted({{m.split(".")[0] for m in sys.modules}} & set(dev))
        print(json.dumps({{"installed": installed, "modules": names, "failed": failed,
                          "imported": imported}}))
        """,
        env,
    )
    found = json.loads(output.strip().splitlines()[-1])
    assert found["installed"] == [], "the venv has dev requirements: the test proves nothing"
    assert "assistant_core.ui.assistant_settings" in found["modules"]
    assert found["failed"] == {}
    assert found["imported"] == []


def test_the_pages_and_the_built_in_analyst_run_in_it(
    deploy: tuple[Path, dict[str, str]],
) -> None:
    """Every page draws, the example is analysed, and the analyst's kernel runs its code."""
    python, env = deploy
    output = _run(
        python,
        f"""
        import json
        from streamlit.testing.v1 import AppTest

        seen = {{}}
        for page in ("pages/analyse.py", "pages/history.py", "pages/assistants.py",
                     "pages/settings.py"):
            app = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=60).run()
            if page == "pages/analyse.py":
                app.button(key="analyse.example").click().run()
                app.button(key="analyse.run").click().run()
            else:
                app.switch_page(page).run()
            seen[page] = {{
                "titles": [t.value for t in app.title],
                "problems": [str(e.value) for e in [*app.exception, *app.error]],
                "charts": len(app.get("plotly_chart")),
            }}
        print(json.dumps(seen))
        """,
        env,
    )
    seen = json.loads(output.strip().splitlines()[-1])
    assert all(s["problems"] == [] for s in seen.values()), seen
    assert seen["pages/analyse.py"]["titles"] == ["Do these groups differ?"]
    assert seen["pages/analyse.py"]["charts"] > 0
    assert seen["pages/settings.py"]["titles"] == ["Settings"]

    ask = subprocess.run(
        [
            *(str(python), "-m", "assistant_core", "ask", "--backend", "builtin", "--no-save"),
            *("--group", "A=1,2,3,4,5", "--group", "B=3,4,5,6,8", "--json"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ask.returncode == 0, ask.stderr
    types = [json.loads(line)["type"] for line in ask.stdout.splitlines()]
    assert "error" not in types, ask.stdout[-2000:]
    assert {"code_output", "image_output", "verification"} <= set(types)
