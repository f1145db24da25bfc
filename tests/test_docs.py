"""The documentation: its generated pages are those ``scripts/gen_docs.py`` writes now, and
every rule's help link leads to its page."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

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
