"""Real distributions installed in a real virtualenv, for the derived-contract tests.

``tinylib`` and ``tinyfast`` are small local packages written here, built into real wheels
(``RECORD`` with its hashes) and installed by pip into a virtualenv made by ``venv``: the
tool then finds them as it finds any project's dependencies.  ``tinylib``'s ``__init__``
ends with ``raise SystemExit``: reading it never imports it.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

TINYLIB = {
    "tinylib/__init__.py": '''
        """A tiny library: read by the tests, never imported."""
        from ._errors import *
        from ._ports import parse_port, describe_port
        from ._parser import _Parser, parse_number
        from .client import Client
        from .codec import loads, dumps

        Parser = _Parser
        default_client = Client("http://localhost")

        raise SystemExit("tinylib was imported")
    ''',
    "tinylib/_errors.py": '''
        __all__ = ["TinyError", "BadPort"]


        class TinyError(Exception):
            """The base of tinylib's errors."""


        class BadPort(TinyError):
            """A port out of range."""


        class _Hidden(Exception):
            pass
    ''',
    "tinylib/_ports.py": '''
        import notinstalled_registry

        from ._errors import BadPort


        def parse_port(text: str) -> int:
            port = int(text)
            if not 0 < port < 65536:
                raise BadPort(text)
            return port


        def describe_port(text: str) -> str:
            """What a port is for.

            Raises:
                BadPort: when the port is out of range.
                ~tinylib.TinyError: when the registry says no.
            """
            return notinstalled_registry.describe(parse_port(text))
    ''',
    "tinylib/_parser.py": '''
        import functools

        from ._errors import TinyError


        def translated(function):
            @functools.wraps(function)
            def wrapper(*args, **kwargs):
                try:
                    return function(*args, **kwargs)
                except ValueError as error:
                    raise TinyError(str(error)) from error
            return wrapper


        class _Parser:
            def __init__(self, text: str) -> None:
                self.value = int(text)


        @translated
        def parse_number(text: str) -> int:
            return int(text)
    ''',
    "tinylib/client.py": '''
        import notinstalled_http

        from ._errors import TinyError


        class Client:
            def __init__(self, base: str) -> None:
                self.base = base

            def fetch(self, path: str) -> object:
                """Fetch a document.

                Raises
                ------
                TinyError
                    When the server says no.
                """
                return notinstalled_http.get(self.base + path)

            def ping(self) -> None:
                self.transport()

            def transport(self) -> None:
                """Send.

                :raises TinyError: when the transport fails.
                """
                raise NotImplementedError

            def close(self) -> None:
                pass


        def _logged(method):
            return method


        Client.close = _logged(Client.close)
    ''',
    "tinylib/codec.py": '''
        try:
            from ._native import loads_fast as _loads, dumps_fast as _dumps
        except ImportError:
            from json import loads as _loads, dumps as _dumps


        def loads(text: str) -> object:
            """Decode.

            :raises ValueError: when ``text`` is not JSON.
            """
            return _loads(text)


        def dumps(value: object) -> str:
            return _dumps(value)
    ''',
}

TINYFAST = {
    "tinyfast/__init__.py": '''
        from .speed import fast_sum


        def pure_add(a: int, b: int) -> int:
            return a + b
    ''',
    "tinyfast/speed.py": '''
        def fast_sum(values: list) -> int:
            return 0
    ''',
    # Stands for the compiled twin a mypyc or Cython build ships next to the source: the
    # import system would load it, not speed.py.  (Never loaded here: nothing is imported.)
    "tinyfast/speed.cpython-311-x86_64-linux-gnu.so": "\x7fELF not really\n",
}


def build_wheel(folder: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """A real wheel (``RECORD`` with sha256 hashes) of ``files`` in ``folder``."""
    info = f"{name}-{version}.dist-info"
    contents = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    contents[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
    contents[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: qualitytool-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    record = []
    for path, text in contents.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
    return wheel


def make_venv(folder: Path) -> Path:
    """A virtualenv at ``folder`` with tinylib 1.0 and tinyfast 2.0 installed by pip."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    wheels = [
        build_wheel(folder.parent, "tinylib", "1.0", TINYLIB),
        build_wheel(folder.parent, "tinyfast", "2.0", TINYFAST),
    ]
    python = folder / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-index", "--no-deps", "--disable-pip-version-check", *map(str, wheels)],
        check=True,
    )
    return folder


def site_packages(venv: Path) -> Path:
    return next(venv.glob("lib/python3*/site-packages"))
