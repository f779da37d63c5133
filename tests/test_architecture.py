"""The package boundaries, checked on every test run: one test per rule, each naming
the imports that break it. `python -m tests.rig.import_graph` prints the same report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rig import import_graph
from tests.rig.import_graph import LAYERS, MAX_LINES, Graph, breaches, build


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build()


def explain(rule: str, found: list[str]) -> str:
    return f"{rule}:\n  " + "\n  ".join(found) + "\n(see tests/rig/import_graph.py for the layers)"


def test_pure_libraries_do_not_import_the_server(graph):
    found = import_graph.libraries_importing_the_server(graph)
    assert not found, explain("federation/ and media/ must work without instance/, inbox/, "
                              "outbox/", found)


def test_sending_does_not_import_receiving(graph):
    found = import_graph.sending_importing_receiving(graph)
    assert not found, explain("outbox/ must not import inbox/", found)


def test_only_the_cli_imports_the_app(graph):
    found = import_graph.composition_root_importers(graph)
    assert not found, explain("instance/app.py is the composition root: only instance/cli "
                              "may import it; pass what you need in instead", found)


def test_no_import_circles(graph):
    found = breaches(graph)["import circles"]
    assert not found, explain("import circles (break one edge; a lazy import does not count "
                              "as broken)", found)


def test_no_imports_up_the_layers(graph):
    found = breaches(graph)["imports up the layers"]
    order = " < ".join(name for name, _ in LAYERS)
    assert not found, explain(f"a module may import only its own layer or lower ({order})", found)


def test_every_module_is_in_a_layer(graph):
    found = breaches(graph)["modules in no layer"]
    assert not found, explain("modules in no layer: add their prefix to LAYERS", found)


def test_no_module_past_the_size_limit(graph):
    found = breaches(graph)["modules past the size limit"]
    assert not found, explain(f"modules over {MAX_LINES} lines: split them", found)


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_reports_what_it_must(tmp_path):
    """A tiny tree breaking every rule, so a checker that went blind would fail here."""
    write_tree(tmp_path, {
        "federation/__init__.py": "",
        "federation/a.py": "from federation import b\n",
        "federation/b.py": "import federation.a\n",  # a circle with a
        "media/__init__.py": "",
        "media/leaky.py": "from instance.config import X\n",  # a library reaching the server
        "instance/__init__.py": "",
        "instance/config.py": "from instance.web import page\n",  # core importing views
        "instance/web.py": "page = 1\n",
        "instance/app.py": "",
        "instance/stray.py": "import instance.app\n" + "x = 1\n" * (MAX_LINES + 1),
        "outbox/__init__.py": "from inbox import handlers\n",
        "inbox/__init__.py": "",
        "inbox/handlers.py": "",
    })
    graph = build(tmp_path)
    assert set(graph.modules) >= {"federation.a", "instance.web", "outbox", "inbox.handlers"}
    found = breaches(graph)
    assert found["import circles"] == ["federation.a <-> federation.b"]
    assert "instance.config (core) imports instance.web (views)" in found["imports up the layers"]
    assert import_graph.libraries_importing_the_server(graph) == [
        "media.leaky (a pure library) imports the server: instance.config"]
    assert import_graph.sending_importing_receiving(graph) == [
        "outbox imports inbox.handlers: sending never imports receiving"]
    assert import_graph.composition_root_importers(graph) == [
        "instance.stray imports the composition root instance.app"]
    assert found["modules in no layer"] == ["instance.stray"]
    assert found["modules past the size limit"] == [
        f"instance.stray has {MAX_LINES + 2} lines (limit {MAX_LINES})"]
    assert len(found["walls"]) == 3
