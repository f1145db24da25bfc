"""fix-exceptions: one before/after pair per inference rule, no-op cases, safety, bytes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import fix_exceptions
from qualitytool.cli import main
from qualitytool.config import Config


def run_fix(tmp_path: Path, files: dict[str, str], **options: bool) -> dict[str, str]:
    """Write ``files`` under tmp_path, run fix-exceptions --write, return the new texts."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    fix_exceptions([tmp_path], Config(root=tmp_path), write=True, record_run=False, **options)
    return {name: (tmp_path / name).read_text() for name in files}


# The snippets' free names, bound at the end of the module (an unbound name raises NameError).
NAMES = "\np = q = s = x = fh = ''\nclient = object()\n"


def fixed(tmp_path: Path, code: str, **options: bool) -> str:
    """``code`` after fix-exceptions --write (its free names bound by :data:`NAMES`)."""
    return run_fix(tmp_path, {"mod.py": code + NAMES}, **options)["mod.py"].removesuffix(NAMES)


# (before, after) pairs: one per inference rule.
CASES = [
    pytest.param(
        "import json\ntry:\n    data = json.loads(s)\nexcept Exception:\n    data = None\n",
        "import json\ntry:\n    data = json.loads(s)\nexcept (RecursionError, ValueError):\n"
        "    data = None\n",
        id="knowledge base: json.loads",
    ),
    pytest.param(
        "from json import loads\ntry:\n    data = loads(s)\nexcept Exception:\n    data = None\n",
        "from json import loads\ntry:\n    data = loads(s)\nexcept (RecursionError, ValueError):\n"
        "    data = None\n",
        id="resolved through from-import",
    ),
    pytest.param(
        "import xml.etree.ElementTree as ET\ntry:\n    root = ET.fromstring(s)\nexcept Exception:\n"
        "    root = None\n",
        "import xml.etree.ElementTree as ET\ntry:\n    root = ET.fromstring(s)\n"
        "except (ValueError, ET.ParseError):\n    root = None\n",
        id="resolved through import-as, named through the alias",
    ),
    pytest.param(
        "try:\n    n = int(s)\nexcept Exception:\n    n = 0\n",
        "try:\n    n = int(s)\nexcept (OverflowError, TypeError, ValueError):\n    n = 0\n",
        id="builtin int",
    ),
    pytest.param(
        "import os\ntry:\n    os.remove(p)\nexcept Exception:\n    pass\n",
        "import os\ntry:\n    os.remove(p)\nexcept (OSError, ValueError):\n    pass\n",
        id="os.remove",
    ),
    pytest.param(
        "import shutil\ndef f(a, b):\n    try:\n        shutil.copyfile(a, b)\n"
        "    except Exception:\n        return False\n    return True\n",
        "import shutil\ndef f(a, b):\n    try:\n        shutil.copyfile(a, b)\n"
        "    except (OSError, OverflowError, TypeError, ValueError):\n        return False\n"
        "    return True\n",
        id="shutil.copyfile in a function",
    ),
    pytest.param(
        "def f(p):\n    try:\n        with open(p) as fh:\n            return fh.read()\n"
        "    except Exception:\n        return None\n",
        "def f(p):\n    try:\n        with open(p) as fh:\n            return fh.read()\n"
        "    except (LookupError, OSError, TypeError, ValueError):\n        return None\n",
        id="local typing: with open() as fh",
    ),
    pytest.param(
        "import sqlite3\ndef f(p):\n    try:\n        conn = sqlite3.connect(p)\n"
        "        conn.execute('SELECT 1')\n    except Exception:\n        return False\n",
        "import sqlite3\ndef f(p):\n    try:\n        conn = sqlite3.connect(p)\n"
        "        conn.execute('SELECT 1')\n    except (TypeError, ValueError, sqlite3.Error):\n"
        "        return False\n",
        id="local typing: conn = sqlite3.connect()",
    ),
    pytest.param(
        "import configparser\ndef f(p):\n    parser = configparser.ConfigParser()\n"
        "    parser.read(p)\n    try:\n        return parser.get('a', 'b')\n"
        "    except Exception:\n        return None\n",
        "import configparser\ndef f(p):\n    parser = configparser.ConfigParser()\n"
        "    parser.read(p)\n    try:\n        return parser.get('a', 'b')\n"
        "    except configparser.Error:\n        return None\n",
        id="local typing: parser = configparser.ConfigParser()",
    ),
    pytest.param(
        "class Cache:\n    def __init__(self):\n        self.store = {}\n"
        "    def get(self, k: str):\n        try:\n            return self.store[k]\n"
        "        except Exception:\n            return None\n",
        "class Cache:\n    def __init__(self):\n        self.store = {}\n"
        "    def get(self, k: str):\n        try:\n            return self.store[k]\n"
        "        except KeyError:\n            return None\n",
        id="local typing: self.store = {} then subscript",
    ),
    pytest.param(
        "try:\n    import tomllib\nexcept Exception:\n    tomllib = None\n",
        "try:\n    import tomllib\nexcept ImportError:\n    tomllib = None\n",
        id="operation: import",
    ),
    pytest.param(
        "def ratio(a: int, b: int):\n    try:\n        return a / b\n    except Exception:\n"
        "        return 0\n",
        "def ratio(a: int, b: int):\n    try:\n        return a / b\n"
        "    except (OverflowError, ZeroDivisionError):\n        return 0\n",
        id="operation: division (an int too large for a float: OverflowError)",
    ),
    pytest.param(
        "def pair(s):\n    try:\n        a, b = s.split(',')\n    except Exception:\n"
        "        return None\n    return a, b\n",
        "def pair(s):\n    try:\n        a, b = s.split(',')\n    except Exception:\n"
        "        return None\n    return a, b\n",
        id="no-op: unpacking of an untyped call stays (s.split unknown)",
    ),
    pytest.param(
        "import subprocess\ntry:\n    subprocess.run(['x'], check=True)\nexcept Exception:\n"
        "    pass\n",
        "import subprocess\ntry:\n    subprocess.run(['x'], check=True)\n"
        "except (OSError, ValueError, subprocess.SubprocessError):\n    pass\n",
        id="subprocess.run",
    ),
    pytest.param(
        "class ConfigError(Exception):\n    pass\n\ndef load(p: str):\n    if not p:\n"
        "        raise ConfigError('no path')\n    return p\n\ntry:\n    load(x)\n"
        "except Exception:\n    pass\n",
        "class ConfigError(Exception):\n    pass\n\ndef load(p: str):\n    if not p:\n"
        "        raise ConfigError('no path')\n    return p\n\ntry:\n    load(x)\n"
        "except ConfigError:\n    pass\n",
        id="project function raising ConfigError",
    ),
    pytest.param(
        "class E(Exception):\n    pass\n\ndef a(n: int):\n    if n:\n        return b(n - 1)\n"
        "    raise E()\n\ndef b(n: int):\n    return a(n)\n\ntry:\n    a(3)\nexcept Exception:\n"
        "    pass\n",
        "class E(Exception):\n    pass\n\ndef a(n: int):\n    if n:\n        return b(n - 1)\n"
        "    raise E()\n\ndef b(n: int):\n    return a(n)\n\ntry:\n    a(3)\nexcept E:\n"
        "    pass\n",
        id="project: transitive and mutually recursive",
    ),
    pytest.param(
        "import os\ntry:\n    try:\n        os.remove(p)\n    except OSError:\n        pass\n"
        "    n = int(s)\nexcept Exception:\n    n = 0\n",
        "import os\ntry:\n    try:\n        os.remove(p)\n    except OSError:\n        pass\n"
        "    n = int(s)\nexcept (OverflowError, TypeError, ValueError):\n    n = 0\n",
        id="nested try: what it catches is subtracted",
    ),
    pytest.param(
        "def f(p):\n    try:\n        return open(p).read()\n    except OSError:\n"
        "        return ''\n    except Exception:\n        return None\n",
        "def f(p):\n    try:\n        return open(p).read()\n    except OSError:\n"
        "        return ''\n    except (LookupError, TypeError, ValueError):\n"
        "        return None\n",
        id="earlier handlers of the same try are subtracted",
    ),
    pytest.param(
        "import os\ntry:\n    os.remove(p)\nexcept (KeyError, Exception):\n    pass\n",
        "import os\ntry:\n    os.remove(p)\nexcept (KeyError, OSError, ValueError):\n    pass\n",
        id="tuple handler keeps its other names",
    ),
    pytest.param(
        "import os\ntry:\n    os.remove(p)\nexcept Exception as exc:\n    print(exc)\n",
        "import os\ntry:\n    os.remove(p)\nexcept (OSError, ValueError) as exc:\n    print(exc)\n",
        id="as-name kept",
    ),
    pytest.param(
        "import os\ntry:\n    os.remove(p)\nexcept:\n    pass\n",
        "import os\ntry:\n    os.remove(p)\nexcept (OSError, ValueError):\n    pass\n",
        id="bare except with a closed answer",
    ),
    pytest.param(
        "from sqlite3 import connect\n\ndef f(p):\n    try:\n        connect(p)\n"
        "    except Exception:\n        return None\n",
        "import sqlite3\nfrom sqlite3 import connect\n\ndef f(p):\n    try:\n        connect(p)\n"
        "    except (TypeError, ValueError, sqlite3.Error):\n        return None\n",
        id="import added where isort puts it: `import x` above `from x import`",
    ),
    pytest.param(
        "import os\n# before\ntry:  # keep\n    os.remove(p)  # remove it\n"
        "except Exception:  # broad\n    # nothing to do\n    pass\n",
        "import os\n# before\ntry:  # keep\n    os.remove(p)  # remove it\n"
        "except (OSError, ValueError):  # broad\n    # nothing to do\n    pass\n",
        id="comments kept",
    ),
]


