"""Regression table of derived contracts (issue 22 item 9, for the ``derive`` area): each
handler before and after fix-exceptions, with the dependencies installed in the project's
``.venv``.  The cases that must not narrow are as important as those that do: a derived
contract that narrows wrongly is worse than none."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitytool.api import fix_exceptions
from qualitytool.config import load_config

CASES = [
    pytest.param(
        "import tinylib\n\ndef port(text):\n    try:\n        return tinylib.parse_port(text)\n"
        "    except Exception:\n        return None\n",
        "import tinylib\n\ndef port(text):\n    try:\n        return tinylib.parse_port(text)\n"
        "    except (OverflowError, TypeError, ValueError, tinylib.BadPort):\n"
        "        return None\n",
        False, "",
        id="a closed library summary: a safe fix, the class by its public name",
    ),
    pytest.param(
        "from tinylib import Client\n\ndef get(client: Client):\n    try:\n"
        "        return client.fetch('/x')\n    except Exception:\n        return None\n",
        # the class joins the module's own `from tinylib import ...` (as isort would keep it)
        "from tinylib import Client, TinyError\n\ndef get(client: Client):\n    try:\n"
        "        return client.fetch('/x')\n    except TinyError:\n        return None\n",
        True, "",
        id="a documented Raises section over unreadable code: unsafe only",
    ),
    pytest.param(
        "from tinylib import Client\n\ndef get(client: Client):\n    try:\n"
        "        return client.fetch('/x')\n    except Exception:\n        return None\n",
        None, False, "",
        id="the same without --unsafe-fixes: unchanged",
    ),
    pytest.param(
        "import tinylib\n\ndef dump(value):\n    try:\n        return tinylib.dumps(value)\n"
        "    except Exception:\n        return ''\n",
        None, True, "",
        id="a C accelerator with a Python fallback: which runs is unknown, unchanged",
    ),
    pytest.param(
        "from tinylib import Client\n\ndef send(client: Client):\n    try:\n"
        "        client.transport()\n    except Exception:\n        pass\n",
        None, True, "",
        id="a hook that documents TinyError: subclasses decide, unchanged",
    ),
    pytest.param(
        "import tinylib\n\ndef number(text):\n    try:\n        return tinylib.parse_number(text)\n"
        "    except Exception:\n        return 0\n",
        None, True, "",
        id="a library decorator that turns ValueError into TinyError: unchanged",
    ),
    pytest.param(
        "import tinyfast\n\ndef total(values):\n    try:\n"
        "        return tinyfast.fast_sum(values)\n    except Exception:\n        return 0\n",
        None, True, "",
        id="a compiled twin beside the source: unchanged",
    ),
    pytest.param(
        "import tinyfast\n\ndef add():\n    try:\n        return tinyfast.pure_add(1, 2)\n"
        "    except Exception:\n        return 0\n",
        None, True, "",
        id="a distribution with compiled modules: never closed, nothing to narrow to",
    ),
    pytest.param(
        "import tinylib\n\ndef port(text):\n    try:\n        return tinylib.parse_port(text)\n"
        "    except Exception:\n        return None\n",
        "import tinylib\n\ndef port(text):\n    try:\n        return tinylib.parse_port(text)\n"
        "    except ValueError:\n        return None\n",
        False,
        '[[callable]]\nname = "tinylib.parse_port"\nraises = ["ValueError"]\nclosed = true\n'
        'source = "reviewed"\n',
        id="a pinned knowledge-base entry wins over the derived contract",
    ),
]


@pytest.mark.parametrize(("before", "after", "unsafe", "pinned"), CASES)
def test_derived_contract_rewrites(
    tmp_path: Path, installed_venv: Path, before: str, after: str | None, unsafe: bool,
    pinned: str,
) -> None:
    (tmp_path / ".venv").symlink_to(installed_venv)
    config = "[tool.qualitytool]\n"
    if pinned:
        (tmp_path / "pinned.toml").write_text(pinned)
        config += '[tool.qualitytool.exceptions]\nknowledge-bases = ["pinned.toml"]\n'
    (tmp_path / "pyproject.toml").write_text(config)
    module = tmp_path / "app.py"
    module.write_text(before)
    fix_exceptions([module], load_config(tmp_path), write=True, unsafe_fixes=unsafe,
                   record_run=False)
    assert module.read_text() == (before if after is None else after)
    again = fix_exceptions([module], load_config(tmp_path), unsafe_fixes=unsafe,
                           record_run=False)
    assert not again.changed_files  # a second run changes nothing


def test_no_import_of_a_package_the_environment_does_not_install(
    tmp_path: Path, installed_venv: Path
) -> None:
    """A knowledge-base contract can name a package the project's environment lacks (an
    optional extra another module imports under a condition): importing it at the top of
    the module that catches its class would break that module, so the handler stays."""
    (tmp_path / ".venv").symlink_to(installed_venv)
    (tmp_path / "pinned.toml").write_text(
        '[[callable]]\nname = "ghostsdk.node_info"\nraises = ["ghostsdk.SdkError"]\n'
        'closed = true\nsource = "reviewed"\n\n'
        '[[exception]]\nname = "ghostsdk.SdkError"\nbases = ["Exception"]\nsource = "reviewed"\n'
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool.exceptions]\nknowledge-bases = ["pinned.toml"]\n')
    (tmp_path / "wallet.py").write_text(
        "from importlib.util import find_spec\n\nif find_spec('ghostsdk'):\n"
        "    import ghostsdk\n\n\ndef node_info():\n    return ghostsdk.node_info()\n")
    before = ("import wallet\n\n\ndef status():\n    try:\n        return wallet.node_info()\n"
              "    except Exception:\n        return None\n")
    module = tmp_path / "app.py"
    module.write_text(before)
    report = fix_exceptions([module], load_config(tmp_path), write=True, record_run=False)
    assert module.read_text() == before
    (handler,) = report.handlers
    assert handler.reason is not None
    assert "`ghostsdk` is not installed in the project's environment" in handler.reason
