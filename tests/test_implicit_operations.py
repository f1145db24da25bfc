"""The safe tier is sound: every implicit operation of a try body gets an answer.

Attribute access on objects of unknown type, ``await``, ``str()`` and f-strings, comparisons,
arithmetic, truth tests, iteration, context managers and imports all run code.  On values
of a known type they raise what the language or a contract says; on values of unknown type
the answer is open (the fix is unsafe at best), never "raises nothing"; an open answer with
nothing but such guesses is left broad, so those rows also call ``os.remove``.  One row a rule:
(the module, the handler's outcome, what it would catch).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitytool.api import fix_exceptions
from qualitytool.config import Config


def handler(tmp_path: Path, files: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    """(outcome, exceptions) of the one broad handler in ``mod.py``."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    report = fix_exceptions([tmp_path / "mod.py"], Config(root=tmp_path), record_run=False)
    (found,) = report.handlers
    return found.outcome, found.exceptions


def body(code: str, params: str = "") -> str:
    """A function ``f(params)`` whose try body is ``code`` (lines joined with ';')."""
    lines = "".join(f"        {line.strip()}\n" for line in code.split(";"))
    return (
        "import base64, json, os, re\n\n\n"
        f"async def f({params}):\n    try:\n{lines}    except Exception:\n        return None\n"
    )


SAFE = "safe"
UNSAFE = "unsafe"
LEFT = "left"
BOUNDARY = "boundary"

