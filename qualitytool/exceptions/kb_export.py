"""``qualitytool kb``: derived contracts written out as knowledge-base TOML, to review and pin.

A derived contract (:mod:`qualitytool.exceptions.inference.derive`) is recomputed from the
installed library on every new version; a user who reviewed one -- or found it wrong -- pins
it by saving these entries in a knowledge-base file listed under
``[tool.qualitytool.exceptions] knowledge-bases``: an entry there always wins over a derived
one.  Contracts that could not be derived are written as commented-out templates saying what
blocked them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualitytool.config import Config
from qualitytool.exceptions.inference.answers import CLOSED, UNKNOWN
from qualitytool.exceptions.inference.derive import DerivedContract, Deriver, deriver_for
from qualitytool.exceptions.inference.derived_cache import user_cache_directory
from qualitytool.exceptions.inference.environment import PythonEnvironment
from qualitytool.exceptions.inference.hierarchy import runtime_class
from qualitytool.exceptions.inference.knowledge import load_knowledge_base
from qualitytool.exceptions.inference.stubs import default_stubs

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)+")


class DeriveError(Exception):
    """No environment to derive from, or no such distribution in it."""


@dataclass(frozen=True)
class DerivedContracts:
    """What ``kb derive`` / ``kb export`` found: each name asked and its contract (None:
    no installed distribution provides it), and the bases of the exception classes named."""

    environment: PythonEnvironment
    contracts: tuple[tuple[str, DerivedContract | None], ...]
    # (class, its bases, the distribution it comes from: "bolt11 2.1.1")
    exceptions: tuple[tuple[str, tuple[str, ...], str], ...]

    def to_toml(self) -> str:
        return render_toml(self)


def derive_contracts(
    config: Config, names: Sequence[str] = (), package: str | None = None,
    use_cache: bool = True,
) -> DerivedContracts:
    """The derived contracts of ``names`` (fully-qualified callables) and, with ``package``,
    of every public function, class and method that distribution's packages export."""
    from qualitytool.exceptions.fixing.fix import knowledge_files, project_environment

    environment = project_environment(config)
    if environment is None:
        raise DeriveError(
            "no Python environment found for this project: activate its virtualenv, keep "
            "one in .venv/, or set [tool.qualitytool.exceptions] python"
        )
    files = knowledge_files(config)
    site = tuple(str(p) for p in environment.site_packages)
    deriver = deriver_for(
        site, environment.version, files, load_knowledge_base(Path(f) for f in files),
        default_stubs(site), user_cache_directory() / "derived" if use_cache else None,
    )
    bad = [name for name in names if not _DOTTED.fullmatch(name)]
    if bad:
        raise DeriveError(f"not a dotted name: {bad[0]!r} (give e.g. httpx.URL)")
    wanted = list(names)
    if package is not None:
        distribution = deriver.installed.by_name(package)
        if distribution is None:
            raise DeriveError(f"no distribution named {package!r} in {environment.describe()}")
        wanted += deriver.public_callables(distribution)
    found = tuple((name, deriver.contract(name)) for name in dict.fromkeys(wanted))
    deriver.flush()
    return DerivedContracts(environment, found, _exception_bases(deriver, found))


def _exception_bases(
    deriver: Deriver, found: Iterable[tuple[str, DerivedContract | None]]
) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """Each library exception class the contracts name, and its ancestors', with bases."""
    bases: dict[str, tuple[str, ...]] = {}
    pending = sorted({n for _, c in found if c is not None for n in c.raises})
    while pending:
        name = pending.pop()
        if name in bases or runtime_class(name) is not None:
            continue
        bases[name] = deriver.exception_bases(name)
        pending += [b for b in bases[name] if b not in bases]
    listed = []
    for name, parents in sorted(bases.items()):
        distribution = deriver.installed.distribution_of(name)
        if parents and distribution is not None:
            listed.append((name, parents, distribution.label))
    return tuple(listed)


def render_toml(result: DerivedContracts) -> str:
    """Knowledge-base TOML of the derived contracts, for review (see the module docstring)."""
    lines = [
        "# Contracts derived by qualitytool from the installed source, in",
        _comment(f"{result.environment.describe()}."),
        "# Review each entry, then list this file under [tool.qualitytool.exceptions]",
        "# knowledge-bases: a pinned entry wins over a derived one.",
        "",
    ]
    for name, contract in result.contracts:
        if contract is None:
            lines += [_comment(f"{name}: no installed distribution provides it"), ""]
        elif contract.status == UNKNOWN:
            lines += _template(name, contract)
        else:
            lines += _entry(name, contract)
    for name, bases, distribution in result.exceptions:
        lines += [
            "[[exception]]",
            f"name = {_string(name)}",
            f"bases = {_strings(bases)}",
            f"source = {_string(f'its class statement in {distribution}')}",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _entry(name: str, contract: DerivedContract) -> list[str]:
    notes = []
    if contract.why:
        notes.append("open: " + "; ".join(contract.why))
    if contract.documented:
        notes.append("documented: " + ", ".join(contract.documented))
    lines = [
        "[[callable]]",
        f"name = {_string(name)}",
        f"raises = {_strings(contract.raises)}",
        f"closed = {'true' if contract.status == CLOSED else 'false'}",
        f"source = {_string('derived from ' + contract.origin)}",
    ]
    if notes:
        lines.append(f"note = {_string(' / '.join(notes))}")
    return [*lines, ""]


def _template(name: str, contract: DerivedContract) -> list[str]:
    why = contract.why[0] if contract.why else "nothing could be read"
    where = f", {contract.path}:{contract.line}" if contract.path else ""
    return [
        _comment(f"{name} ({contract.distribution} {contract.version}{where}): "
                 f"not derived: {why}"),
        "# [[callable]]",
        f"# name = {_string(name)}",
        f"# raises = {_strings(contract.raises)}  # seen in its code; check its documentation",
        "# closed = false",
        '# source = ""',
        "",
    ]


def _comment(text: str) -> str:
    """A comment line, whatever ``text`` holds (a line break would end the comment)."""
    return "# " + " ".join(text.split())


def _string(value: str) -> str:
    # A JSON string is a TOML basic string (the same escapes), on one line.
    return json.dumps(value, ensure_ascii=False)


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"
