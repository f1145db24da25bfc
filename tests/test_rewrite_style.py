"""Rewrites in the project's own style, checked by the project's own tools: the real ruff,
isort and black, configured as a project would configure them, find nothing in the rewritten
files they did not find before (issue 22, item 8)."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from qualitytool.api import fix_exceptions
from qualitytool.config import Config
from qualitytool.exceptions.fixing.imports import Section, add_imports
from qualitytool.exceptions.fixing.project_style import project_style

BIN = Path(sys.executable).parent
RUFF_PROJECT = """
[tool.ruff]
line-length = 88

[tool.ruff.lint]
select = ["I", "E501", "W291", "W293"]

[tool.ruff.lint.isort]
known-first-party = ["app"]
"""
ISORT_PROJECT = """
[tool.black]
target-version = ["py310"]

[tool.isort]
profile = "black"
default_section = "THIRDPARTY"
known_first_party = "app"
"""
MODULES = [
    ("os", None), ("sys", None), ("json", None), ("logging", None), ("re", None),
    ("asyncio", None), ("importlib.metadata", None), ("collections.abc", "Iterator"),
    ("typing", "Any"), ("typing", "TYPE_CHECKING"), ("sqlite3", "connect"),
    ("httpx", None), ("h2", None), ("h11", None), ("loguru", "logger"),
    ("pydantic", "BaseModel"), ("pydantic", "ValidationError"), ("starlette.requests", None),
    ("fastapi", "Request"), ("fastapi", "HTTPException"), ("sqlalchemy.orm", "Session"),
    ("app", None), ("app.models", "User"), ("app.core.exceptions", "AppError"),
    ("app.core.exceptions", "NOT_FOUND"), ("app.log", "log"), ("app.db", "db"),
]


def _statement(module: str, name: str | None) -> str:
    return f"import {module}\n" if name is None else f"from {module} import {name}\n"


def _tool(name: str) -> str:
    return str(BIN / name)


def _cases(seed: int, count: int) -> list[tuple[str, tuple[str, str | None]]]:
    """Modules with a shuffled import block and the import a rewrite adds to each."""
    chosen = random.Random(seed)
    cases = []
    for _ in range(count):
        block = chosen.sample(MODULES, chosen.randint(0, 8))
        head = '"""A module."""\n\n' if chosen.random() < 0.3 else ""
        text = head + "".join(_statement(*m) for m in block)
        text += "\n\ndef f():\n    return 1\n" if chosen.random() < 0.5 else "\nVALUE = 1\n"
        cases.append((text, chosen.choice(MODULES)))
    return cases


@pytest.mark.parametrize(
    ("config", "check"),
    [
        pytest.param(RUFF_PROJECT, ("ruff", "check", "--no-cache", "--quiet", "."),
                     id="ruff's I rules"),
        pytest.param(RUFF_PROJECT + "force-sort-within-sections = true\n",
                     ("ruff", "check", "--no-cache", "--quiet", "."),
                     id="ruff, force-sort-within-sections"),
        pytest.param(ISORT_PROJECT, ("isort", "--check-only", "--quiet", "."),
                     id="isort, profile black (Django's settings)"),
    ],
)
def test_imports_go_where_the_projects_sorter_puts_them(
    tmp_path: Path, config: str, check: tuple[str, ...]
) -> None:
    (tmp_path / "pyproject.toml").write_text(config)
    fix = ((_tool("ruff"), "check", "--no-cache", "--quiet", "--fix", "--select", "I", ".")
           if check[0] == "ruff" else (_tool("isort"), "--quiet", "."))
    cases = _cases(seed=len(config), count=60)
    for number, (text, _) in enumerate(cases):
        (tmp_path / f"case_{number}.py").write_text(text)
    subprocess.run(fix, cwd=tmp_path, capture_output=True, check=False)  # a sorted start
    style = project_style(tmp_path / "case_0.py").imports
    assert style.section("app.models") == Section.FIRSTPARTY
    for number, (_, (module, name)) in enumerate(cases):
        path = tmp_path / f"case_{number}.py"
        path.write_text(add_imports(cst.parse_module(path.read_text()), [(module, name)],
                                    style).code)
    result = subprocess.run((_tool(check[0]), *check[1:]), cwd=tmp_path, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# Handlers at every depth up to the line length's edge: narrowed tuples, log calls of each
# library, lines that fit, fit black but not flake8, or fit neither.
SERVICE = textwrap.dedent('''
    import json
    import logging

    from loguru import logger as app_logger

    logger = logging.getLogger(__name__)


    class Service:
        def load(self, path, callback, {params}):
            for attempt in range(3):
                if attempt:
                    try:
                        with open(path) as handle:
                            return json.loads(handle.read())
                    except Exception as {name}:
                        return None
                    try:
                        callback()
                    except Exception as {name}:
                        logger.warning("service %s failed on attempt %d: %s", path, attempt, {name})
                    try:
                        callback()
                    except Exception:
                        app_logger.warning(f"service {{path}} failed on attempt {{attempt}}{pad}")
                    try:
                        callback()
                    except Exception:
                        logger.info(
                            "a long message that black split for the original call %s{pad}",
                            path,
                        )
                    try:
                        callback()
                    except Exception:
                        pass
''')


def _service(pad: int) -> str:
    name = "error" + "x" * (pad % 7)
    params = ", ".join(f"p{i}" for i in range(pad % 4 + 1))
    return SERVICE.format(name=name, pad="." * pad, params=params)


@pytest.mark.parametrize(
    ("config", "lint"),
    [
        pytest.param("[tool.black]\nline-length = 88\n\n[tool.ruff]\nline-length = 88\n",
                     ("--line-length", "88"), id="black and ruff at 88 (lnbits)"),
        pytest.param("[tool.black]\ntarget-version = ['py311']\n", ("--line-length", "79"),
                     id="black at 88, flake8's 79 (tornado, Django)"),
    ],
)
def test_changed_lines_wrap_as_black_would_within_the_line_length(
    tmp_path: Path, config: str, lint: tuple[str, ...]
) -> None:
    (tmp_path / "pyproject.toml").write_text(config)
    if "79" in lint:
        (tmp_path / "setup.cfg").write_text("[flake8]\nignore = E203\n")
    package = tmp_path / "svc"
    package.mkdir()
    for pad in range(0, 40, 3):
        (package / f"s{pad}.py").write_text(_service(pad))
    black = (_tool("black"), "--quiet", "svc")
    subprocess.run(black, cwd=tmp_path, check=True)  # a black-formatted start
    ruff = (_tool("ruff"), "check", "--no-cache", "--isolated", "--select", "E501,W291,W293",
            "--output-format", "concise", *lint, "svc")

    def findings() -> Counter[str]:
        out = subprocess.run(ruff, cwd=tmp_path, capture_output=True, text=True, check=False)
        return Counter(line.split(":", 1)[0] + line.rsplit(":", 1)[-1]
                       for line in out.stdout.splitlines() if ".py:" in line)

    before = findings()
    report = fix_exceptions([package], Config(root=tmp_path), write=True, boundaries=True,
                            unsafe_fixes=True, record_run=False, jobs=1)
    assert report.summary()["applied"] >= 4 * len(list(package.glob("*.py")))
    assert findings() - before == Counter()  # nothing new (a changed long line may be gone)
    check = subprocess.run((*black[:2], "--check", "svc"), cwd=tmp_path, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stderr
    text = (package / "s39.py").read_text()
    assert "app_logger.opt(exception=True).warning(" in text
    assert "exc_info" not in text.split("app_logger.opt", 1)[1].split("\n    ", 1)[0]


def test_the_style_is_read_from_the_projects_own_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.black]\nline-length = 100\n\n[tool.ruff]\nline-length = 99\n"
        "[tool.ruff.lint.isort]\nforce-sort-within-sections = true\n"
    )
    (tmp_path / "tox.ini").write_text("[testenv:lint]\ncommands = flake8 src\n")
    (tmp_path / "src").mkdir()
    style = project_style(tmp_path / "src" / "mod.py")
    assert style.tools == ("black", "flake8", "ruff")
    assert (style.limits.limit, style.limits.black) == (79, 100)
    assert style.imports.force_sort_within_sections
    (tmp_path / "setup.cfg").write_text("[flake8]\nmax-line-length = 120\n")
    style = project_style(tmp_path / "src" / "mod.py")
    assert (style.limits.limit, style.limits.black) == (99, 100)


@pytest.mark.parametrize(
    "pyproject",
    [
        pytest.param("[tool.ruff\nline-length = 1", id="not TOML"),
        pytest.param("[tool.ruff]\nline-length = 'long'\n", id="a string for a number"),
        pytest.param("[tool.ruff]\nline-length = 3\n", id="out of range"),
        pytest.param("[tool.ruff.lint.isort]\nknown-first-party = 7\n", id="not a list"),
        pytest.param("tool = 5\n", id="tool is not a table"),
    ],
)
def test_a_configuration_from_a_stranger_is_validated(tmp_path: Path, pyproject: str) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    style = project_style(tmp_path / "mod.py")
    assert style.limits.limit in (79, 88)
    assert style.imports.known == ()


@pytest.mark.parametrize(
    "module",
    [
        pytest.param('"""Doc."""\n\n\nclass A:\n    pass\n', id="a class below the docstring"),
        pytest.param('"""Doc."""\n\n# about A\nclass A:\n    pass\n',
                     id="a comment on the class"),
        pytest.param('"""Doc."""\n\n# about the module\n\n\nclass A:\n    pass\n',
                     id="a comment set off from the class (Django's smartif.py)"),
        pytest.param("VALUE = 1\n", id="code"),
        pytest.param("def f():\n    pass\n", id="a function, no docstring"),
    ],
)
def test_a_first_import_is_set_off_as_black_and_isort_want(tmp_path: Path, module: str) -> None:
    (tmp_path / "pyproject.toml").write_text(ISORT_PROJECT)
    path = tmp_path / "mod.py"
    path.write_text(module)
    style = project_style(path).imports
    path.write_text(add_imports(cst.parse_module(module), [("logging", None)], style).code)
    for check in ((_tool("black"), "--check", "--quiet", "mod.py"),
                  (_tool("isort"), "--check-only", "--quiet", "mod.py")):
        result = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, (check[0], path.read_text(), result.stderr)
