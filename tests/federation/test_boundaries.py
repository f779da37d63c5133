"""federation/ is a pure library: it never imports the server, inbox or outbox, and no
module grows past ~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import federation

ROOT = Path(federation.__file__).parent
FORBIDDEN = ("instance", "inbox", "outbox", "media", "quart", "tortoise")


def modules():
    return sorted(ROOT.rglob("*.py"))


def test_no_forbidden_imports():
    for path in modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_modules_stay_small():
    for path in modules():
        assert len(path.read_text().splitlines()) <= 400, path
