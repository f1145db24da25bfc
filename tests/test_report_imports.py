"""The import graph the pylint cache is keyed by, and the cache itself on real pylint runs: a
file is linted again when a module it imports (directly, transitively, in a cycle) changes,
so a warm report equals a cold one; files that do not import it stay cached."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qualitytool.api import build_report
from qualitytool.report.imports import (
    closure_digests,
    file_imports,
    import_graph,
    import_records,
    package_anchor,
)
from qualitytool.report.result import QualityReport


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def graph_of(root: Path, names: list[str]) -> dict[str, list[str]]:
    root = root.resolve()
    graph = import_graph([root / n for n in names], file_imports, root)
    return {
        path.relative_to(root).as_posix(): sorted(p.relative_to(root).as_posix() for p in deps)
        for path, deps in sorted(graph.items())
    }


def test_import_records_everywhere_in_the_file() -> None:
    source = (
        "import os, a.b as ab\n"
        "from . import x\n"
        "from ..pkg.m import y, z\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from c import D\n"
        "def f():\n"
        "    from e import *\n"
    )
    assert import_records(source) == [
        ("os", 0, ()), ("a.b", 0, ()), ("", 1, ("x",)), ("pkg.m", 2, ("y", "z")),
        ("typing", 0, ("TYPE_CHECKING",)), ("c", 0, ("D",)), ("e", 0, ("*",)),
    ]
    assert import_records("def broken(:\n") == []


def test_resolution_to_project_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": (
            "import json\n"                      # standard library: not a project file
            "import pkg.sub.deep\n"              # binds pkg: pkg, pkg.sub, pkg.sub.deep
            "from . import b\n"                  # the package, then its submodule b
            "from .sub.deep import thing\n"      # the sibling module only
            "from pkg.sub import c\n"            # pkg.sub, and c as a submodule
            "from missing import nothing\n"      # resolves to no file
        ),
        "pkg/b.py": "",
        "pkg/sub/__init__.py": "",
        "pkg/sub/deep.py": "thing = 1\n",
        "pkg/sub/c.py": "from ..b import *\n",
        "scripts/run.py": "import helper\nimport nspkg.mod\n",   # anchors: scripts/, the root
        "scripts/helper.py": "",
        "nspkg/mod.py": "",                                      # a namespace package
    })
    assert graph_of(tmp_path, ["pkg/a.py", "scripts/run.py"]) == {
        "nspkg/mod.py": [],
        "pkg/__init__.py": [],
        "pkg/a.py": ["pkg/__init__.py", "pkg/b.py", "pkg/sub/__init__.py", "pkg/sub/c.py",
                     "pkg/sub/deep.py"],
        "pkg/b.py": [],
        "pkg/sub/__init__.py": [],
        "pkg/sub/c.py": ["pkg/b.py"],
        "pkg/sub/deep.py": [],
        "scripts/helper.py": [],
        "scripts/run.py": ["nspkg/mod.py", "scripts/helper.py"],
    }
    # Files not asked for are in the graph when imported (pylint reads them too).
    assert graph_of(tmp_path, ["scripts/run.py"]) == {
        "nspkg/mod.py": [], "scripts/helper.py": [],
        "scripts/run.py": ["nspkg/mod.py", "scripts/helper.py"],
    }
    assert package_anchor(tmp_path / "pkg" / "sub" / "deep.py") == tmp_path
    assert package_anchor(tmp_path / "scripts" / "run.py") == tmp_path / "scripts"


def test_closure_digests_follow_imports_and_cycles(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.py": "import b\n", "b.py": "import c\n", "c.py": "x = 1\n",
        "d.py": "import e\n", "e.py": "import d\n",           # a cycle
        "f.py": "import d\n", "g.py": "",
    })
    root = tmp_path.resolve()
    names = ["a.py", "b.py", "c.py", "d.py", "e.py", "f.py", "g.py"]

    def digests() -> dict[str, str]:
        graph = import_graph([root / n for n in names], file_imports, root)
        found = closure_digests(graph, lambda p: f"{p.name}\0{p.read_text()}")
        return {p.name: d for p, d in found.items()}

    before = digests()
    assert before["d.py"] == before["e.py"]                    # one component, one digest
    assert len({before[n] for n in names}) == 6
    (tmp_path / "c.py").write_text("x = 2\n")
    after = digests()
    assert [n for n in names if after[n] != before[n]] == ["a.py", "b.py", "c.py"]
    (tmp_path / "e.py").write_text("import d\ny = 1\n")
    again = digests()
    assert [n for n in names if again[n] != after[n]] == ["d.py", "e.py", "f.py"]


def pylint_view(report: QualityReport) -> tuple[object, list[tuple[str, str, int, str]]]:
    pylint = report.tool("pylint")
    assert pylint is not None and pylint.ok, pylint
    return pylint.metrics["score"], [(f.path, f.rule_id, f.line, f.message)
                                     for f in pylint.findings]


def cached_files(report: QualityReport) -> int:
    pylint = report.tool("pylint")
    assert pylint is not None
    return pylint.cached_files


PROJECTS = {
    "direct": (
        {
            "app/__init__.py": "",
            "app/a.py": '"""A."""\nfrom app.b import helper\n\nVALUE = helper()\n',
            "app/b.py": '"""B."""\n\n\ndef helper():\n    """Help."""\n    return 1\n',
            "app/other.py": '"""Other."""\nimport os\n\nHOME = os.getcwd()\n',
        },
        ("app/b.py", '"""B."""\n\n\ndef assistant():\n    """Help."""\n    return 1\n'),
        ("app/a.py", "E0611"),  # no-name-in-module
    ),
    "transitive": (
        {
            "c.py": '"""C."""\n\n\nclass Settings:\n    """S."""\n\n'
                    '    def load(self):\n        """Load."""\n        return 1\n',
            "b.py": '"""B."""\nfrom c import Settings\n\n\ndef make():\n    """Make."""\n'
                    '    return Settings()\n',
            "a.py": '"""A."""\nfrom b import make\n\nVALUE = make().load()\n',
            "other.py": '"""Other."""\nVALUE = 1\n',
        },
        ("c.py", ('"""C."""\n\n\nclass Settings:\n    """S."""\n\n'
                  '    def read(self):\n        """Read."""\n        return 1\n')),
        ("a.py", "E1101"),  # no-member, inferred through b into c
    ),
    "cycle": (
        {
            "a.py": '"""A."""\nimport b\n\n\ndef first():\n    """F."""\n    return b.second()\n',
            "b.py": '"""B."""\nimport a\n\n\ndef second():\n    """S."""\n    return 2\n\n\n'
                    'def third():\n    """T."""\n    return a.first()\n',
            "other.py": '"""Other."""\nVALUE = 1\n',
        },
        ("b.py", '"""B."""\nimport a\n\n\ndef third():\n    """T."""\n    return a.first()\n'),
        ("a.py", "E1101"),  # Module 'b' has no 'second' member
    ),
}


@pytest.mark.parametrize("name", list(PROJECTS))
def test_warm_report_after_an_imported_module_changes_equals_a_cold_one(
    tmp_path: Path, name: str
) -> None:
    files, (changed, new_text), (importer, rule) = PROJECTS[name]
    write(tmp_path, files)
    build_report(tmp_path, tools=["pylint"])
    warm = build_report(tmp_path, tools=["pylint"])
    assert cached_files(warm) == len(files)
    assert (importer, rule) not in {(p, r) for p, r, _, _ in pylint_view(warm)[1]}

    (tmp_path / changed).write_text(new_text)
    after = build_report(tmp_path, tools=["pylint"])
    shutil.rmtree(tmp_path / ".qualitytool")
    cold = build_report(tmp_path, tools=["pylint"])
    assert cached_files(cold) == 0
    assert pylint_view(after) == pylint_view(cold)
    assert pylint_view(after) == pylint_view(build_report(tmp_path, tools=["pylint"],
                                                          use_cache=False))
    # The change reaches the importer: a stale cache would miss this message.
    assert (importer, rule) in {(p, r) for p, r, _, _ in pylint_view(after)[1]}
    # Only other.py imports neither; the package's empty __init__.py is not imported by a
    # `from app.b import` (astroid reads app.b only) and stays cached too.
    assert cached_files(after) == (2 if name == "direct" else 1)


def test_report_modules_import_one_way() -> None:
    """No import cycle in ``qualitytool/report`` (``TYPE_CHECKING`` and function-level imports
    included), and importing the formats and Markdown reports loads none of the engine."""
    package = Path(__file__).resolve().parent.parent / "qualitytool"
    report = package / "report"
    graph = import_graph(sorted(report.rglob("*.py")), file_imports, package.parent)
    digests = closure_digests(graph, lambda path: path.as_posix())
    members: dict[str, list[str]] = {}
    for path, digest in digests.items():
        if report in path.parents:
            members.setdefault(digest, []).append(path.relative_to(report).as_posix())
    assert [sorted(m) for m in members.values() if len(m) > 1] == []

    code = (
        "import sys\n"
        "import qualitytool.report.formats, qualitytool.report.markdown\n"
        "print(sorted(m for m in sys.modules if m.startswith('qualitytool')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    for module in ("engine", "cache", "tools", "untrusted", "baseline"):
        assert f"'qualitytool.report.{module}'" not in loaded, module
    assert "'qualitytool.report.result'" in loaded