CASES = [
    # -- the cases of the issue: each used to be "safe" and dropped an exception ------------
    pytest.param(body("v = obj.value; int(s)", "obj, s: str"), UNSAFE,
                 ("AttributeError", "OverflowError", "TypeError", "ValueError"),
                 id="attribute of an unknown object: AttributeError, and open"),
    pytest.param(body("await fut; os.remove(p)", "fut, p: str"), BOUNDARY, (),
                 id="await of a future: whatever it raised (a boundary)"),
    pytest.param(body("str(request.user); os.remove(p)", "request, p: str"), UNSAFE,
                 ("AttributeError", "OSError", "ValueError"),
                 id="str() of an unknown object runs its __str__"),
    pytest.param(body("base64.b64decode(s)", "s"), SAFE,
                 ("TypeError", "ValueError"), id="base64.b64decode(None) is a TypeError"),
    # -- attribute access ------------------------------------------------------------------
    pytest.param(body("n = s.upper(); os.remove(n)", "s: str"), SAFE, ("OSError", "ValueError"),
                 id="method of a str"),
    pytest.param(body("return re.match('a', s).group(0)", "s: str"), SAFE,
                 ("AttributeError", "IndexError", "TypeError", "re.error"),
                 id="a call that may return None: AttributeError"),
    pytest.param(body("return s.nope", "s: str"), SAFE, ("AttributeError",),
                 id="missing attribute of a builtin"),
    # -- conversions and formatting --------------------------------------------------------
    pytest.param(body("int(s)", "s"), UNSAFE, ("OverflowError", "TypeError", "ValueError"),
                 id="int() of an unknown value runs its __int__"),
    pytest.param(body("int(s)", "s: str"), SAFE, ("OverflowError", "TypeError", "ValueError"),
                 id="int() of a str"),
    pytest.param(body("os.remove(f'{obj}.txt')", "obj"), UNSAFE, ("OSError", "ValueError"),
                 id="f-string of an unknown value"),
    pytest.param(body("os.remove(f'{name}.txt')", "name: str"), SAFE, ("OSError", "ValueError"),
                 id="f-string of a str"),
    pytest.param(body("os.remove(f'{n:d}')", "n: int"), SAFE, ("OSError", "ValueError"),
                 id="format spec: ValueError"),
    pytest.param(body("os.remove('%s.txt' % obj)", "obj"), UNSAFE,
                 ("OSError", "TypeError", "ValueError"), id="%-formatting of an unknown value"),
    # -- comparisons and arithmetic --------------------------------------------------------
    pytest.param(body("if a == b: os.remove(p)", "a, b, p: str"), UNSAFE, ("OSError", "ValueError"),
                 id="== of unknown values runs __eq__"),
    pytest.param(body("if a == 'x': os.remove(p)", "a: str, p: str"), SAFE,
                 ("OSError", "ValueError"),
                 id="== of strs"),
    pytest.param(body("if a < 1: os.remove(p)", "a, p: str"), UNSAFE,
                 ("OSError", "TypeError", "ValueError"),
                 id="ordering of an unknown value"),
    pytest.param(body("if a is None: os.remove(p)", "a, p: str"), SAFE, ("OSError", "ValueError"),
                 id="identity runs nothing"),
    pytest.param(body("os.remove(p); return a + 1", "a, p: str"), UNSAFE,
                 ("OSError", "TypeError", "ValueError"), id="arithmetic on an unknown value"),
    pytest.param(body("return a // b", "a: int, b: int"), SAFE, ("ZeroDivisionError",),
                 id="floor division of ints"),
    pytest.param(body("os.remove(p); return a / b", "a, b, p: str"), UNSAFE,
                 ("ArithmeticError", "OSError", "TypeError", "ValueError"),
                 id="division of unknown values after a file operation"),
    pytest.param(body("return a / b", "a, b"), UNSAFE,
                 ("OverflowError", "TypeError", "ZeroDivisionError"),
                 id="division of unknown values"),
    # -- truth, iteration, unpacking -------------------------------------------------------
    pytest.param(body("if obj: os.remove(p)", "obj, p: str"), UNSAFE, ("OSError", "ValueError"),
                 id="truth value of an unknown object runs __bool__"),
    pytest.param(body("if not name: os.remove(p)", "name: str, p: str"), SAFE,
                 ("OSError", "ValueError"),
                 id="truth value of a str"),
    pytest.param(body("for x in items: int(x)", "items"), UNSAFE,
                 ("OverflowError", "TypeError", "ValueError"),
                 id="iteration of an unknown object"),
    pytest.param(body("a, b = s.split(','); os.remove(a)", "s: str"), SAFE,
                 ("OSError", "ValueError"),
                 id="unpacking of a list: ValueError (and its parts are str)"),
    pytest.param(body("a, b = 1, 2; os.remove(p)", "p: str"), SAFE, ("OSError", "ValueError"),
                 id="unpacking of a tuple display of the right length"),
    pytest.param(body("n = len(args); os.remove(p)", "*args, p: str"), SAFE,
                 ("OSError", "ValueError"),
                 id="*args is a tuple"),
    # -- subscripts ------------------------------------------------------------------------
    pytest.param(body("return data['key']", "data: dict"), SAFE, ("KeyError",),
                 id="dict subscript with a str key"),
    pytest.param(body("os.remove(p); return data[key]", "data: dict, key, p: str"), UNSAFE,
                 ("KeyError", "OSError", "TypeError", "ValueError"),
                 id="dict subscript with a key of unknown type (its __hash__)"),
    pytest.param(body("os.remove(p); return data['key']", "data, p: str"), UNSAFE,
                 ("LookupError", "OSError", "ValueError"), id="subscript of an unknown object"),
    # -- context managers ------------------------------------------------------------------
    pytest.param(body("with lock: os.remove(p)", "lock, p: str"), UNSAFE, ("OSError", "ValueError"),
                 id="context manager of unknown type: __enter__/__exit__"),
    pytest.param(body("with open(p) as fh: return fh.read()", "p: str"), SAFE,
                 ("LookupError", "OSError", "ValueError"), id="open(): io's __enter__/__exit__"),
    # -- names and raise -------------------------------------------------------------------
    pytest.param(body("return undefined_name", ""), SAFE, ("NameError",),
                 id="a name bound nowhere: NameError"),
    pytest.param(body("err = ValueError('x'); raise err", ""), SAFE, ("ValueError",),
                 id="raise of a local holding an exception"),
    pytest.param("import numpy, os\n\ndef f(arr: numpy.ndarray, p: str):\n    try:\n"
                 "        if arr:\n            os.remove(p)\n    except Exception:\n"
                 "        pass\n", UNSAFE, ("OSError", "ValueError"),
                 id="truth value of a library type without a contract (numpy's raises)"),
    pytest.param("import os, pathlib\n\ndef f(d: pathlib.Path, p: str):\n    try:\n"
                 "        if d:\n            os.remove(p)\n    except Exception:\n"
                 "        pass\n", SAFE, ("OSError", "ValueError"),
                 id="truth value of a stdlib type"),
    # TypeError: the inference types every file io.IOBase (TextIO and BinaryIO alike), and
    # io.IOBase.write of data that is not a literal meets str on a binary file (the entry's
    # arguments); for sys.stderr, a text stream, it is a class kept to stay sound, not one it
    # raises
    pytest.param("import sys\n\ndef f(s: str):\n    try:\n        sys.stderr.write(s)\n"
                 "    except Exception:\n        pass\n", SAFE,
                 ("AttributeError", "OSError", "TypeError", "ValueError"),
                 id="sys.stderr may be None (typeshed's MaybeNone)"),
    # -- imports ---------------------------------------------------------------------------
    pytest.param("try:\n    import tomllib\nexcept Exception:\n    tomllib = None\n", SAFE,
                 ("ImportError",), id="import of a stdlib module"),
    pytest.param("try:\n    import yaml\nexcept Exception:\n    yaml = None\n", UNSAFE,
                 ("ImportError",), id="import of a library: its module-level code runs"),
]