@pytest.mark.parametrize(("before", "after"), CASES)
def test_rewrite(tmp_path: Path, before: str, after: str) -> None:
    assert fixed(tmp_path, before) == after
    # idempotent: a second run changes nothing
    assert fixed(tmp_path, after) == after


NO_OPS = [
    pytest.param("try:\n    client.fetch()\nexcept Exception:\n    pass\n", id="unknown call"),
    pytest.param("import os\ntry:\n    os.remove(p)\nexcept Exception:\n    raise\n",
                 id="re-raises"),
    pytest.param(
        "import os, logging\ntry:\n    os.remove(p)\nexcept Exception:\n"
        "    logging.exception('x')\n",
        id="logs the traceback",
    ),
    pytest.param(
        "import os\ntry:\n    os.remove(p)\nexcept Exception:  # noqa: BLE001\n    pass\n",
        id="noqa",
    ),
    pytest.param(
        "import os\ndef f():\n    try:\n        os.remove(p)\n    except Exception:\n        pass\n"
        "    finally:\n        return 1\n",
        id="finally returns",
    ),
    pytest.param(
        "import os\ntry:\n    os.remove(p)\nexcept* Exception:\n    pass\n", id="except star"
    ),
    pytest.param(
        "import os\ndef g():\n    try:\n        yield os.remove(p)\n    except Exception:\n"
        "        pass\n",
        id="yield in the try body",
    ),
    pytest.param(
        "import asyncio\nasync def g():\n    try:\n        async with asyncio.TaskGroup() as tg:\n"
        "            tg.create_task(h())\n    except Exception:\n        pass\n",
        id="task group",
    ),
    pytest.param("try:\n    x = 1\nexcept Exception:\n    pass\n", id="nothing raises"),
    pytest.param(
        "import os\ntry:\n    x = 1\nexcept Exception:\n    pass\nelse:\n    os.remove(p)\n"
        "finally:\n    os.remove(q)\n",
        id="else and finally do not feed inference",
    ),
    pytest.param(
        "import json\ntry:\n    json.load(fh)\nexcept Exception:\n    pass\n",
        id="open set: unsafe, not applied by default",
    ),
    pytest.param(
        "try:\n    client.fetch()\nexcept:\n    pass\n", id="bare unknown: unsafe, not applied"
    ),
    pytest.param(
        "import os\ntry:\n    os.remove('/tmp/x')\nexcept OSError:\n    pass\n"
        "except Exception:\n    pass\n",
        id="earlier handlers catch everything",
    ),
    pytest.param(
        "import os\nValueError = None\ntry:\n    int(p)\nexcept Exception:\n    pass\n",
        id="exception name shadowed",
    ),
]


