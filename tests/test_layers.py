"""The package's layering: every import arrow points down, and no imports go round in a circle.

``LAYERS`` is the layering, top first.  A module may import modules of its own layer and of
the layers below it, never one above.  Every import counts, at any depth (deferred imports
inside functions too), except those under ``if TYPE_CHECKING:``, which are never run.
Besides, no two units import each other, directly or round a circle (a unit is a top-level
module or package of ``qualitytool``, a sub-package of ``qualitytool/exceptions``), and no
two modules do.  CONTRIBUTING.md describes the layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import qualitytool

PACKAGE = Path(qualitytool.__file__).parent
# Where each package's files are (qualitytool.codemods is installed from codemods/).
FOLDERS = {"qualitytool": PACKAGE, "qualitytool.codemods": PACKAGE.parent / "codemods"}

# The layers, top first: (name, the modules and packages in it).  A module belongs to the
# layer of the longest name it starts with; of the packages in ``ONLY_ITSELF``, only their
# ``__init__`` (the version, a docstring): their modules are in their own layers.
ONLY_ITSELF = frozenset({"qualitytool", "qualitytool.exceptions"})
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cli", ("qualitytool.cli", "qualitytool.__main__")),
    ("api", ("qualitytool.api",)),
    # The output formats of every command: renders what the engines return.
    ("formats", ("qualitytool.output",)),
    # The commands' engines, then exceptions/'s sub-packages in their order.
    ("engines", ("qualitytool.report", "qualitytool.todos", "qualitytool.scaffold",
                 "qualitytool.codemods", "qualitytool.ci_workflows",
                 # qualitytool kb: derived contracts written out as knowledge-base TOML
                 "qualitytool.exceptions.kb_export")),
    ("exceptions.fixing", ("qualitytool.exceptions.fixing",)),
    ("exceptions.evidence", ("qualitytool.exceptions.evidence",)),
    ("exceptions.inference", ("qualitytool.exceptions.inference",)),
    ("exceptions.checking", ("qualitytool.exceptions.checking",)),
    # Shared plumbing: configuration, files, caches, workers, schemas, shared renderers.
    ("plumbing", ("qualitytool.config", "qualitytool.gate_table", "qualitytool.discovery",
                  "qualitytool.listing_cache", "qualitytool.sources", "qualitytool.own_files",
                  "qualitytool.atomic_files",
                  "qualitytool.cache_files", "qualitytool.parallel", "qualitytool.gc_tuning",
                  "qualitytool.json_schemas", "qualitytool.shard", "qualitytool.module_parts",
                  "qualitytool.textdiff", "qualitytool.checks", "qualitytool.rendering",
                  "qualitytool.exceptions")),
    ("findings", ("qualitytool.findings", "qualitytool")),
)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([package, *parts])
            if package == "qualitytool" and parts[:1] == ["codemods"]:
                continue
            found[name] = path
    return found


MODULES = _modules()


def _imports_in(source: str, package: str) -> list[tuple[str, int]]:
    """``(module, line)`` of every import of ``source`` (a module of ``package``) that runs:
    at any depth, relative ones resolved, those under ``if TYPE_CHECKING:`` left out."""
    names: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING", "typing.TYPE_CHECKING"
        ):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            # ``from package import module`` imports that module.
            names.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return names


def _imported(module: str) -> Iterator[tuple[str, int]]:
    """``(our module, line)`` of ``module``'s imports of our modules."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for name, line in _imports_in(path.read_text(encoding="utf-8"), package):
        while name and name not in MODULES:  # ``from m import function``: m
            name = name.rpartition(".")[0]
        if name and name != module:
            yield name, line


IMPORTS = {module: sorted(set(_imported(module))) for module in MODULES}


def _owner(module: str, names: tuple[str, ...]) -> str | None:
    matching = [n for n in names
                if module == n or (n not in ONLY_ITSELF and module.startswith(n + "."))]
    return max(matching, key=len) if matching else None


