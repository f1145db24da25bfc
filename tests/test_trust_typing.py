"""Typing that never trusts more than the value (issue 22 item 2), JSON values as a type and
local typing (issue 23 items 3 and 4).

Three tables:

- ``REVEALED``: what the typing says a value is at a point (``reveal(x)`` marks the point),
  one row a rule of :mod:`qualitytool.exceptions.inference.flow` and
  :mod:`qualitytool.exceptions.inference.expression_types`;
- ``REGRESSIONS``: fix-exceptions on a handler, before (main before this change) and after,
  pinned outcome, classes and reason;
- ``JSON_BODIES``: try bodies that handle a decoded JSON document; each is rewritten for real
  and then run against JSON values hypothesis generates: whatever the body raises, the
  narrowed handler must catch.
"""

from __future__ import annotations

import ast
import asyncio
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from qualitytool.api import fix_exceptions
from qualitytool.config import Config, ExceptionsConfig
from qualitytool.exceptions.inference.frames import Frame
from qualitytool.exceptions.inference.infer import Inferrer
from qualitytool.exceptions.inference.knowledge import load_knowledge_base
from qualitytool.exceptions.inference.project import ProjectIndex
from qualitytool.exceptions.inference.stubs import default_stubs

# -- what the typing reveals --------------------------------------------------------------


def revealed(tmp_path: Path, code: str) -> list[str | None]:
    """The type of every ``reveal(x)`` argument in ``mod.py``, in source order (None when
    unknown)."""
    (tmp_path / "mod.py").write_text(code)
    inferrer = Inferrer(load_knowledge_base(), ProjectIndex([str(tmp_path)]), default_stubs())
    module = inferrer.index.module("mod")
    assert module is not None
    found: list[tuple[int, int, str | None]] = []

    def walk(body: list[ast.stmt], frame: Frame) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                walk(stmt.body, Frame.for_function(
                    module, stmt, None, frame if frame.function is not None else None))
                continue
            if isinstance(stmt, ast.ClassDef):
                for inner in stmt.body:
                    if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        owner = inferrer.index.class_info(f"mod.{stmt.name}")
                        walk(inner.body, Frame.for_function(module, inner, owner))
                continue
            for node in ast.walk(stmt):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    break
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "reveal"
                ):
                    kind = inferrer.types.type_of(node.args[0], frame)
                    found.append((node.lineno, node.col_offset,
                                  kind.shown if kind is not None else None))

    walk(module.tree.body, Frame(module=module))
    return [shown for _line, _col, shown in sorted(found)]


JSON_TYPE = "JSON value | None"
TRUTHY_JSON = "JSON value"

