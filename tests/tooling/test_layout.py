"""The map's dependency rules (../shared/DESIGN.md, README "How it works"), checked on every import
in the tree: one room per runtime, and each room imports only what it may."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = ("hub", "handoff", "actions", "knowledge_base")
PACKAGES = ("bot", *APPLICATION)

# What each package must never import (first segment of the module name).
FORBIDDEN: dict[str, set[str]] = {
    # Inside Rasa: nothing of the application, and no web or Telegram framework of its own.
    "bot": {*APPLICATION, "sanic", "telegram", "rasa_sdk"},
    "hub": {"bot", "actions", "rasa"},
    "handoff": {"hub", "bot", "actions", "rasa", "telegram"},
    "actions": {"hub", "handoff", "bot", "rasa", "sanic", "telegram"},
    "knowledge_base": {"hub", "handoff", "bot", "actions", "rasa", "rasa_sdk", "sanic", "telegram"},
}
# Exceptions, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # A Rasa input channel is a Sanic blueprint by Rasa's design (Rasa's own Sanic 21).
    ("bot/hub_channel.py", "sanic"): "Rasa channels are Sanic blueprints",
    # The action server is a Sanic app with rasa_sdk's routes (endpoint.py), extended with authentication.
    ("actions/server.py", "sanic"): "rasa_sdk's app is a Sanic app",
    ("actions/endpoint.py", "sanic"): "rasa_sdk's routes, served on Sanic as rasa_sdk serves them",
}


def python_files(package: str, root: Path = ROOT) -> Iterator[Path]:
    yield from sorted((root / package).rglob("*.py"))


def imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def violations(root: Path = ROOT) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in python_files(package, root):
            relative = path.relative_to(root).as_posix()
            for module in imported_modules(path):
                top = module.split(".")[0]
                if top in FORBIDDEN[package] and (relative, top) not in ALLOWED:
                    found.append(f"{relative} imports {module}")
    return found


def test_every_import_follows_the_map() -> None:
    assert violations() == []


def test_only_bot_code_imports_rasa() -> None:
    importers = {path.relative_to(ROOT).as_posix()
                 for package in APPLICATION for path in python_files(package)
                 if any(module.split(".")[0] == "rasa" for module in imported_modules(path))}
    assert importers == set()
    assert any(module.startswith("rasa.") for path in python_files("bot") for module in imported_modules(path))


def test_the_application_package_ships_no_rasa_code() -> None:
    """pyproject packages the 3.11 application only; bot/ is loaded by Rasa from the checkout."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    include = next(line for line in pyproject.splitlines() if line.startswith("include = "))
    assert '"bot*"' not in include and all(f'"{package}*"' in include for package in APPLICATION)


def test_the_checker_catches_each_kind_of_violation(tmp_path: Path) -> None:
    files = {
        "handoff/x.py": "from hub.router import Router\n",
        "knowledge_base/y.py": "import handoff.models\n",
        "bot/z.py": "def f():\n    from telegram import Bot\n",
        "hub/ok.py": "from handoff.states import State\nfrom . import sibling\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert violations(tmp_path) == [
        "bot/z.py imports telegram", "handoff/x.py imports hub.router", "knowledge_base/y.py imports handoff.models"]


def conftest_imports(root: Path = ROOT) -> list[str]:
    """Test modules that import from a conftest (pytest loads conftests itself; shared helpers
    live in plain modules such as tests/browsers.py, tests/actions/trackers.py)."""
    return [f"{path.relative_to(root).as_posix()} imports {module}"
            for path in sorted((root / "tests").rglob("*.py"))
            for module in imported_modules(path) if module.split(".")[-1] == "conftest"]


def test_test_helpers_live_in_modules_not_conftests(tmp_path: Path) -> None:
    assert conftest_imports() == []
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("from tests.e2e.conftest import screenshot\n")
    assert conftest_imports(tmp_path) == ["tests/test_x.py imports tests.e2e.conftest"]
