"""Shared benchmark plumbing: corpora from PyPI sdists (cached outside the repo) and timing.

Speed is measured here, side by side with the peer tools in the same run, never asserted in
unit tests.  Each benchmark module exposes ``run(repeat: int) -> list[Measurement]``.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent


def corpus_dir() -> Path:
    base = os.environ.get("QUALITYTOOL_CORPUS_DIR")
    return Path(base) if base else Path.home() / ".cache" / "qualitytool" / "corpora"


def sdist(name: str, version: str) -> Path:
    """Download (once) and unpack (once) a PyPI sdist; the unpacked source folder."""
    cache = corpus_dir()
    cache.mkdir(parents=True, exist_ok=True)
    normalized = name.replace("-", "_")
    unpacked = cache / f"{normalized}-{version}"
    if (unpacked / ".complete").exists():
        return unpacked
    archives = list(cache.glob(f"{normalized}-{version}.tar.gz"))
    if not archives:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
             ":all:", f"{name}=={version}", "-d", str(cache)],
            check=True,
        )
        archives = list(cache.glob(f"{normalized}-{version}.tar.gz"))
    staging = cache / f".{normalized}-{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(archives[0]) as archive:
        archive.extractall(staging, filter="data")
    (top,) = list(staging.iterdir())
    shutil.rmtree(unpacked, ignore_errors=True)
    top.rename(unpacked)
    staging.rmdir()
    (unpacked / ".complete").touch()
    return unpacked


def tool(name: str) -> str:
    """A console script of this virtualenv (ruff, pylint, qualitytool)."""
    candidate = BIN / name
    return str(candidate) if candidate.exists() else name


REPO = Path(__file__).resolve().parent.parent


def installed_qualitytool() -> str:
    """The ``qualitytool`` console script of a virtualenv where it is installed as users
    install it (``pip install .``, as pre-commit does): no editable-install finder, no
    coverage ``.pth`` hook of the development venv, byte code compiled at install.  The
    development venv's interpreter spends about 20 ms more on each start-up, which a speed
    comparison with ruff would wrongly count against the tool.  The venv is kept beside the
    corpora; the package is reinstalled (without its dependencies) whenever its sources
    changed, from a copy of them."""
    venv = corpus_dir().parent / "installed-venv"
    python = venv / "bin" / "python"
    stamp = _source_stamp()
    marker = venv / "qualitytool-sources"
    if python.exists() and marker.exists() and marker.read_text() == stamp:
        return str(venv / "bin" / "qualitytool")
    options = ["--no-deps", "--force-reinstall"]  # only the package changed
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        options = []
    import tempfile

    # Built from a copy: setuptools writes build/ and *.egg-info/ beside the sources.
    with tempfile.TemporaryDirectory(prefix="qualitytool-install-") as scratch:
        source = Path(scratch) / "qualitytool"
        shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".qualitytool", "tests"))
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *options, str(source)],
                       check=True)
    marker.write_text(stamp)
    return str(venv / "bin" / "qualitytool")


def _source_stamp() -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted([REPO / "pyproject.toml", *(REPO / "qualitytool").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: list[float]
    # CPU seconds (user + system) of each run, when measured: less distorted than wall time
    # by the load of a shared machine.
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


def time_command(
    label: str, argv: Sequence[str], cwd: Path, repeat: int, ok_codes: Sequence[int] = (0, 1)
) -> Measurement:
    """Wall time of ``argv`` (output discarded), ``repeat`` times after one warm-up run."""
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(
            argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
        )
        times.append(time.perf_counter() - start)
        if result.returncode not in ok_codes:
            raise SystemExit(f"{label}: exit {result.returncode}: {result.stderr[-500:]}")
    return Measurement(label, times)


@dataclass(frozen=True)
class Command:
    """One command of a side-by-side measurement."""

    label: str
    argv: Sequence[str]
    ok_codes: Sequence[int] = (0, 1)


def time_side_by_side(commands: Sequence[Command], cwd: Path, repeat: int) -> list[Measurement]:
    """Wall time of each command, ``repeat`` rounds after one warm-up round; each round runs
    every command once, in turn, so that the load of a shared machine falls on all alike."""
    for command in commands:
        subprocess.run(command.argv, cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    times: dict[str, list[float]] = {c.label: [] for c in commands}
    cpu: dict[str, list[float]] = {c.label: [] for c in commands}
    for _ in range(repeat):
        for command in commands:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(command.argv, cwd=cwd, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, check=False)
            times[command.label].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[command.label].append(after.ru_utime - before.ru_utime
                                      + after.ru_stime - before.ru_stime)
            if result.returncode not in command.ok_codes:
                raise SystemExit(f"{command.label}: exit {result.returncode}: "
                                 f"{result.stderr[-500:]}")
    return [Measurement(c.label, times[c.label], cpu[c.label]) for c in commands]


def load_line() -> str:
    """The machine's load, to print next to wall times measured on a shared machine."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def print_table(title: str, measurements: Sequence[Measurement], baseline: str) -> None:
    """Medians and each tool's ratio to ``baseline`` (ours / theirs)."""
    by_label = {m.label: m for m in measurements}
    reference = by_label[baseline].median
    print(f"\n{title}")
    print(f"{'command':<48} {'median s':>9} {'runs':>5} {'vs ' + baseline:>16} {'CPU s':>7}")
    for m in measurements:
        cpu = f"{m.median_cpu:>7.3f}" if m.cpu else f"{'-':>7}"
        print(f"{m.label:<48} {m.median:>9.3f} {len(m.seconds):>5} {m.median / reference:>15.2f}x"
              f" {cpu}")