REVEALED = [
    # -- issue 22 item 2: an annotation never makes a value more than its source ----------
    pytest.param(
        "import httpx\n\ndef f(r: httpx.Response):\n    data: dict = {}\n    reveal(data)\n"
        "    data = r.json()\n    reveal(data)\n",
        ["builtins.dict", JSON_TYPE], id="data: dict = {}, then data = r.json(): JSON, not a dict",
    ),
    pytest.param(
        "import json\n\ndef f(s: str):\n    data: dict = json.loads(s)\n    reveal(data)\n",
        [JSON_TYPE], id="an annotated assignment is its value's type",
    ),
    pytest.param(
        "def f(make):\n    x: str = make()\n    reveal(x)\n",
        [None], id="x: str = untyped(): unknown (Any proves nothing)",
    ),
    pytest.param(
        "def f(n: int):\n    x: float = n\n    reveal(x)\n",
        ["builtins.int"], id="a typed value keeps its own, narrower, type",
    ),
    pytest.param(
        "class Box:\n    def __init__(self, make) -> None:\n        self.data: dict = make()\n"
        "    def get(self):\n        reveal(self.data)\n",
        [None], id="self.data: dict = untyped(): unknown",
    ),
    pytest.param(
        "import json\n\nclass Box:\n    data: dict\n    def load(self, s: str) -> None:\n"
        "        self.data = json.loads(s)\n    def get(self):\n        reveal(self.data)\n",
        [("builtins.bool | builtins.dict | builtins.float | builtins.int | builtins.list "
          "| builtins.str | None")],
        id="a field annotated dict that a method sets from JSON: both (elements unknown)",
    ),
    pytest.param(
        "from pydantic import BaseModel\n\nclass S(BaseModel):\n    conv: list[str] = []\n"
        "    def f(self):\n        reveal(self.conv)\n        for t in self.conv:\n"
        "            reveal(t)\n",
        ["builtins.list", None],
        id="a field with a default: the constructor may fill it (elements unknown)",
    ),
    pytest.param(
        "from dataclasses import dataclass\n\n@dataclass\nclass Box:\n    name: str\n"
        "    def get(self):\n        reveal(self.name)\n",
        ["builtins.str"], id="a dataclass field is its annotation (the constructor fills it)",
    ),
    pytest.param(
        "def f(x: str = None):\n    reveal(x)\n",
        ["builtins.str | None"], id="a parameter defaulting to None may be None",
    ),
    pytest.param(
        "import json\n\ndef parse(data: dict):\n    return data\n\n"
        "def f(s: str):\n    reveal(parse(json.loads(s)))\n    reveal(parse({}))\n",
        [JSON_TYPE, "builtins.dict"],
        id="a project function returns what its call passes, not its annotation",
    ),
    pytest.param(
        "import json\n\ndef load(s: str) -> dict:\n    return json.loads(s)\n\n"
        "def f(s: str):\n    reveal(load(s))\n",
        [JSON_TYPE], id="-> dict returning json.loads(...): JSON",
    ),
    pytest.param(
        "def load(make) -> dict:\n    return make()\n\ndef f():\n    reveal(load(print))\n",
        [None], id="-> dict returning an untyped value: unknown",
    ),
    pytest.param(
        "import abc\n\nclass Base(abc.ABC):\n    @abc.abstractmethod\n"
        "    def name(self) -> str: ...\n\ndef f(b: Base):\n    reveal(b.name())\n",
        ["builtins.str"], id="an override point's annotation is all there is",
    ),
    pytest.param(
        "import json\n\ndef f(s: str):\n    data = json.loads(s, parse_float=float)\n"
        "    reveal(data)\n    reveal(json.loads(s))\n",
        [None, JSON_TYPE], id="json.loads with a hook is not JSON",
    ),
    # -- reaching assignments --------------------------------------------------------------
    pytest.param(
        "def f(c: bool):\n    x = 1\n    reveal(x)\n    if c:\n        x = 'a'\n"
        "    reveal(x)\n    x = 2.0\n    reveal(x)\n",
        ["builtins.int", "builtins.int | builtins.str", "builtins.float"],
        id="the assignments that reach, joined at the end of an if",
    ),
    pytest.param(
        "def f(items: list):\n    x = None\n    for item in items:\n        reveal(x)\n"
        "        x = 1\n    reveal(x)\n",
        ["builtins.int | None", "builtins.int | None"], id="a loop joins its back edge",
    ),
    pytest.param(
        "def f(s: str):\n    x = 1\n    try:\n        x = 'a'\n        x = int(s)\n"
        "    except ValueError:\n        reveal(x)\n",
        ["builtins.int | builtins.str"], id="a handler sees every state of its try body",
    ),
    pytest.param(
        "def f():\n    x = 1\n    while True:\n        x = 'a'\n        if x:\n            break\n"
        "        x = 2\n    reveal(x)\n",
        ["builtins.str"], id="after while True: what reaches the breaks",
    ),
    pytest.param(
        "def f(c):\n    x = 1\n    def inner():\n        reveal(x)\n    x = 'a'\n",
        ["builtins.int | builtins.str"], id="a closure sees every assignment",
    ),
    pytest.param(
        "def f(c):\n    x = 1\n    def inner():\n        nonlocal x\n        x = c\n"
        "    reveal(x)\n",
        [None], id="a name a nested function rebinds is not followed",
    ),
    pytest.param(
        "def f(items: list):\n    x = 1\n    reveal([x for x in items])\n    reveal(x)\n",
        ["builtins.list", "builtins.int"], id="a comprehension's variable is its own",
    ),
    pytest.param(
        "import json\n\ndef f(s: str):\n    items = json.loads(s)\n"
        "    return sum(reveal(item) for item in items)\n",
        [JSON_TYPE], id="a generator expression's variable: an element of what it iterates",
    ),
    pytest.param(
        "import re\n\nA = re.compile('a')\nB = re.compile('b')\n\ndef f():\n"
        "    for regex in A, B:\n        reveal(regex)\n",
        ["re.Pattern"], id="iterating a tuple display: its elements",
    ),
    pytest.param(
        "import contextlib\n\nclass Conn:\n    pass\n\nclass Db:\n"
        "    @contextlib.asynccontextmanager\n    async def connect(self):\n"
        "        yield Conn()\n\n    async def one(self):\n"
        "        async with self.connect() as conn:\n            reveal(conn)\n",
        ["mod.Conn"], id="async with a project @asynccontextmanager: what it yields",
    ),
    pytest.param(
        "def f(a: int, b: str):\n    a, b = b, a\n    reveal(a)\n    reveal(b)\n",
        ["builtins.str", "builtins.int"], id="a, b = x, y: each its own value",
    ),
    pytest.param(
        "import contextlib\n\ndef f():\n    x = 1\n    with contextlib.suppress(ValueError):\n"
        "        x = 'a'\n        x = int('b')\n    reveal(x)\n",
        ["builtins.int | builtins.str"],
        id="after a with: wherever the body stopped (it may swallow)",
    ),
    pytest.param(
        "def f(c):\n    try:\n        pass\n    except ValueError as exc:\n        pass\n"
        "    exc = 3\n    reveal(exc)\n",
        ["builtins.int"], id="an except binding ends with its handler",
    ),
    # -- except X as exc -------------------------------------------------------------------
    pytest.param(
        "import httpx, json\n\ndef f():\n    try:\n        pass\n"
        "    except httpx.HTTPStatusError as exc:\n        reveal(exc)\n"
        "        reveal(exc.response)\n    except (json.JSONDecodeError, httpx.InvalidURL) as e:\n"
        "        reveal(e)\n    except ValueError as v:\n        reveal(v)\n",
        ["httpx.HTTPStatusError", "httpx.Response",
         "httpx.InvalidURL | json.JSONDecodeError", None],
        id="except X as exc: an X; a tuple: the union; builtin classes: unknown (subclasses)",
    ),
    # -- a or b, narrowing -----------------------------------------------------------------
    pytest.param(
        "def f(memo: str | None, n: int | None):\n    reveal(memo or '')\n    reveal(n or 'x')\n",
        ["builtins.str", "builtins.int | builtins.str"], id="x or '': not None any more",
    ),
    pytest.param(
        "def f(x: str | None):\n    if x is None:\n        return\n    reveal(x)\n",
        ["builtins.str"], id="if x is None: return",
    ),
    pytest.param(
        "def f(x: str | None):\n    if x is not None:\n        reveal(x)\n    reveal(x)\n"
        "    if x:\n        reveal(x)\n    if not x:\n        raise ValueError\n    reveal(x)\n",
        ["builtins.str", "builtins.str | None", "builtins.str", "builtins.str"],
        id="if x is not None / if x / if not x: raise",
    ),
    pytest.param(
        "def f(xs: list, x: str | None):\n    for y in xs:\n        if x is None:\n"
        "            continue\n        reveal(x)\n    reveal(x.upper() if x else None)\n"
        "    reveal(x and x.upper())\n",
        ["builtins.str", "builtins.str | None", "builtins.str | None"],
        id="continue, a conditional expression, and",
    ),
    pytest.param(
        "def f(x: str):\n    if isinstance(x, int):\n        reveal(x)\n"
        "    if not isinstance(x, str):\n        reveal(x)\n        return\n    reveal(x)\n",
        ["builtins.int", None, "builtins.str"],
        id="a test for what the annotation rules out: the test's word counts",
    ),
    pytest.param(
        "def f(x: str | None):\n    if x is None:\n        reveal(x)\n",
        ["builtins.NoneType"], id="inside if x is None: None",
    ),
    pytest.param(
        "class Conn:\n    def one(self) -> int:\n        return 1\n\nclass Db:\n"
        "    def one(self) -> int:\n        return 2\n\ndb = Db()\n\n"
        "def f(conn: Conn | None = None):\n    reveal(conn or db)\n"
        "    reveal((conn or db).one())\n",
        ["mod.Conn | mod.Db", "builtins.int"], id="(conn or db).one()",
    ),
    # -- JSON values -----------------------------------------------------------------------
    pytest.param(
        "import json\n\ndef f(s: str):\n    data = json.loads(s)\n    reveal(data['k'])\n"
        "    reveal(data.get('k'))\n    reveal(data.get('k', {}))\n"
        "    reveal(data.get('k') or '')\n"
        "    reveal(data[1:])\n",
        [JSON_TYPE, JSON_TYPE, JSON_TYPE, TRUTHY_JSON, "builtins.list[JSON] | builtins.str"],
        id="elements of a JSON value are JSON",
    ),
    pytest.param(
        "import json\n\ndef f(s: str):\n    data = json.loads(s)\n    if isinstance(data, dict):\n"
        "        reveal(data)\n        reveal(data.keys())\n    else:\n        reveal(data)\n"
        "    if not isinstance(data, (list, str)):\n        return\n    reveal(data)\n",
        ["builtins.dict", "builtins.dict_keys",
         ("builtins.bool | builtins.float | builtins.int | builtins.list[JSON] | builtins.str"
          " | None"), "builtins.list[JSON] | builtins.str"],
        id="isinstance narrows a JSON value",
    ),
    pytest.param(
        "import json\n\ndef f(s: str):\n    for item in json.loads(s):\n        reveal(item)\n"
        "    for k, v in json.loads(s).items():\n        reveal(k)\n        reveal(v)\n",
        [JSON_TYPE, "builtins.str", JSON_TYPE], id="iterating a JSON value, and its items()",
    ),
    pytest.param(
        "import json\n\ndef f(s: str, obj: object):\n    data = json.loads(s)\n"
        "    data['user'] = obj\n    reveal(data)\n    other = json.loads(s)\n"
        "    items = other['items']\n    items.append(obj)\n    reveal(other)\n",
        [("builtins.bool | builtins.dict | builtins.float | builtins.int | builtins.list "
          "| builtins.str | None")] * 2,
        id="a JSON document the code fills holds unknown elements (also through an alias)",
    ),
    pytest.param(
        "import json\n\ndef f(s: str, obj: object):\n    data = json.loads(s)\n"
        "    first, second = data\n    first['user'] = obj\n    reveal(data)\n",
        [("builtins.bool | builtins.dict | builtins.float | builtins.int | builtins.list "
          "| builtins.str | None")],
        id="filling an element unpacked from a JSON document fills the document",
    ),
    # -- unpacking and splitting (issue 23 item 4) ------------------------------------------
    pytest.param(
        "import json\n\ndef f(header: str, s: str, b: bytes, other, maybe: str | None):\n"
        "    scheme, token = header.split()\n    reveal(token)\n"
        "    first, second = json.loads(s)\n    reveal(second)\n"
        "    key, _, value = b.partition(b'=')\n    reveal(value)\n"
        "    x, y = other.split()\n    reveal(x)\n"
        "    (p, q), r = header.split()\n    reveal(p)\n"
        "    m, n = maybe.split()\n    reveal(m)\n",
        ["builtins.str", JSON_TYPE, "builtins.bytes", None, None, None],
        id="a, b = s.split(): elements of what is unpacked (a str's parts, a JSON array's)",
    ),
    pytest.param(
        "def f(v: str):\n    reveal(v.split('-')[0])\n    reveal(v.rsplit('.', 1)[-1])\n"
        "    reveal(v.split()[1:])\n    for part in v.splitlines():\n        reveal(part)\n",
        ["builtins.str", "builtins.str", "builtins.list", "builtins.str"],
        id="a part of s.split() is a str, and so is what iterating it gives",
    ),
    pytest.param(
        "from fastapi import Request\n\nasync def f(request: Request):\n"
        "    body = await request.json()\n    reveal(body)\n",
        [JSON_TYPE], id="await request.json() (FastAPI / starlette)",
    ),
    pytest.param(
        "import requests\n\ndef f(url: str):\n    r = requests.get(url)\n    reveal(r.json())\n"
        "    reveal(r.json(parse_float=str))\n",
        [JSON_TYPE, None], id="requests' r.json(), and with json.loads keywords",
    ),
    pytest.param(
        "from pathlib import Path\n\ndef f(p: str):\n    reveal(Path(p).read_text())\n"
        "    reveal(Path(p) / 'x')\n    reveal(Path(p).absolute())\n",
        ["builtins.str", "pathlib.Path", "pathlib.Path"], id="pathlib through the stubs",
    ),
]


