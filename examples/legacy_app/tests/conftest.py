"""Make ``import app`` work from this folder and from the qualitytool repo root."""

import sys
from pathlib import Path

import pytest

LEGACY_APP_ROOT = Path(__file__).resolve().parents[1]
if str(LEGACY_APP_ROOT) not in sys.path:
    sys.path.insert(0, str(LEGACY_APP_ROOT))


@pytest.fixture
def settings_file(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(
        "[app]\n"
        'name = "orders-test"\n'
        "port = 8081\n"
        "\n"
        "[database]\n"
        f'path = "{(tmp_path / "orders.db").as_posix()}"\n'
        "\n"
        "[storage]\n"
        f'root = "{(tmp_path / "files").as_posix()}"\n',
        encoding="utf-8",
    )
    (tmp_path / "files").mkdir()
    return path
