"""Library contracts at work: handlers around the calls of real backends, end to end.

What a reader sees at once -- an ``httpx.AsyncClient`` attribute, a SQLAlchemy ``Session``
parameter, a pydantic model, ``requests`` -- is what the inference sees: the knowledge base's
``[[class]]``, ``[[callable]]`` and ``[[package]]`` entries through local typing.
"""

from __future__ import annotations

from pathlib import Path

from qualitytool.api import fix_exceptions
from qualitytool.config import Config

BACKEND = '''\
import click
import httpx
import requests
from pydantic import BaseModel
from sqlalchemy.orm import Session


class User(BaseModel):
    name: str


class Service:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ping(self, url: str):
        try:
            r = await self.client.post(url)
            r.raise_for_status()
            return r.json()
        except Exception:
            return None


def load(data: dict):
    try:
        return User.model_validate(data)
    except Exception:
        return None


def build(data: dict):
    try:
        return User(**data)
    except Exception:
        return None


def first(session: Session, name: str):
    try:
        return session.query(User).filter_by(name=name).first()
    except Exception:
        return None


def say(msg: str):
    try:
        click.echo(msg)
    except Exception:
        pass


def fetch(url: str):
    try:
        r = requests.get(url, timeout=5)
        r.raise_for_status()
        return r.json()["items"]
    except Exception:
        return None
'''


def test_backend_handlers_narrow_through_library_contracts(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(BACKEND)
    report = fix_exceptions([tmp_path], Config(root=tmp_path), record_run=False)
    found = [(h.line, h.outcome, h.exceptions) for h in report.handlers]
    assert found == [
        # a method of an httpx.AsyncClient attribute, awaited (RuntimeError: the client was
        # closed); Response.raise_for_status; .json() (its RecursionError is a RuntimeError)
        (21, "unsafe", ("RuntimeError", "ValueError", "httpx.HTTPError", "httpx.InvalidURL")),
        # a pydantic model's inherited model_validate, and its constructor
        (28, "unsafe", ("pydantic.ValidationError",)),
        (35, "unsafe", ("pydantic.ValidationError",)),
        # a Query chain from a Session parameter
        (42, "unsafe", ("sqlalchemy.exc.SQLAlchemyError",)),
        # click.echo writes to stdout: OSError when it is gone (EPIPE, ENOSPC), ValueError when
        # it is closed or cannot encode the text (a lone surrogate)
        (49, "safe", ("OSError", "ValueError")),
        # requests, then indexing the decoded JSON with a str: KeyError for an object,
        # TypeError for an array or a scalar (never IndexError); a body nested too deep:
        # RecursionError; ValueError for one that does not decode
        (58, "unsafe", ("KeyError", "RecursionError", "TypeError", "ValueError",
                        "requests.RequestException")),
    ]
    reasons = {h.line: h.reason for h in report.handlers}
    assert reasons[21] == "`self.client.post` may raise more than it documents"


def test_return_types_from_the_projects_own_virtualenv_read_not_imported(tmp_path: Path) -> None:
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages" / "vendorlib"
    site.mkdir(parents=True)
    (site / "py.typed").write_text("")
    (site / "__init__.py").write_text(
        "raise SystemExit('imported!')\n\n"
        "class Widget:\n    def run(self) -> None: ...\n\n"
        "def make() -> Widget:\n    return Widget()\n"
    )
    (tmp_path / "vendor.toml").write_text(
        '[[callable]]\nname = "vendorlib.make"\nraises = []\nclosed = true\nsource = "docs"\n\n'
        '[[class]]\nname = "vendorlib.Widget"\nraises = ["OSError"]\nclosed = true\n'
        'source = "docs"\n'
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool.exceptions]\nknowledge-bases = ["vendor.toml"]\n'
    )
    (tmp_path / "app.py").write_text(
        "import vendorlib\n\ndef go():\n    try:\n        vendorlib.make().run()\n"
        "    except Exception:\n        return None\n"
    )
    from qualitytool.config import load_config

    report = fix_exceptions([tmp_path / "app.py"], load_config(tmp_path), record_run=False)
    assert [(h.outcome, h.exceptions) for h in report.handlers] == [("safe", ("OSError",))]