@pytest.mark.parametrize(("code", "expected"), REVEALED)
def test_revealed_type(tmp_path: Path, code: str, expected: list[str | None]) -> None:
    assert revealed(tmp_path, code) == expected


# -- fix-exceptions on handlers, before and after ----------------------------------------


def outcome_of(tmp_path: Path, code: str) -> tuple[str, tuple[str, ...], str | None]:
    """(outcome, exceptions, reason) of the one broad handler in ``mod.py``."""
    (tmp_path / "mod.py").write_text(code)
    report = fix_exceptions([tmp_path / "mod.py"], Config(root=tmp_path), record_run=False)
    (found,) = report.handlers
    return str(found.outcome), tuple(found.exceptions), found.reason


def body(code: str, params: str = "", prelude: str = "", asynchronous: bool = False) -> str:
    """``f(params)`` whose try body is ``code`` (statements joined by ';', a line each; a
    line starting with '>' is indented one more level), after the ``prelude`` lines."""
    def indented(text: str, depth: int) -> str:
        return "".join(
            "    " * (depth + len(line) - len(line.lstrip(">"))) + line.lstrip(">").strip() + "\n"
            for line in text.split(";") if line.strip()
        )

    lines, head = indented(code, 2), indented(prelude, 1)
    kind = "async def" if asynchronous else "def"
    return (
        "import json\nimport httpx\nimport requests\nfrom pathlib import Path\n"
        "from fastapi import Request\n\n\n"
        f"{kind} f({params}):\n{head}    try:\n{lines}    except Exception:\n        return None\n"
    )