@pytest.mark.parametrize("code", NO_OPS)
def test_no_op(tmp_path: Path, code: str) -> None:
    assert fixed(tmp_path, code) == code


def outcomes(tmp_path: Path, code: str, **options: bool) -> list[tuple[object, ...]]:
    (tmp_path / "mod.py").write_text(code + NAMES)
    report = fix_exceptions([tmp_path], Config(root=tmp_path), record_run=False, **options)
    return [(h.line, h.outcome, h.exceptions, h.reason) for h in report.handlers]


def test_reasons_for_handlers_left_broad(tmp_path: Path) -> None:
    code = (
        "import json\ntry:\n    client.fetch('/ping')\nexcept Exception:\n    pass\n"
        "try:\n    json.load(fh)\nexcept Exception:\n    pass\n"
        "try:\n    client.fetch('/ping')\nexcept:\n    pass\n"
        "try:\n    x = 1\nexcept Exception:\n    pass\n"
    )
    assert outcomes(tmp_path, code) == [
        (4, "left", (), "unknown call `client.fetch`"),
        (8, "unsafe", ("OSError", "RecursionError", "ValueError"),
         "`json.load` may raise more than it documents"),
        (12, "unsafe", ("Exception",), (
            "bare `except:` -> `except Exception:` stops catching SystemExit, KeyboardInterrupt, "
            "GeneratorExit and cancellation; unknown call `client.fetch`"
        )),
        (16, "left", (), "nothing in the try body raises an exception worth catching"),
    ]


