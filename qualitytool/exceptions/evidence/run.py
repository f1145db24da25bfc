"""``qualitytool evidence run -- CMD``: run a test command with the recorder in every process.

The recorder reaches every Python process the command starts (subprocesses, pytest-xdist
workers, ``multiprocessing`` children) through a ``sitecustomize.py`` put first on
``PYTHONPATH``; that module starts the recorder, then runs the ``sitecustomize`` it shadows,
if any.  Interpreters started with ``-I``, ``-E`` or ``-S`` ignore ``PYTHONPATH`` or ``site``
and are not recorded.  The processes write raw counts into a temporary folder; once the
command is over they are joined into one :class:`Evidence` and merged into the evidence file.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from qualitytool.config import Config
from qualitytool.discovery import iter_files
from qualitytool.exceptions.checking.prefilter import might_have_broad_handler
from qualitytool.exceptions.evidence import recorder
from qualitytool.exceptions.evidence.sites import Site, find_sites
from qualitytool.exceptions.evidence.store import (
    Evidence,
    EvidenceError,
    ObservedClass,
    TryEvidence,
    load,
    merge,
    save,
)
from qualitytool.json_schemas import (
    Int,
    ListOf,
    MapOf,
    OneOf,
    Record,
    Row,
    Str,
    is_dotted_name,
    problem,
)
from qualitytool.sources import SourceError, decode_python, read_bytes

CONFIG_ENV = "QUALITYTOOL_EVIDENCE_CONFIG"
_RECORDER_MODULE = "_qualitytool_evidence"
_SITECUSTOMIZE = f'''\
"""Written by `qualitytool evidence run`: start the recorder, then the sitecustomize this
shadows."""
import os as _os
import sys as _sys

try:
    import {_RECORDER_MODULE}
    {_RECORDER_MODULE}.start()
except Exception as _error:  # noqa: BLE001 -- never break the command under test
    _sys.stderr.write("qualitytool evidence: recorder not started: %r\\n" % (_error,))


def _chain():
    import importlib.util

    here = _os.path.dirname(_os.path.abspath(__file__))
    for entry in _sys.path:
        if not entry or _os.path.abspath(entry) == here:
            continue
        candidate = _os.path.join(entry, "sitecustomize.py")
        if _os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("sitecustomize", candidate)
            if spec is not None and spec.loader is not None:
                module = importlib.util.module_from_spec(spec)
                _sys.modules["sitecustomize"] = module
                spec.loader.exec_module(module)
            return


_chain()
'''


@dataclass(frozen=True)
class SiteTable:
    """The watched ``try`` statements of a run, by file."""

    root: Path
    by_file: dict[Path, list[Site]] = field(default_factory=dict)  # real path -> sites
    scanned: frozenset[str] = frozenset()  # every discovered file, relative to the root
    errors: tuple[str, ...] = ()

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def current(self) -> dict[tuple[str, str], int]:
        return {
            (self.relative(path), site.fingerprint): site.try_line
            for path, sites in self.by_file.items() for site in sites
        }

    def still_exists(self, relative: str) -> bool | None:
        """Whether an earlier entry's file can still hold it: None when this run did not look
        at that file (it exists but is outside the paths given)."""
        if relative in self.scanned:
            return True
        return None if (self.root / relative).is_file() else False

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.by_file.values())


def collect_sites(paths: Iterable[Path], config: Config) -> SiteTable:
    """Parse every discovered file that may hold a broad handler (nothing is executed)."""
    root = config.root.resolve()
    by_file: dict[Path, list[Site]] = {}
    scanned: set[str] = set()
    errors: list[str] = []
    for path in iter_files(list(paths), config):
        real = path.resolve()
        try:
            scanned.add(real.relative_to(root).as_posix())
        except ValueError:
            scanned.add(real.as_posix())
        try:
            raw = read_bytes(path)
        except OSError as exc:
            errors.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        if not might_have_broad_handler(raw):
            continue
        try:
            source = decode_python(raw, path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                tree = ast.parse(source.text)
        except (SourceError, SyntaxError, ValueError) as exc:
            errors.append(f"{path}: not analysed: {exc}")
            continue
        sites = find_sites(tree, source.text)
        if sites:
            by_file[real] = sites
    return SiteTable(root=root, by_file=by_file, scanned=frozenset(scanned), errors=tuple(errors))


@dataclass(frozen=True)
class EvidenceRun:
    """What one ``evidence run`` did."""

    path: Path  # the evidence file written
    exit_code: int  # the test command's
    watched: int  # try statements with a broad handler
    processes: int  # Python processes that reported
    evidence: Evidence  # this run alone
    merged: Evidence  # what the file holds now
    errors: tuple[str, ...] = ()  # files that could not be read or parsed


def _bootstrap(folder: Path, table: SiteTable, raw_dir: Path) -> Path:
    boot = folder / "boot"
    boot.mkdir()
    shutil.copyfile(recorder.__file__, boot / f"{_RECORDER_MODULE}.py")
    (boot / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    config = {
        "out_dir": str(raw_dir),
        "sites": {
            str(path): [[s.try_line, s.clause_line] for s in sites]
            for path, sites in table.by_file.items()
        },
    }
    config_path = folder / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return config_path


def _environment(boot: Path, config_path: Path, instrument: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(boot), env.get("PYTHONPATH")) if p)
    env[CONFIG_ENV] = str(config_path)
    env.pop("PYTEST_CURRENT_TEST", None)  # when run from a test: not the test of the children
    if instrument:
        env["QUALITYTOOL_EVIDENCE_INSTRUMENT"] = "1"
    else:
        env.pop("QUALITYTOOL_EVIDENCE_INSTRUMENT", None)
    return env


# What one process's recorder writes (it runs inside the project's tests: checked all the same).
_NAME = Str(min_len=1, max_len=1000)
RAW_SHAPE = Record(
    {"runs": ListOf(Row((str, Int(1), Int(0)))),
     "caught": ListOf(Row((str, Int(1), _NAME, Int(0), OneOf(Str(max_len=10_000), None)))),
     "classes": MapOf(Record({"mro": ListOf(_NAME), "spelled": OneOf(str, None)}))},
    extra=True,
)


def collect_raw(raw_dir: Path, table: SiteTable) -> tuple[Evidence, int]:
    """Join the processes' raw files into one :class:`Evidence` (a file that is not what the
    recorder writes is skipped)."""
    runs: dict[tuple[str, int], int] = {}
    caught: dict[tuple[str, int], dict[str, ObservedClass]] = {}
    processes = 0
    for raw_file in sorted(raw_dir.glob("*.json")):
        try:
            data = json.loads(raw_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if problem(data, RAW_SHAPE) is not None:
            continue
        processes += 1
        classes = data["classes"]
        for path, line, count in data["runs"]:
            runs[(path, line)] = runs.get((path, line), 0) + count
        for path, line, name, count, example in data["caught"]:
            seen = caught.setdefault((path, line), {})
            info = classes.get(name, {})
            spelled = info.get("spelled")
            before = seen.get(name)
            seen[name] = ObservedClass(
                name=name, spelled=spelled if spelled and is_dotted_name(spelled) else None,
                lineage=tuple(info.get("mro", (name,))),
                count=count + (before.count if before else 0),
                example=(before.example if before and before.example else example),
            )
    entries = []
    for path, sites in table.by_file.items():
        for site in sites:
            key = (str(path), site.try_line)
            if key not in runs and key not in caught:
                entries.append(TryEvidence(
                    path=table.relative(path), line=site.try_line,
                    fingerprint=site.fingerprint, handler_lines=site.handler_lines, runs=0,
                ))
                continue
            observed = caught.get(key, {})
            entries.append(TryEvidence(
                path=table.relative(path), line=site.try_line, fingerprint=site.fingerprint,
                handler_lines=site.handler_lines, runs=runs.get(key, 0),
                caught=tuple(sorted(observed.values(), key=lambda c: (-c.count, c.name))),
            ))
    return Evidence(entries=tuple(entries)), processes


def record(
    command: Sequence[str],
    table: SiteTable,
    target: Path,
    *,
    instrument: bool = False,
    root: Path | None = None,
) -> EvidenceRun:
    """Run ``command`` with the recorder watching ``table``; merge what it saw into the
    evidence file ``target`` (created if missing) and write it.  ``root``: ``target`` is the
    project's own file (read and written only inside the project at ``root``)."""
    previous = _previous(target, root)
    started = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="qualitytool-evidence-") as tmp:
        folder = Path(tmp)
        raw_dir = folder / "raw"
        raw_dir.mkdir()
        config_path = _bootstrap(folder, table, raw_dir)
        env = _environment(folder / "boot", config_path, instrument)
        try:
            exit_code = subprocess.run(list(command), env=env, check=False).returncode
        except (FileNotFoundError, PermissionError) as exc:
            raise EvidenceError(f"cannot run {command[0]!r}: {exc.strerror or exc}") from exc
        except KeyboardInterrupt:
            exit_code = 130
        evidence, processes = collect_raw(raw_dir, table)
    record = {
        "command": list(command),
        "started": started.isoformat(timespec="seconds"),
        "exit_code": exit_code,
        "processes": processes,
    }
    evidence = Evidence(entries=evidence.entries, runs=(record,))
    merged = merge(previous, evidence, table.current(), table.still_exists)
    save(target, merged, root)
    return EvidenceRun(
        path=target, exit_code=exit_code, watched=table.count, processes=processes,
        evidence=evidence, merged=merged, errors=table.errors,
    )


def merge_files(
    files: Sequence[Path], table: SiteTable, target: Path, root: Path | None = None
) -> Evidence:
    """Join evidence ``files`` into ``target``; then drop what ``table`` no longer holds.
    ``root``: as for :func:`record`."""
    merged = _previous(target, root)
    for file in files:  # everything is kept while joining ...
        merged = merge(merged, load(file), {}, lambda _path: None)
    # ... then what no longer exists in the project is dropped
    merged = merge(merged, Evidence(), table.current(), table.still_exists)
    save(target, merged, root)
    return merged


def _previous(target: Path, root: Path | None) -> Evidence:
    """What the evidence file ``target`` holds already (nothing when it does not exist)."""
    return load(target, root) if os.path.lexists(target) else Evidence()