SAFE, UNSAFE, LEFT = "safe", "unsafe", "left"
NOTHING_TO_CATCH = "nothing in the try body raises an exception worth catching"

CONN = (
    "class Connection:\n    def fetchone(self, q: str) -> dict:\n        return {}\n\n"
    "class Database:\n    def fetchone(self, q: str) -> dict:\n        raise ConnectionError(q)\n\n"
    "db = Database()\n\n"
)

# (module, before: main before this change, after): (outcome, exceptions, reason) each.
REGRESSIONS = [
    pytest.param(
        body("data = r.json();return data.get('error', 'x')", "r: httpx.Response",
             "data: dict = {}"),
        ('safe', ('ValueError',), None),
        ('safe', ('AttributeError', 'RecursionError', 'ValueError'), None),
        id='issue 22: data: dict, then data = r.json(): an error body that is a list has no .get',
    ),
    pytest.param(
        body(
            "r.raise_for_status();data = r.json();error = data['message'] if 'message' in data "
            "else r.text;return error, data.get('payment_preimage')",
       "r: httpx.Response", "data: dict = {'amount': '1'}"),
        ('safe', ('KeyError', 'ValueError', 'httpx.HTTPStatusError'), None),
        ('safe',
         ('AssertionError', 'AttributeError', 'KeyError', 'RecursionError', 'TypeError',
          'ValueError', 'httpx.HTTPStatusError'), None),
        id='issue 22: the alby create_invoice shape (a JSON string, null or list body)',
    ),
    pytest.param(
        body("return r.json().get('message', r.text)", "r: httpx.Response"),
        ('safe', ('AttributeError', 'RecursionError', 'ValueError'), None),
        ('safe', ('AssertionError', 'AttributeError', 'RecursionError', 'TypeError',
                  'ValueError'), None),
        id='issue 22: r.text decodes with the charset the server sent (charset=hex: '
           'AssertionError, rot13: TypeError)',
    ),
    pytest.param(
        body("x: str = d.get('k');return x.upper()", "d: dict"),
        ('left', (), 'nothing in the try body raises an exception worth catching'),
        ('left', (), 'unknown call `x.upper`'),
        id="issue 22: x: str = d.get('k') (Any) is not a str",
    ),
    pytest.param(
        "import json\n\n\ndef load(s: str) -> dict:\n    return json.loads(s)\n\n\n"
  "def f(s: str):\n    try:\n        return load(s).get('a')\n    except Exception:\n"
  "        return None\n",
        ('safe', ('TypeError', 'ValueError'), None),
        ('safe', ('AttributeError', 'RecursionError', 'ValueError'), None),
        id='issue 22: -> dict returning json.loads(s) is JSON',
    ),
    pytest.param(
        "import httpx\n\n\ndef code(data: dict):\n    return data.get('code')\n\n\n"
  "def f(r: httpx.Response):\n    try:\n        return code(r.json())\n    except Exception:\n"
  "        return None\n",
        ('safe', ('ValueError',), None),
        ('safe', ('AttributeError', 'RecursionError', 'ValueError'), None),
        id='issue 22: a dict parameter given r.json() at the call site',
    ),
    pytest.param(
        "class Box:\n    def __init__(self, make) -> None:\n        self.payload: dict = make()\n\n"
  "    def get(self):\n        try:\n            return self.payload['k']\n"
  "        except Exception:\n            return None\n",
        ('safe', ('KeyError',), None),
        ('left', (),
         ('`LookupError` would only be guesses at what implicit operations raise, '
          'and the rest may be anything: `subscript` may raise more than it '
          'documents; and 1 more')),
        id='issue 22: self.payload: dict = untyped()',
    ),
    pytest.param(
        body("data = json.loads(s);return int(data['amount'])", "s: str"),
        ('left', (),
         ('the handler would list 5 exceptions (IndexError, KeyError, OverflowError, TypeError, '
          'ValueError): too many to read; --keep-fallback adds them above a kept catch-all')),
        ('safe', ('KeyError', 'OverflowError', 'RecursionError', 'TypeError', 'ValueError'), None),
        id="JSON: int(data['amount'])",
    ),
    pytest.param(
        body("x = r.json();return (x.get('state') or '').upper()", "r: httpx.Response"),
        ('left', (), "unknown call `(x.get('state') or '').upper`"),
        ('safe', ('AttributeError', 'RecursionError', 'ValueError'), None),
        id="JSON: (x.get('state') or '').upper()",
    ),
    pytest.param(
        body("data = json.loads(s);for item in data['items']:;>print(item.get('id'))", "s: str"),
        ('left', (),
         ("unknown call `item.get`; "
          "iterates `data['items']` of unknown type (`__iter__`/`__next__` may raise anything); "
          "`print` runs special methods of `item.get('id')`, whose type is unknown")),
        ('safe',
         ('AttributeError', 'KeyError', 'OSError', 'RecursionError', 'TypeError', 'ValueError'),
         None),
        id='JSON: iterating an array of objects',
    ),
    pytest.param(
        body("payload = await request.json();return payload.get('name', '')", "request: Request",
             asynchronous=True),
        ('left', (), 'unknown call `payload.get`; `request.json` may raise more than it documents'),
        ('unsafe', ('AttributeError', 'ValueError', 'starlette.requests.ClientDisconnect'),
         '`request.json` may raise more than it documents'),
        id='JSON: await request.json() (FastAPI)',
    ),
    pytest.param(
        body("r = requests.get(url, timeout=5);return r.json()['data']", "url: str"),
        ('unsafe', ('IndexError', 'KeyError', 'TypeError', 'requests.RequestException'),
         '`requests.get` may raise more than it documents'),
        ('unsafe',
         ('KeyError', 'RecursionError', 'TypeError', 'ValueError', 'requests.RequestException'),
         '`requests.get` may raise more than it documents'),
        id="JSON: requests' r.json()['data']",
    ),
    pytest.param(
        body("data = json.loads(s);return data['n'] < 10", "s: str"),
        ('unsafe', ('IndexError', 'KeyError', 'TypeError', 'ValueError'),
         "compares `data['n']` of unknown type (its ordering methods may raise anything)"),
        ('safe', ('KeyError', 'RecursionError', 'TypeError', 'ValueError'), None),
        id='JSON: ordering a JSON value',
    ),
    pytest.param(
        body("data = json.loads(s);return 'k' in data", "s: str"),
        ('safe', ('TypeError', 'ValueError'), None),
        ('safe', ('RecursionError', 'TypeError', 'ValueError'), None),
        id='JSON: membership in a JSON value',
    ),
    pytest.param(
        body("data = json.loads(s);return -data['fee'] * 1000", "s: str"),
        ('unsafe', ('IndexError', 'KeyError', 'TypeError', 'ValueError'),
         ("operand `-data['fee']` of unknown type (its arithmetic special methods may raise "
          "anything); operand `data['fee']` of unknown type (its unary special methods may "
          "raise anything)")),
        ('safe', ('KeyError', 'OverflowError', 'RecursionError', 'TypeError', 'ValueError'), None),
        id='JSON: -fee * 1000',
    ),
    pytest.param(
        body("data = json.loads(s);return data['amount'] / 1000", "s: str"),
        ('left', (),
         ('the handler would list 5 exceptions (IndexError, KeyError, TypeError, ValueError, '
          'ZeroDivisionError): too many to read; '
          '--keep-fallback adds them above a kept catch-all')),
        ('safe', ('ArithmeticError', 'KeyError', 'RecursionError', 'TypeError', 'ValueError'),
         None),
        id='JSON: amount / 1000 (an int too large for a float)',
    ),
    pytest.param(
        body("data = json.loads(s);return f\"{data['x']:>10}\"", "s: str"),
        ('unsafe', ('IndexError', 'KeyError', 'TypeError', 'ValueError'),
         "formats `data['x']` of unknown type (its `__format__`/`__str__` may raise anything)"),
        ('safe', ('KeyError', 'RecursionError', 'TypeError', 'ValueError'), None),
        id='JSON: a format spec on a JSON value',
    ),
    pytest.param(
        body("data = json.loads(s);for k, v in data.items():;>print(k.upper(), v.upper())",
             "s: str"),
        ('left', (),
         ('unknown call `v.upper`; unknown call `k.upper`; '
          '`print` runs special methods of `k.upper()`, whose type is unknown')),
        ('safe', ('AttributeError', 'OSError', 'RecursionError', 'ValueError'), None),
        id='JSON: items() of a JSON object',
    ),
    pytest.param(
        body("data = json.loads(s);if isinstance(data, dict):;>return data.get('k')", "s: str"),
        ('safe', ('AttributeError', 'TypeError', 'ValueError'), None),
        ('safe', ('RecursionError', 'ValueError'), None),
        id='JSON: isinstance(data, dict) first',
    ),
    pytest.param(
        body("data = json.loads(s, object_hook=hook);return data.get('k')", "s: str, hook"),
        ('safe', ('AttributeError', 'TypeError', 'ValueError'), None),
        ('left', (), 'unknown call `data.get`'),
        id='JSON: json.loads with object_hook is not JSON',
    ),
    pytest.param(
        body("data = json.loads(s);data['user'] = user;return data['user'].name", "s: str, user"),
        ('left', (),
         ('the handler would list 5 exceptions (AttributeError, IndexError, KeyError, TypeError, '
          'ValueError): too many to read; --keep-fallback adds them above a kept catch-all')),
        ('unsafe', ('AttributeError', 'KeyError', 'RecursionError', 'TypeError', 'ValueError'),
         ("attribute of `data['user'].name` of unknown type (a property or `__getattr__` may "
          "raise anything)")),
        id='JSON: a document the code fills with its own objects',
    ),
    pytest.param(
        "import httpx\n\n\nasync def f(client: httpx.AsyncClient):\n    try:\n"
        "        r = await client.get('/x')\n        r.raise_for_status()\n"
  "    except httpx.HTTPStatusError as exc:\n        try:\n            data = exc.response.json()\n"
  "            return data.get('error', {})\n"
  "        except Exception:\n            return None\n",
        ('left', (),
         ('unknown call `exc.response.json`; unknown call `data.get`; '
          'attribute of `exc.response` of unknown type (a property or `__getattr__` may '
          'raise anything)')),
        ('safe', ('AttributeError', 'RecursionError', 'ValueError'), None),
        id='local typing: except httpx.HTTPStatusError as exc',
    ),
    pytest.param(
        body("return (memo or '').upper()", "memo: str | None"),
        ('left', (), "unknown call `(memo or '').upper`"),
        ('left', (), 'nothing in the try body raises an exception worth catching'),
        id="local typing: memo or ''",
    ),
    pytest.param(
        body("return x.upper()", "x: str | None", "if x is None:;>return ''"),
        ('safe', ('AttributeError',), None),
        ('left', (), 'nothing in the try body raises an exception worth catching'),
        id='local typing: if x is None: return',
    ),
    pytest.param(
        CONN + "def f(conn: Connection | None = None):\n    try:\n"
               "        return (conn or db).fetchone('q')\n    except Exception:\n"
               "        return None\n",
        ('left', (), 'unknown call `(conn or db).fetchone`'),
        ('safe', ('ConnectionError',), None),
        id='local typing: (conn or db).fetchone',
    ),
    pytest.param(
        body("return Path(p).read_text()", "p: str"),
        ('safe', ('LookupError', 'OSError', 'ValueError'), None),
        ('safe', ('LookupError', 'OSError', 'ValueError'), None),
        id='local typing: Path(p).read_text()',
    ),
    pytest.param(
        body("return Path(p).absolute().with_suffix(s)", "p: str, s: str"),
        ('left', (),
         ('unknown call `Path(p).absolute().with_suffix` (on a `pathlib.Path`); '
          'unknown call `Path(p).absolute` (on a `pathlib.Path`)')),
        ('safe', ('OSError', 'ValueError'), None),
        id='local typing: Path(p).absolute(), with_suffix()',
    ),
    pytest.param(
        body("return a / b", "a: int, b: int"),
        ('safe', ('ZeroDivisionError',), None),
        ('safe', ('OverflowError', 'ZeroDivisionError'), None),
        id='operations: a / b of ints (OverflowError)',
    ),
    pytest.param(
        body("return '%(k)s' % mapping", "mapping: dict"),
        ('safe', ('TypeError', 'ValueError'), None),
        ('left', (),
         ('`KeyError`, `TypeError`, '
          '`ValueError` would only be guesses at what implicit operations raise, '
          'and the rest may be anything: formats `mapping` of unknown type (its '
          '`__str__`/`__format__` may raise anything)')),
        id="operations: '%(k)s' % mapping (KeyError)",
    ),
    pytest.param(
        body("return 'x' * n", "n: int"),
        ('left', (), 'nothing in the try body raises an exception worth catching'),
        ('safe', ('OverflowError',), None),
        id="operations: 'x' * n (OverflowError)",
    ),
    pytest.param(
        body("return f'{x:>4}'", "x: int | None"),
        ('safe', ('ValueError',), None),
        ('safe', ('TypeError', 'ValueError'), None),
        id='operations: a format spec on None (TypeError)',
    ),
]