def test_unsafe_fixes_applied_on_request(tmp_path: Path) -> None:
    code = (
        "import json\ntry:\n    json.load(fh)\nexcept Exception:\n    pass\n"
        "try:\n    client.fetch()\nexcept:\n    pass\n"
    )
    assert fixed(tmp_path, code, unsafe_fixes=True) == (
        "import json\ntry:\n    json.load(fh)\n"
        "except (OSError, RecursionError, ValueError):\n    pass\n"
        "try:\n    client.fetch()\nexcept Exception:\n    pass\n"
    )
    # the second run leaves the now typed `except Exception:` (unknown call) alone
    assert fixed(tmp_path, fixed(tmp_path, code, unsafe_fixes=True), unsafe_fixes=True) == (
        fixed(tmp_path, code, unsafe_fixes=True)
    )


def test_keep_fallback(tmp_path: Path) -> None:
    code = (
        "import json\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n"
        "def parse(s):\n    try:\n        return json.load(s)\n    except Exception as exc:\n"
        "        return str(exc)\n"
    )
    after = (
        "import json\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n"
        "def parse(s):\n    try:\n        return json.load(s)\n"
        "    except (OSError, RecursionError, ValueError) as exc:\n"
        "        return str(exc)\n    except Exception as exc:\n"
        '        logger.exception("unexpected error")\n        return str(exc)\n'
    )
    assert fixed(tmp_path, code, keep_fallback=True) == after
    assert fixed(tmp_path, after, keep_fallback=True) == after