def _layer(module: str) -> int:
    owners = [(len(owner), rank) for rank, (_, names) in enumerate(LAYERS)
              if (owner := _owner(module, names)) is not None]
    assert owners, f"{module} is in no layer: add it to LAYERS"
    return max(owners)[1]


def _unit(module: str) -> str:
    parts = module.split(".")
    depth = 3 if parts[:2] == ["qualitytool", "exceptions"] and len(parts) > 2 else 2
    return ".".join(parts[:depth])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _arrows(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    members = set(component)
    return [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        _layer(module)


def test_no_import_points_up() -> None:
    back = [
        f"{module}:{line} imports {target} "
        f"({LAYERS[_layer(module)][0]} -> {LAYERS[_layer(target)][0]})"
        for module, imports in IMPORTS.items()
        for target, line in imports
        if _layer(target) < _layer(module)
    ]
    assert not back, "imports that point up:\n" + "\n".join(back)


def test_no_circle_between_units() -> None:
    graph: dict[str, set[str]] = {}
    for module, imports in IMPORTS.items():
        graph.setdefault(_unit(module), set()).update(
            _unit(t) for t, _ in imports if _unit(t) != _unit(module)
        )
    circles = [" ".join(_arrows(graph, c)) for c in _cycles(graph)]
    assert not circles, "units importing each other:\n" + "\n".join(circles)


def test_no_circle_between_modules() -> None:
    graph = {module: {t for t, _ in imports} for module, imports in IMPORTS.items()}
    circles = [" ".join(_arrows(graph, c)) for c in _cycles(graph)]
    assert not circles, "modules importing each other:\n" + "\n".join(circles)


# The checks can fail: each finds what it is there to find.
@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
])
def test_cycles_are_found(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert sorted(_cycles(graph)) == expected


def test_imports_are_read_at_any_depth_but_not_for_type_checking() -> None:
    source = """\
import qualitytool.config
from typing import TYPE_CHECKING
from . import sites
from ..checking.handlers import find_broad_handlers

if TYPE_CHECKING:
    from qualitytool.api import CheckReport
else:
    from qualitytool.json_schemas import Record


def later():
    from qualitytool.cli import main
"""
    assert _imports_in(source, "qualitytool.exceptions.evidence") == [
        ("qualitytool.config", 1),
        ("typing.TYPE_CHECKING", 2),
        ("qualitytool.exceptions.evidence.sites", 3),
        ("qualitytool.exceptions.checking.handlers.find_broad_handlers", 4),
        ("qualitytool.json_schemas.Record", 9),
        ("qualitytool.cli.main", 13),
    ]


def test_layers_are_read_by_the_longest_name() -> None:
    def rank(name: str) -> int:
        return next(i for i, (layer, _) in enumerate(LAYERS) if layer == name)

    assert _layer("qualitytool.output.registry") == rank("formats")
    assert _layer("qualitytool.exceptions.fixing.fix") == rank("exceptions.fixing")
    assert _layer("qualitytool.exceptions") == rank("plumbing")
    assert _layer("qualitytool.rendering.sarif") == rank("plumbing")
    assert _layer("qualitytool") == rank("findings")
    assert _layer("qualitytool.codemods.fix_exceptions") == rank("engines")
    with pytest.raises(AssertionError, match="in no layer"):
        _layer("qualitytool.new_module")
    with pytest.raises(AssertionError, match="in no layer"):
        _layer("qualitytool.exceptions.new_package.module")
    assert _unit("qualitytool.exceptions.fixing.fix") == "qualitytool.exceptions.fixing"
    assert _unit("qualitytool.report.runners.pylint") == "qualitytool.report"
    # A deferred import counts: the registry imports the report's formats when it renders.
    assert "qualitytool.report.formats" in {t for t, _ in IMPORTS["qualitytool.output.registry"]}