@pytest.mark.parametrize(("code", "before", "after"), REGRESSIONS)
def test_regression(
    tmp_path: Path, code: str, before: tuple[str, tuple[str, ...], str | None],
    after: tuple[str, tuple[str, ...], str | None],
) -> None:
    del before  # the record of what main did
    assert outcome_of(tmp_path, code) == after


# -- JSON bodies: rewritten, then run against generated JSON -------------------------------

# Try bodies that handle a decoded JSON document ``data`` (';' joins lines, '>' indents).
JSON_BODIES = {
    "get with a default": "return data.get('error', 'x')",
    "an error object's code and message": (
        "error = data.get('error', {});code = int(error.get('code', 0));"
        "message = error.get('message', 'Unknown error');return code, message"),
    "int of a member": "return int(data['amount'])",
    "get or '' then upper": "return (data.get('state') or '').upper()",
    "an array of objects": (
        "ids = [];for item in data['items']:;>ids.append(str(item.get('id')));return ids"),
    "negate and scale": "return -data['fee'] * 1000",
    "divide": "return data['amount'] / 1000",
    "floor-divide two members": "return data['price'] // data['qty']",
    "subtract two members": "return data['fee'] - data['amount']",
    "order": "return data['n'] < 10",
    "membership": "return 'k' in data",
    "a format spec": "return f\"{data['x']:>10}\"",
    "percent-format": "return '%s/%s' % (data['a'], data['b'])",
    "items of an object": (
        "out = [];for k, v in data.items():;>out.append(k.upper() + v.upper());return out"),
    "isinstance first": "if isinstance(data, dict):;>return data.get('k')",
    "a path into the document": "return data['a']['b'][0]",
    "sorted": "return sorted(data)",
    "join a member": "return ', '.join(data['tags'])",
    "equality": "return data == [1]",
    "unpack": "first, second = data;return first",
    "str of a member, lowered": "return str(data.get('status', '')).lower()",
    "float of a member": "return float(data['rate']) * 100",
    "truth then index": "return bool(data) and data[0]",
}