def test_keep_fallback_without_a_logger_imports_logging(tmp_path: Path) -> None:
    code = "import os\ntry:\n    os.remove(p)\nexcept: pass\n"
    assert fixed(tmp_path, code, keep_fallback=True) == (
        "import logging\nimport os\ntry:\n    os.remove(p)\nexcept (OSError, ValueError): pass\n"
        'except: logging.getLogger(__name__).exception("unexpected error")\n'
    )  # the log call takes the place of a lone ``pass``


def test_exception_from_another_project_module_is_imported(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/errors.py": "class AppError(Exception):\n    pass\n",
        "pkg/service.py": "from .errors import AppError\n\ndef run(x):\n"
        "    if x is None:\n        raise AppError('none')\n    return x\n",
        "pkg/api.py": "from pkg.service import run\n\ndef handle(x):\n    try:\n"
        "        return run(x)\n    except Exception:\n        return None\n",
    }
    result = run_fix(tmp_path, files)
    assert result["pkg/api.py"] == (
        "from pkg.errors import AppError\nfrom pkg.service import run\n\ndef handle(x):\n"
        "    try:\n        return run(x)\n    except AppError:\n        return None\n"
    )


def test_bytes_preserved_crlf_bom_and_declared_encoding(tmp_path: Path) -> None:
    crlf = (b"import os\r\ntry:\r\n    os.remove('gone.txt')\r\n"
            b"except Exception:  # x\r\n    pass\r\n")
    bom = b"\xef\xbb\xbf" + crlf.replace(b"\r\n", b"\n")
    latin = (
        b"# -*- coding: latin-1 -*-\nimport os\ns = '\xe9'\ntry:\n    os.remove('gone.txt')\n"
        b"except Exception:\n    pass\n"
    )
    untouched = b"# \xe9\r\nx = 1\r\n"
    (tmp_path / "crlf.py").write_bytes(crlf)
    (tmp_path / "bom.py").write_bytes(bom)
    (tmp_path / "latin.py").write_bytes(latin)
    (tmp_path / "untouched.py").write_bytes(untouched)
    fix_exceptions([tmp_path], Config(root=tmp_path), write=True, record_run=False)
    assert (tmp_path / "crlf.py").read_bytes() == crlf.replace(b"except Exception:",
                                                               b"except OSError:")
    assert (tmp_path / "bom.py").read_bytes() == bom.replace(b"except Exception:",
                                                             b"except OSError:")
    assert (tmp_path / "latin.py").read_bytes() == latin.replace(b"except Exception:",
                                                                 b"except OSError:")
    assert (tmp_path / "untouched.py").read_bytes() == untouched


