"""Generated inputs for the size, memory and interruption benchmarks and tests.

Deterministic (seeded) so that figures from two runs are comparable; nothing is downloaded.
"""

from __future__ import annotations

import random
from pathlib import Path

_FUNCTION = '''\
def {name}(path, data, {arg}=None):
    """Load {name} from a file; a TODO: handle {arg} better."""
    # TODO: cache the {name} result
    total = 0
    for index, value in enumerate(data):
        total += index * {k}
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.loads(handle.read())
    except Exception:
        payload = {{"{name}": total}}
    if {arg} is not None:
        payload["{arg}"] = {arg}
    return payload

'''


def module_text(target_bytes: int, seed: int = 0) -> str:
    """A valid module of about ``target_bytes`` bytes: functions each holding one broad
    handler and one TODO comment."""
    rng = random.Random(seed)
    parts = ["import json\n\n\n"]
    size = len(parts[0])
    index = 0
    while size < target_bytes:
        text = _FUNCTION.format(name=f"load_{index}", arg=rng.choice(["limit", "key", "mode"]),
                                k=rng.randint(1, 99))
        parts.append(text)
        size += len(text)
        index += 1
    return "".join(parts)


def write_tree(root: Path, files: int, per_package: int = 200, seed: int = 0) -> list[Path]:
    """``files`` small modules under ``root``, ``per_package`` to a package."""
    written = []
    for index in range(files):
        package = root / f"pkg_{index // per_package}"
        if index % per_package == 0:
            package.mkdir(parents=True, exist_ok=True)
            (package / "__init__.py").write_text("", encoding="utf-8")
        path = package / f"mod_{index}.py"
        path.write_text(module_text(600 + (index % 7) * 200, seed + index), encoding="utf-8")
        written.append(path)
    return written