DECODERS = {
    # name -> (parameters, the line that decodes, asynchronous, how to call f with JSON text)
    "json.loads": ("raw: str", "data = json.loads(raw)", False),
    "httpx": ("r: httpx.Response", "data = r.json()", False),
    "requests": ("r: requests.Response", "data = r.json()", False),
    "starlette": ("request: Request", "data = await request.json()", True),
}


def _decoder_module(decoder: str) -> str:
    params, decode, asynchronous = DECODERS[decoder]
    functions = []
    for number, code in enumerate(JSON_BODIES.values()):
        module = body(f"{decode};{code}", params, asynchronous=asynchronous)
        functions.append(module.split("\n\n\n", 1)[1].replace("def f(", f"def f{number}(", 1))
    head = body("pass").split("\n\n\n", 1)[0].replace("from fastapi import",
                                                      "from starlette.requests import")
    return head + "\n\n\n" + "\n\n".join(functions)


def _call(decoder: str, function: Callable[[Any], Any], text: str) -> Any:
    raw = text.encode()
    if decoder == "json.loads":
        return function(text)
    if decoder == "httpx":
        return function(httpx.Response(200, content=raw, request=httpx.Request("GET", "http://x")))
    if decoder == "requests":
        response = requests.Response()
        response._content = raw
        response.status_code = 200
        response.encoding = "utf-8"
        return function(response)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    return asyncio.run(function(request))