def test_broken_files_reported_in_one_line_left_untouched(tmp_path: Path) -> None:
    broken = b"try:\n    f(\nexcept Exception:\n    pass\n"
    undecodable = b"try:\n    x = '\xff'\nexcept:\n    pass\n"
    (tmp_path / "broken.py").write_bytes(broken)
    (tmp_path / "undecodable.py").write_bytes(undecodable)
    (tmp_path / "ok.py").write_text(
        "import os\ntry:\n    os.remove('gone.txt')\nexcept Exception:\n    pass\n")
    result = CliRunner().invoke(main, ["fix-exceptions", "--write", str(tmp_path)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert "broken.py:2:6: cannot parse" in errors[0] or "broken.py" in errors[0]
    assert "undecodable.py: not valid utf-8" in errors[1]
    assert (tmp_path / "broken.py").read_bytes() == broken
    assert (tmp_path / "undecodable.py").read_bytes() == undecodable
    assert "except OSError:" in (tmp_path / "ok.py").read_text()


def test_cli_diff_exit_codes_and_run_log(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.qualitytool]\n")
    target = tmp_path / "mod.py"
    before = "import os\ntry:\n    os.remove('gone.txt')\nexcept Exception:\n    pass\n"
    target.write_text(before)
    runner = CliRunner()
    result = runner.invoke(main, ["fix-exceptions", str(tmp_path)])
    assert result.exit_code == 1
    assert "-except Exception:\n+except OSError:\n" in result.output
    assert result.output.endswith(
        "1 broad handler: 1 safe fix(es), 0 unsafe fix(es), 0 boundaries, 0 left broad; "
        "1 file would change, 0 handlers would remain broad\n"
    )
    assert target.read_text() == before  # diff mode writes nothing
    log = json.loads((tmp_path / ".qualitytool" / "last-fix-exceptions.json").read_text())
    assert log["summary"] == {
        "safe": 1, "unsafe": 0, "left": 0, "boundary": 0, "evidence": 0,
        "laddered": 0, "wrapped": 0, "narrowed": 1, "applied": 0, "files_changed": 1
    }
    result = runner.invoke(main, ["fix-exceptions", "--write", str(tmp_path)])
    assert result.exit_code == 0
    assert target.read_text() == before.replace("except Exception:", "except OSError:")
    log = json.loads((tmp_path / ".qualitytool" / "last-fix-exceptions.json").read_text())
    assert log["summary"] == {
        "safe": 1, "unsafe": 0, "left": 0, "boundary": 0, "evidence": 0,
        "laddered": 0, "wrapped": 0, "narrowed": 1, "applied": 1, "files_changed": 1
    }
    assert runner.invoke(main, ["fix-exceptions", str(tmp_path)]).exit_code == 0


def test_json_format_contract(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.qualitytool]\ncritical-paths = ["mod.py"]\n')
    (tmp_path / "mod.py").write_text(
        "import os\ntry:\n    os.remove('gone.txt')\nexcept Exception:\n    pass\n"
        "try:\n    client.fetch()\nexcept Exception:\n    pass\n"
        "import gettext\ntry:\n    gettext.translation(__file__)\nexcept Exception:\n    pass\n"
    )
    result = CliRunner().invoke(main, ["fix-exceptions", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1
    document = json.loads(result.output)
    shown = document["handlers"][0]["path"]
    assert shown.endswith("mod.py")
    assert document == {
        "version": 1,
        "write": False,
        "unsafe_fixes": False,
        "handlers": [
            {"path": shown, "line": 4, "col": 8, "kind": "Exception", "critical": True,
             "outcome": "safe", "exceptions": ["OSError"], "reason": None, "unlock": [],
             "annotate": []},
            {"path": shown, "line": 8, "col": 8, "kind": "Exception", "critical": True,
             "outcome": "left", "exceptions": [], "reason": "unknown call `client.fetch`",
             "unlock": [], "annotate": ["client"]},
            {"path": shown, "line": 13, "col": 8, "kind": "Exception", "critical": True,
             "outcome": "left", "exceptions": [], "reason": "unknown call `gettext.translation`",
             "unlock": ["gettext.translation"], "annotate": []},
        ],
        "summary": {"safe": 1, "unsafe": 0, "left": 2, "boundary": 0, "evidence": 0,
        "laddered": 0, "wrapped": 0, "narrowed": 1, "applied": 0,
                    "files_changed": 1},
        "errors": [],
    }
    logged = json.loads((tmp_path / ".qualitytool" / "last-fix-exceptions.json").read_text())
    assert logged == document


def test_text_output_says_which_entry_unlocks_a_handler_and_the_top_blockers(
    tmp_path: Path,
) -> None:
    (tmp_path / "mod.py").write_text(
        "import gettext\n"
        + "".join(
            f"def f{n}(p: str):\n    try:\n        gettext.translation(p)\n"
            "    except Exception:\n        return None\n"
            for n in range(2)
        )
    )
    result = CliRunner().invoke(main, ["fix-exceptions", "--show-hints", str(tmp_path)])
    assert result.exit_code == 1  # two broad handlers found (none would change)
    assert (
        "mod.py:5:12: left broad: unknown call `gettext.translation`\n"
        "  `gettext.translation` has no contract; describe it in a knowledge base listed under "
        "[tool.qualitytool.exceptions] knowledge-bases:\n"
        '    [[callable]]\n    name = "gettext.translation"\n'
    ) in result.output
    assert result.output.endswith(
        "Top blockers of the handlers left broad (it alone / in all, what to do):\n"
        "     2 / 2    `gettext.translation` has no contract: describe it in a knowledge base "
        "([[callable]], as shown above)\n"
    )


def test_a_long_handler_is_grouped_under_common_bases(tmp_path: Path) -> None:
    # no class cap: KeyError and IndexError are written as LookupError (tests/test_trust_decide.py
    # holds the grouping and max-names cases)
    code = (
        "import json, os, re\n\ndef f(s: str, p: str):\n    try:\n"
        "        os.remove(p)\n        re.compile(s)\n        return json.loads(s)[0]\n"
        "    except Exception:\n        return None\n"
    )
    ((_, outcome, exceptions, reason),) = outcomes(tmp_path, code)
    assert (outcome, exceptions, reason) == (
        "safe", ("LookupError", "OSError", "OverflowError", "RecursionError", "TypeError",
                 "ValueError", "re.error"), None
    )
    # too long for one line: laid out one class per line, as black would
    assert ("    except (\n        LookupError,\n        OSError,\n        OverflowError,\n"
            "        RecursionError,\n        TypeError,\n        ValueError,\n        re.error,\n"
            "    ):\n") in fixed(tmp_path, code, keep_fallback=True)


def test_project_knowledge_base_from_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool.exceptions]\nknowledge-bases = ["kb/vendor.toml"]\n'
    )
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "vendor.toml").write_text(
        '[[callable]]\nname = "vendor.fetch"\nraises = ["vendor.VendorError"]\nclosed = true\n'
        'source = "https://vendor.example/docs#errors"\n'
    )
    (tmp_path / "mod.py").write_text(
        "import vendor\ntry:\n    vendor.fetch()\nexcept Exception:\n    pass\n"
    )
    fix_exceptions([tmp_path], write=True, record_run=False)
    assert (tmp_path / "mod.py").read_text() == (
        "import vendor\ntry:\n    vendor.fetch()\nexcept vendor.VendorError:\n    pass\n"
    )


def test_a_class_of_a_module_a_parameter_hides_is_imported_by_its_own_name(
    tmp_path: Path,
) -> None:
    """lnbits' ``pay_invoice(self, bolt11: str)`` around ``bolt11_decode(bolt11)``:
    ``bolt11.exceptions.Bolt11Exception`` cannot be written where ``bolt11`` is the invoice;
    the class is imported by its name.  A vague name (``Error``) or one bound already is not."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool.exceptions]\nknowledge-bases = ["kb/vendor.toml"]\n'
    )
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "vendor.toml").write_text(
        '[[callable]]\nname = "vendor.decode"\nraises = ["vendor.errors.VendorDecodeError"]\n'
        'closed = true\nsource = "https://vendor.example/docs#errors"\n\n'
        '[[callable]]\nname = "vendor.check"\nraises = ["vendor.errors.Error"]\n'
        'closed = true\nsource = "https://vendor.example/docs#errors"\n'
    )
    code = (
        "from vendor import check, decode as vendor_decode\n\n\n"
        "def pay(vendor: str):\n    try:\n        return vendor_decode(vendor)\n"
        "    except Exception:\n        return None\n\n\n"
        "def verify(vendor: str):\n    try:\n        return check(vendor)\n"
        "    except Exception:\n        return None\n\n\n"
        "def pay_again(vendor: str, VendorDecodeError: str):\n    try:\n"
        "        return vendor_decode(vendor)\n    except Exception:\n        return None\n"
    )
    (tmp_path / "mod.py").write_text(code)
    report = fix_exceptions([tmp_path], write=True, record_run=False)
    assert (tmp_path / "mod.py").read_text() == code.replace(
        "from vendor import check, decode as vendor_decode\n",
        "from vendor import check, decode as vendor_decode\n"
        "from vendor.errors import VendorDecodeError\n", 1,
    ).replace("except Exception", "except VendorDecodeError", 1)
    assert [h.reason for h in report.handlers][1:] == [
        "cannot name `vendor.errors.Error` here: `vendor` is taken",
        "cannot name `vendor.errors.VendorDecodeError` here: `vendor` is taken",
    ]


def test_libcst_tool_runs_the_codemod(tmp_path: Path) -> None:
    (tmp_path / ".libcst.codemod.yaml").write_text(
        "generated_code_marker: '@generated'\nformatter: []\nblacklist_patterns: []\n"
        "modules:\n- 'qualitytool.codemods'\nrepo_root: '.'\n"
    )
    target = tmp_path / "mod.py"
    target.write_text("import os\ntry:\n    os.remove('gone.txt')\nexcept Exception:\n    pass\n")
    result = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "fix_exceptions.FixExceptionsCommand",
         "-j", "1", "--no-format", "mod.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert target.read_text() == (
        "import os\ntry:\n    os.remove('gone.txt')\nexcept OSError:\n    pass\n")


def test_unwritable_run_log_warns_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.qualitytool]\n")
    (tmp_path / ".qualitytool").write_text("a file where the log folder should be\n")
    (tmp_path / "mod.py").write_text(
        "import os\ntry:\n    os.remove('gone.txt')\nexcept Exception:\n    pass\n")
    result = CliRunner().invoke(main, ["fix-exceptions", str(tmp_path)])
    assert result.exit_code == 1
    assert "warning: cannot write the run log: " in result.output
    assert "+except OSError:" in result.output


def test_web_library_knowledge_open_sets_and_declared_bases(tmp_path: Path) -> None:
    code = (
        "import requests\n\ndef fetch(url):\n    session = requests.Session()\n    try:\n"
        "        response = session.get(url, timeout=5)\n        response.raise_for_status()\n"
        "        return response.json()\n    except Exception:\n        return None\n"
    )
    # requests.get is an open set (urllib3 errors leak), so the fix is unsafe; HTTPError and
    # JSONDecodeError are RequestExceptions (knowledge-base [[exception]] entries); a body
    # nested too deep is a RecursionError, a number of 5,000 digits a plain ValueError.
    assert outcomes(tmp_path, code) == [
        (9, "unsafe", ("RecursionError", "ValueError", "requests.RequestException"),
         "`session.get` may raise more than it documents"),
    ]
    assert fixed(tmp_path, code, unsafe_fixes=True) == code.replace(
        "except Exception:", "except (RecursionError, ValueError, requests.RequestException):"
    )


def test_bad_project_knowledge_base_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool.exceptions]\nknowledge-bases = ["kb.toml"]\n'
    )
    (tmp_path / "kb.toml").write_text('[[callable]]\nname = "f"\nraises = []\nclosed = true\n')
    (tmp_path / "mod.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["fix-exceptions", str(tmp_path)])
    assert result.exit_code == 2
    assert "kb.toml: callable[0] (f): 'source' is required (cite the docs)" in result.output


def test_the_blocking_reason_comes_first_even_through_a_project_function(tmp_path: Path) -> None:
    code = (
        "import gettext\n\ndef helper(obj, p):\n    if obj:\n        gettext.translation(p)\n\n"
        "def f(obj, p):\n    try:\n        helper(obj, p)\n    except Exception:\n"
        "        return None\n"
    )
    ((_, outcome, _, reason),) = outcomes(tmp_path, code)
    assert outcome == "left"
    assert str(reason).startswith("unknown call `gettext.translation` (via `helper`); truth value")
