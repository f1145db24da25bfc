"""Print one interpreter per Python version qualitytool supports that this machine has.

The supported versions are the ``Programming Language :: Python :: 3.X`` classifiers of
``pyproject.toml`` (the versions ``requires-python`` admits and CI tests).  An interpreter is
``python3.X`` on ``PATH`` or in pyenv's versions folder, and counts only if it runs and says it
is that version (a pyenv shim of a version that is not selected fails).  Output: one
``3.X PATH`` line per version found, and ``3.X -`` for each one missing.

Standard library only: CI runs it before any virtualenv exists.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def supported_versions(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """``["3.10", "3.11", ...]`` from the classifiers, oldest first."""
    text = pyproject.read_text(encoding="utf-8")
    found = set(re.findall(r'"Programming Language :: Python :: (3\.\d+)"', text))
    return sorted(found, key=lambda v: int(v.split(".")[1]))


def _candidates(version: str) -> list[str]:
    found = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for folder in sorted((pyenv_root / "versions").glob(f"{version}.*"), reverse=True):
        found.append(str(folder / "bin" / f"python{version}"))
    return found


def interpreter(version: str) -> str | None:
    """An interpreter of ``version`` that runs, or None."""
    for candidate in _candidates(version):
        try:
            answer = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=60, check=False,
            )
        except OSError:
            continue
        if answer.returncode == 0 and answer.stdout.strip() == version:
            return candidate
    return None


def main() -> int:
    for version in supported_versions():
        print(version, interpreter(version) or "-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