_REWRITTEN: dict[str, tuple[dict[str, Any], dict[str, tuple[str, tuple[str, ...]]]]] = {}


def rewritten(decoder: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[
    dict[str, Any], dict[str, tuple[str, tuple[str, ...]]]
]:
    """The module of every JSON body for ``decoder``, as fix-exceptions rewrites it
    (``--unsafe-fixes``: starlette's ``request.json`` has an open contract), run; and each
    function's (outcome, exceptions)."""
    if decoder not in _REWRITTEN:
        folder = tmp_path_factory.mktemp(decoder.replace(".", "_"))
        path = folder / "mod.py"
        path.write_text(_decoder_module(decoder))
        # every class the body raises, ungrouped (grouping long lists under common bases is
        # the planner's business, not the typing's)
        config = Config(root=folder, exceptions=ExceptionsConfig(group_above=0))
        report = fix_exceptions([path], config, write=True, unsafe_fixes=True,
                                record_run=False)
        outcomes = {name: (str(h.outcome), tuple(h.exceptions))
                    for name, h in zip(JSON_BODIES, report.handlers)}
        namespace: dict[str, Any] = {}
        exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our module
        _REWRITTEN[decoder] = namespace, outcomes
    return _REWRITTEN[decoder]


# What fix-exceptions makes of each body; the same for every decoder but for what decoding
# adds (ValueError for a bad body, RecursionError for one nested too deep; starlette's
# ClientDisconnect, its contract open).
NARROWED = {
    "get with a default": ("AttributeError",),
    "an error object's code and message": ("AttributeError", "OverflowError", "TypeError",
                                           "ValueError"),
    "int of a member": ("KeyError", "OverflowError", "TypeError", "ValueError"),
    "get or '' then upper": ("AttributeError",),
    "an array of objects": ("AttributeError", "KeyError", "TypeError"),
    "negate and scale": ("KeyError", "OverflowError", "TypeError"),
    "divide": ("KeyError", "OverflowError", "TypeError", "ZeroDivisionError"),
    "floor-divide two members": ("KeyError", "OverflowError", "TypeError", "ZeroDivisionError"),
    "subtract two members": ("KeyError", "OverflowError", "TypeError"),
    "order": ("KeyError", "TypeError"),
    "membership": ("TypeError",),
    "a format spec": ("KeyError", "TypeError", "ValueError"),
    "percent-format": ("KeyError", "OverflowError", "TypeError", "ValueError"),
    "items of an object": ("AttributeError",),
    "isinstance first": (),
    "a path into the document": ("IndexError", "KeyError", "TypeError"),
    "sorted": ("TypeError",),
    "join a member": ("KeyError", "OverflowError", "TypeError"),
    "equality": (),
    "unpack": ("TypeError", "ValueError"),
    "str of a member, lowered": ("AttributeError",),
    "float of a member": ("KeyError", "OverflowError", "TypeError", "ValueError"),
    "truth then index": ("IndexError", "KeyError", "TypeError"),
}
DECODING = {  # a body nested past the recursion limit: RecursionError, whatever the decoder
    "json.loads": ("RecursionError", "ValueError"),
    "httpx": ("RecursionError", "ValueError"),
    "requests": ("RecursionError", "ValueError"),
    "starlette": ("ValueError", "starlette.requests.ClientDisconnect"),
}


@pytest.mark.parametrize("decoder", list(DECODERS))
@pytest.mark.parametrize("name", list(JSON_BODIES))
def test_json_body_is_narrowed_to(
    decoder: str, name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _namespace, outcomes = rewritten(decoder, tmp_path_factory)
    expected = tuple(sorted({*NARROWED[name], *DECODING[decoder]}))
    tier = "unsafe" if decoder == "starlette" else "safe"
    assert outcomes[name] == (tier, _without_covered(expected))


def _without_covered(names: tuple[str, ...]) -> tuple[str, ...]:
    """requests' JSONDecodeError is a ValueError: a class under another listed one goes."""
    if "requests.JSONDecodeError" in names and "ValueError" in names:
        return tuple(n for n in names if n != "requests.JSONDecodeError")
    return names


KEYS = ["error", "code", "message", "amount", "state", "items", "id", "fee", "price", "qty",
        "n", "x", "a", "b", "k", "tags", "status", "rate"]
JSON_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.sampled_from([0, -1, 10**400, -(10**400)])
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children, max_size=5),
    max_leaves=12,
)
# Inputs each body fails on in its own way, so the property below is never vacuous.
FAILING = [None, [], "s", 1, 1.5, True, {}, {"items": [1]}, {"error": []}, [[]], {"a": {}}]


