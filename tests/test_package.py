"""The package as installed: its layers, its data files, its command."""

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import sohoa.archive
from conftest import REPO, SOHOA


def test_layers_only_import_downward():
    """api → ingest → search | iso_procedures → archive, checked by import-linter."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_installed_package_carries_its_migrations():
    migrations = resources.files("sohoa.archive.migrations")
    assert (migrations / "script.py.mako").is_file()
    assert (migrations / "env.py").is_file()
    assert any(p.name.startswith("0001") for p in (migrations / "versions").iterdir())


def test_ci_tests_the_non_editable_install():
    installed = Path(sohoa.archive.__file__).resolve()
    assert installed.name == "__init__.py"
    if os.environ.get("CI") == "true":
        assert installed != REPO / "archive" / "__init__.py"
        assert "site-packages" in installed.parts, (
            f"CI must test the installed package: {installed}"
        )


def test_the_command_lists_its_subcommands():
    result = subprocess.run([SOHOA, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("ingest", "search", "show", "edit", "repair", "serve", "reindex"):
        assert command in result.stdout


def test_code_passes_the_linter_and_the_formatter():
    ruff = str(Path(sys.executable).parent / "ruff")
    for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
