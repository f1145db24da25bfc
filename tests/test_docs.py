"""The documentation site: it builds with mkdocs in strict mode (a broken link or anchor fails
the build), its generated pages are those ``scripts/gen_docs.py`` writes now, and every rule's
help link leads to its page."""

from __future__ import annotations

import importlib.util
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from qualitytool.checks import RULE_PAGES, all_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
         "--site-dir", str(site)],
        capture_output=True, text=True, check=False, timeout=120,
    )


def test_the_generated_pages_are_current() -> None:
    stale = _gen_docs().stale_pages()
    assert stale == [], f"stale generated pages {stale}: run python scripts/gen_docs.py"


def test_every_option_of_the_configuration_has_a_row_in_the_reference() -> None:
    from qualitytool.config import Config

    page = (DOCS / "configuration-reference.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z-]+)` \|", page, re.MULTILINE))

    def keys(table: dict[str, object]) -> set[str]:
        found = set()
        for key, value in table.items():
            if isinstance(value, dict):
                found |= keys(value)
            else:
                found.add(key)
        return found

    every_key = keys(Config(root=ROOT).to_dict()) - {"root", "source", "families"}
    assert every_key <= rows, every_key - rows
    # The families of the exception hierarchy are an array of tables, empty by default.
    assert {"name", "status", "leaves", "description"} <= rows


def test_rule_help_links_lead_to_the_rule_pages() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    repository = pyproject["project"]["urls"]["Repository"]
    assert RULE_PAGES == f"{repository}/blob/main/docs/rules/"
    for code, rule in all_rules().items():
        assert rule.docs_url == f"{repository}/blob/main/docs/rules/{code}.md"
        page = DOCS / "rules" / f"{code}.md"
        assert page.read_text(encoding="utf-8").splitlines()[2] == f"# {code}: {rule.name}"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    built = _build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    pages = sorted((tmp_path / "site").rglob("index.html"))
    assert len(pages) >= len(list(DOCS.rglob("*.md")))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # A fence Python-Markdown did not take (inside a list item, say) shows up as text.
        assert "```" not in html, page


# Each broken link, and the words of mkdocs' complaint about it.
BROKEN_LINKS = {
    "[gone](no-such-page.md)": "no-such-page.md",
    "[gone](report.md#no-such-heading)": "no-such-heading",
    "[gone](#nowhere-on-this-page)": "nowhere-on-this-page",
}


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    shutil.copytree(DOCS, tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    index = tmp_path / "docs" / "index.md"
    links = "".join(f"\nSee {link}.\n" for link in BROKEN_LINKS)
    index.write_text(index.read_text(encoding="utf-8") + links, encoding="utf-8")
    built = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert built.returncode != 0
    complaints = [line for line in built.stderr.splitlines() if line.startswith("WARNING")]
    for complaint in BROKEN_LINKS.values():
        assert any(complaint in line for line in complaints), (complaint, built.stderr)


def _markdown_lines(page: Path) -> list[tuple[int, str]]:
    """(number, line) of the lines outside fenced code blocks."""
    found = []
    fenced = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            if line.startswith(" "):
                found.append((number, line))
            continue
        if not fenced:
            found.append((number, line))
    return found


@pytest.mark.parametrize("page", sorted(DOCS.rglob("*.md")), ids=lambda p: p.name)
def test_lists_render_as_lists(page: Path) -> None:
    """Python-Markdown, unlike GitHub, needs a blank line between a paragraph and a list, four
    spaces to nest a list, and fences outside list items; what breaks one of these is text."""
    lines = _markdown_lines(page)
    problems = []
    for (_, before), (number, line) in itertools.pairwise(lines):
        starts_list = re.match(r"(- |\* |\d+\. )", line)
        if starts_list and before.strip() and not re.match(r"(\s*[-*] |\s*\d+\. |\s|#)", before):
            problems.append(f"{number}: a list right after a paragraph: {line[:40]!r}")
        if re.match(r" {1,3}[-*] ", line):
            problems.append(f"{number}: a nested list item indented less than 4: {line[:40]!r}")
        if line.startswith(" ") and line.lstrip().startswith("```"):
            problems.append(f"{number}: a fence inside a list item: {line[:40]!r}")
    assert problems == []