@pytest.mark.parametrize(("code", "outcome", "exceptions"), CASES)
def test_implicit_operation(
    tmp_path: Path, code: str, outcome: str, exceptions: tuple[str, ...]
) -> None:
    assert handler(tmp_path, {"mod.py": code}) == (outcome, exceptions)


def test_import_of_a_project_module_runs_its_top_level_code(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/settings.py": "import json\n\nCONFIG = json.loads('{}')\n",
        "mod.py": "try:\n    import pkg.settings\nexcept Exception:\n    pass\n",
    }
    assert handler(tmp_path, files) == (SAFE, ("ImportError",))  # json.loads of a literal


def test_import_of_a_project_module_that_calls_unknown_code(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/plugins.py": "import entrypoints\n\nPLUGINS = entrypoints.load_all()\n",
        "mod.py": "try:\n    from pkg import plugins\nexcept Exception:\n    plugins = None\n",
    }
    assert handler(tmp_path, files)[0] == LEFT


def test_a_hook_method_is_whatever_a_subclass_makes_it(tmp_path: Path) -> None:
    code = (
        "class Base:\n    def on_event(self):\n        pass\n\n"
        "    def run(self, s: str):\n        try:\n            self.on_event()\n"
        "            return int(s)\n        except Exception:\n            return None\n"
    )
    assert handler(tmp_path, {"mod.py": code}) == (BOUNDARY, ())


def test_a_project_function_sees_the_argument_types_of_its_call(tmp_path: Path) -> None:
    code = (
        "def parse(text):\n    return int(text)\n\n"
        "def f():\n    try:\n        return parse('12')\n    except Exception:\n"
        "        return None\n"
    )
    assert handler(tmp_path, {"mod.py": code}) == (
        SAFE, ("OverflowError", "TypeError", "ValueError")
    )


def test_a_project_property_is_followed(tmp_path: Path) -> None:
    code = (
        "class Config:\n    def __init__(self, raw: str):\n        self.raw = raw\n\n"
        "    @property\n    def port(self) -> int:\n        return int(self.raw)\n\n"
        "def f(config: Config):\n    try:\n        return config.port\n"
        "    except Exception:\n        return None\n"
    )
    assert handler(tmp_path, {"mod.py": code}) == (
        SAFE, ("OverflowError", "TypeError", "ValueError")
    )


def test_a_star_import_may_bind_any_name(tmp_path: Path) -> None:
    code = (
        "from os.path import *\n\ndef f():\n    try:\n        return join\n"
        "    except Exception:\n        return None\n"
    )
    assert handler(tmp_path, {"mod.py": code}) == (LEFT, ())