@pytest.mark.parametrize("decoder", list(DECODERS))
def test_narrowed_handlers_catch_what_json_makes_the_body_raise(
    decoder: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Property: for any JSON document (and for text that is not JSON), calling a rewritten
    function raises nothing: whatever its body raised, the narrowed handler caught."""
    namespace, _outcomes = rewritten(decoder, tmp_path_factory)
    functions = [namespace[f"f{n}"] for n in range(len(JSON_BODIES))]
    raised_inside = set()
    for number, function in enumerate(functions):
        for value in FAILING:
            text = json.dumps(value)
            _call(decoder, function, text)  # must not raise
            if _raises_without_handler(number, value):
                raised_inside.add(number)
    # every body but two (which no JSON value makes raise: only their decoding can) meets an
    # input its handler has to catch
    quiet = [name for number, name in enumerate(JSON_BODIES) if number not in raised_inside]
    assert quiet == ["isinstance first", "equality"]

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(value=JSON_VALUES, not_json=st.booleans())
    def check(value: Any, not_json: bool) -> None:
        text = json.dumps(value) + ("}" if not_json else "")
        for function in functions:
            _call(decoder, function, text)

    check()


def _raises_without_handler(number: int, value: Any) -> bool:
    """Whether body ``number`` raises on ``value`` when nothing catches it."""
    code = list(JSON_BODIES.values())[number]
    lines = ["def g(data):"]
    for line in code.split(";"):
        depth = 1 + len(line) - len(line.lstrip(">"))
        lines.append("    " * depth + line.lstrip(">").strip())
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # noqa: S102 - our own bodies
    try:
        namespace["g"](value)
    except Exception:  # noqa: BLE001 - the point: did it raise at all
        return True
    return False


def test_json_scalars_include_what_breaks_arithmetic() -> None:
    """The generated documents reach the OverflowError and inf cases the table lists."""
    assert math.isinf(json.loads(json.dumps(float("inf"))))
    with pytest.raises(OverflowError):
        json.loads(json.dumps(10**400)) / 1000
