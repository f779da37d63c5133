"""The import graph of Impasto's packages, built with `ast`, and the layering it must keep.

    .venv/bin/python -m tests.rig.import_graph        # prints every breach; exit 1 if any

Every import counts, module-level or inside a function (a lazy import hides an edge, it
does not remove it). Imports under `if TYPE_CHECKING:` are type-only: they cannot form a
run-time circle, so they are left out of the circle check, but they still must not point
up the layers. `tests/test_architecture.py` runs the same checks in `make test`.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("federation", "media", "instance", "inbox", "outbox")
MAX_LINES = 500

# Lowest first. A module belongs to the layer of the longest prefix that names it (a
# name starting with "=" names that one module only), and may import only from its own
# layer or lower ones.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pure libraries", ("federation", "media")),
    ("core", ("=instance", "instance.config", "instance.logs", "instance.mail", "instance.urls",
              "instance.text", "instance.translation", "instance.errors", "instance.storage",
              "instance.jobs", "instance.services",
              "instance.image_pool", "instance.counters", "instance.site_settings",
              "instance.single_flight", "instance.heap",
              "instance.config_checks", "instance.config_example", "instance.push.keys",
              "instance.push.trigger")),
    ("rules and records", ("instance.moderation", "instance.actors", "instance.attachments", "instance.emoji",
                           "instance.push")),
    ("sending", ("outbox", "instance.push.delivery")),
    ("actions", ("instance.actions", "instance.moderation.reports", "instance.jobboard")),
    ("receiving", ("inbox",)),
    ("views", ("instance.web", "instance.api", "inbox.views")),
    ("composition", ("instance.app", "instance.job_handlers", "instance.cli")),
)


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    type_edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def module_name(path: Path, root: Path = REPO_ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside `if TYPE_CHECKING:` blocks."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                found.update(id(n) for n in ast.walk(inner))
    return found


def build(root: Path = REPO_ROOT) -> Graph:
    graph = Graph()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts:
                graph.modules[module_name(path, root)] = path

    def resolve(name: str) -> str | None:
        while name and name not in graph.modules:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in graph.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typed_only = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                # `from pkg import module` names the module; `from module import thing` the module.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in graph.modules else base
                           for a in node.names]
            for target in targets:
                resolved = resolve(target)
                if resolved and resolved != name:
                    (graph.type_edges if id(node) in typed_only else graph.edges)[name].add(resolved)
    return graph


def layer_of(module: str) -> int:
    best, best_len = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix.startswith("=")
            prefix = prefix.lstrip("=")
            if (module == prefix or (not exact and module.startswith(prefix + "."))) \
                    and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def circles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (run-time imports only)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def _layer_name(module: str) -> str:
    layer = layer_of(module)
    return LAYERS[layer][0] if layer >= 0 else "no layer"


def upward_imports(graph: Graph) -> list[str]:
    breaches = []
    for source in sorted(graph.modules):
        for target in sorted(graph.edges.get(source, set()) | graph.type_edges.get(source, set())):
            if layer_of(target) > layer_of(source) >= 0:
                breaches.append(f"{source} ({_layer_name(source)}) imports {target} "
                                f"({_layer_name(target)})")
    return breaches


def unplaced(graph: Graph) -> list[str]:
    return [m for m in sorted(graph.modules) if layer_of(m) < 0]


def _all_edges(graph: Graph) -> list[tuple[str, str]]:
    return [(source, target) for source in sorted(graph.modules)
            for target in sorted(graph.edges.get(source, set()) | graph.type_edges.get(source, set()))]


def libraries_importing_the_server(graph: Graph) -> list[str]:
    """federation/ and media/ are pure libraries: usable without the server."""
    return [f"{source} (a pure library) imports the server: {target}"
            for source, target in _all_edges(graph)
            if source.split(".")[0] in ("federation", "media")
            and target.split(".")[0] in ("instance", "inbox", "outbox")]


def sending_importing_receiving(graph: Graph) -> list[str]:
    return [f"{source} imports {target}: sending never imports receiving"
            for source, target in _all_edges(graph)
            if source.startswith("outbox") and target.startswith("inbox")]


def composition_root_importers(graph: Graph) -> list[str]:
    """Only the CLI may import instance.app: everything else is wired by it."""
    return [f"{source} imports the composition root instance.app"
            for source, target in _all_edges(graph)
            if target == "instance.app" and not source.startswith("instance.cli")]


def forbidden_imports(graph: Graph) -> list[str]:
    """The walls that hold whatever the layers say."""
    return sorted(libraries_importing_the_server(graph) + sending_importing_receiving(graph)
                  + composition_root_importers(graph))


def oversized(graph: Graph) -> list[str]:
    return [f"{name} has {n} lines (limit {MAX_LINES})" for name, path in sorted(graph.modules.items())
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]


def breaches(graph: Graph) -> dict[str, list[str]]:
    return {
        "import circles": [" <-> ".join(c) for c in circles(graph)],
        "imports up the layers": upward_imports(graph),
        "walls": forbidden_imports(graph),
        "modules in no layer": unplaced(graph),
        "modules past the size limit": oversized(graph),
    }


def main() -> int:
    graph = build()
    found = breaches(graph)
    edges = sum(len(v) for v in graph.edges.values())
    print(f"{len(graph.modules)} modules, {edges} import edges")
    for title, items in found.items():
        print(f"{title}: {len(items)}")
        for item in items:
            print(f"  {item}")
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
