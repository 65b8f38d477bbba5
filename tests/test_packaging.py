"""The project's packaging promises: one set of dependencies, one command, two make targets."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_lists_the_same_runtime_dependencies_as_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    runtime = {_name(d): d for d in _pyproject()["project"]["dependencies"]}
    assert set(runtime) <= set(conda), f"missing from environment.yml: {set(runtime) - set(conda)}"
    extra = set(conda) - set(runtime) - {"python", "quarto", "pip"}
    assert not extra, f"environment.yml has dependencies pyproject.toml lacks: {extra}"
    for name, spec in runtime.items():
        assert conda[name].replace(" ", "") == spec.replace(" ", ""), f"{name}: versions differ"
    assert "conda-forge" in env["channels"]
    assert any(str(d).startswith("quarto") for d in env["dependencies"])
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])


def test_console_command_is_declared():
    assert _pyproject()["project"]["scripts"]["csp-report"] == "analysis.cli:main"


def test_readme_quick_start_is_the_two_make_commands():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
    assert blocks, "README has no command block"
    assert [line.strip() for line in blocks[0].strip().splitlines()] == ["make report", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_code_is_linted_and_formatted():
    import subprocess
    import sys

    ruff = [sys.executable, "-m", "ruff"]
    paths = ["src", "tests", "benchmarks"]
    check = subprocess.run([*ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run([*ruff, "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout
