"""``fix-exceptions --ladder`` and ``--wrap``: rewrites that use the project's exception
hierarchy (written by ``scaffold-exceptions``).

Each case is a (before, after) pair run through the real ``fix_exceptions`` on a project that
has the hierarchy module; every rewrite is applied twice (the second changes nothing), and the
laddered middleware is driven through a real Starlette app.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from pathlib import Path

import pytest

from qualitytool.api import fix_exceptions, scaffold_exceptions
from qualitytool.exceptions.fixing.fix_report import render_text

MIDDLEWARE_HEAD = (
    "import logging\n\nfrom starlette.middleware.base import BaseHTTPMiddleware\n"
    "from starlette.responses import JSONResponse\n\nlogger = logging.getLogger(__name__)\n"
)
# the imports where isort puts them: Starlette's among the third-party ones, the project's
# hierarchy in a first-party section of its own, one name a line (too long for one)
HEAD_AFTER = (
    "import logging\n\nfrom starlette.exceptions import HTTPException\n"
    "from starlette.middleware.base import BaseHTTPMiddleware\n"
    "from starlette.responses import JSONResponse\n\nfrom app.core.exceptions import (\n"
    "    AuthenticationError,\n    AuthorizationError,\n    ExternalServiceError,\n"
    "    InputValidationError,\n    NotFoundError,\n    StorageError,\n)\n\n"
    "logger = logging.getLogger(__name__)\n"
)


def _ladder(as_name: str, log: str, response: str = "JSONResponse",
            indent: str = "        ") -> str:
    clauses = [f"{indent}except HTTPException:\n{indent}    raise\n"]
    for family, status in (("AuthenticationError", 401), ("AuthorizationError", 403),
                           ("NotFoundError", 404), ("InputValidationError", 422),
                           ("StorageError", 500), ("ExternalServiceError", 502)):
        level = "warning" if status < 500 else "exception"
        clauses.append(
            f"{indent}except {family} as {as_name}:\n"
            f"{indent}    {log.format(level=level)}\n"
            f"{indent}    return {response}(status_code={as_name}.status_code, "
            f"content={as_name}.to_dict())\n"
        )
    return "".join(clauses)


LADDER_CASES = [
    pytest.param(
        MIDDLEWARE_HEAD + "\n\nclass Errors(BaseHTTPMiddleware):\n"
        "    async def dispatch(self, request, call_next):\n        try:\n"
        "            return await call_next(request)\n"
        "        # the last line of defence\n"
        "        except Exception as exc:\n"
        "            logger.error(\"request %s failed: %s\", request.url.path, exc)  # keep\n"
        "            return JSONResponse({\"detail\": \"internal error\"}, status_code=500)\n",
        HEAD_AFTER + "\n\nclass Errors(BaseHTTPMiddleware):\n"
        "    async def dispatch(self, request, call_next):\n        try:\n"
        "            return await call_next(request)\n"
        "        # the last line of defence\n"
        + _ladder("exc", 'logger.{level}("request %s failed: %s", request.url.path, exc)',
                  indent="        ")
        + "        except Exception as exc:\n"
        "            logger.exception(\n"
        "                \"request %s failed: %s\", request.url.path, exc\n"
        "            )  # keep\n"
        "            return JSONResponse({\"detail\": \"internal error\"}, status_code=500)\n",
        id="BaseHTTPMiddleware.dispatch with a log call: its message at each family's level",
    ),
    pytest.param(
        MIDDLEWARE_HEAD + "\n\nasync def errors(request, call_next):\n    try:\n"
        "        response = await call_next(request)\n    except Exception:\n"
        "        return JSONResponse({'detail': 'oops'}, status_code=500)\n"
        "    return response\n",
        HEAD_AFTER + "\n\nasync def errors(request, call_next):\n    try:\n"
        "        response = await call_next(request)\n"
        + _ladder("exc", 'logger.{level}("request failed: %s", exc)', indent="    ")
        + "    except Exception:\n        logger.exception(\"unexpected error\")\n"
        "        return JSONResponse({'detail': 'oops'}, status_code=500)\n"
        "    return response\n",
        id="function middleware without a log call or `as`: the module's logger",
    ),
]

LADDER_NO_OPS = [
    pytest.param(
        MIDDLEWARE_HEAD + "\n\nasync def errors(request, call_next):\n    try:\n"
        "        return await call_next(request)\n    except Exception:\n        return None\n",
        id="the handler returns no JSONResponse",
    ),
    pytest.param(
        MIDDLEWARE_HEAD + "\n\ndef notify(listeners, event):\n    for listener in listeners:\n"
        "        try:\n            listener(event)\n        except Exception:\n"
        "            return JSONResponse({}, status_code=500)\n",
        id="a boundary, but not around the next app of a request",
    ),
    pytest.param(
        MIDDLEWARE_HEAD + "\n\nasync def errors(request, call_next):\n    try:\n"
        "        return await call_next(request)\n    except Exception:\n"
        "        logger.exception('failed')\n        raise\n",
        id="the handler re-raises (not reported)",
    ),
]

WRAP_CASES = [
    pytest.param(
        "import stripe\n\n\nclass PaymentFailed(Exception):\n    pass\n\n\n"
        "def charge(customer, amount):\n    try:\n"
        "        return stripe.PaymentIntent.create(customer=customer, amount=amount)\n"
        "    except Exception as e:\n        raise PaymentFailed(str(e))\n",
        "import stripe\n\nfrom app.core.exceptions import StripePaymentError\n\n\n"
        "class PaymentFailed(Exception):\n    pass\n\n\n"
        "def charge(customer, amount):\n    try:\n"
        "        return stripe.PaymentIntent.create(customer=customer, amount=amount)\n"
        "    except stripe.StripeError as e:\n        raise StripePaymentError(str(e)) from e\n",
        id="stripe: the family's stripe leaf, chained",
    ),
    pytest.param(
        "import requests\n\n\ndef fetch_rates(url):\n    try:\n"
        "        response = requests.get(url, timeout=5)\n        response.raise_for_status()\n"
        "        return response.json()\n    except Exception:  # the rates service is flaky\n"
        "        raise RuntimeError(\"rates unavailable\")\n",
        "import requests\n\nfrom app.core.exceptions import ExternalServiceError\n\n\n"
        "def fetch_rates(url):\n    try:\n"
        "        response = requests.get(url, timeout=5)\n        response.raise_for_status()\n"
        "        return response.json()\n"
        "    except requests.RequestException as exc:  # the rates service is flaky\n"
        "        raise ExternalServiceError(\"rates unavailable\") from exc\n",
        id="requests, no `as`: ExternalServiceError with the message, `as exc` added",
    ),
    pytest.param(
        "import smtplib\n\nfrom app.core.exceptions import EmailDeliveryError\n\n\n"
        "def send(host, message):\n    try:\n        with smtplib.SMTP(host) as smtp:\n"
        "            smtp.send_message(message)\n    except Exception as err:\n"
        "        print('mail failed')\n"
        "        raise EmailDeliveryError('mail failed', details={'host': host})\n",
        "import smtplib\n\nfrom app.core.exceptions import EmailDeliveryError\n\n\n"
        "def send(host, message):\n    try:\n        with smtplib.SMTP(host) as smtp:\n"
        "            smtp.send_message(message)\n    except OSError as err:\n"
        "        print('mail failed')\n"
        "        raise EmailDeliveryError('mail failed', details={'host': host}) from err\n",
        id="smtplib raising a class of the hierarchy already: kept, chained, other lines kept",
    ),
]

WRAP_NO_OPS = [
    pytest.param(
        "import requests\n\n\ndef fetch(url):\n    try:\n        return requests.get(url).json()\n"
        "    except Exception:\n        return None\n",
        id="the handler does not convert the error",
    ),
    pytest.param(
        "import json\n\n\ndef load(text):\n    try:\n        return json.loads(text)\n"
        "    except Exception as e:\n        raise RuntimeError(str(e))\n",
        id="no external-service library in the try body",
    ),
]


def _project(tmp_path: Path, hierarchy: bool = True) -> Path:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text("[tool.qualitytool]\n")
    if hierarchy:
        scaffold_exceptions(root, framework="none", base_name="ShopError")
    return root


def _fix(root: Path, code: str, **flags: bool) -> str:
    target = root / "app" / "mod.py"
    target.write_text(code)
    fix_exceptions([target], write=True, jobs=1, record_run=False, **flags)
    first = target.read_text()
    again = fix_exceptions([target], write=True, jobs=1, record_run=False, **flags)
    assert target.read_text() == first and again.summary()["applied"] == 0  # idempotent
    return first


@pytest.mark.parametrize(("before", "after"), LADDER_CASES)
def test_ladder(tmp_path: Path, before: str, after: str) -> None:
    assert _fix(_project(tmp_path), before, ladder=True) == after


@pytest.mark.parametrize("before", LADDER_NO_OPS)
def test_ladder_leaves_alone(tmp_path: Path, before: str) -> None:
    assert _fix(_project(tmp_path), before, ladder=True) == before


def test_no_ladder_without_the_hierarchy_module(tmp_path: Path) -> None:
    before = LADDER_CASES[0].values[0]
    assert _fix(_project(tmp_path, hierarchy=False), before, ladder=True) == before


@pytest.mark.parametrize(("before", "after"), WRAP_CASES)
def test_wrap(tmp_path: Path, before: str, after: str) -> None:
    assert _fix(_project(tmp_path), before, wrap=True) == after


@pytest.mark.parametrize("before", WRAP_NO_OPS)
def test_wrap_leaves_alone(tmp_path: Path, before: str) -> None:
    # what the run does without --wrap (here: narrowing json.loads safely) and nothing more
    without = _fix(_project(tmp_path / "without"), before)
    assert _fix(_project(tmp_path / "with"), before, wrap=True) == without


def test_crlf_and_comments_outside_the_handler_stay(tmp_path: Path) -> None:
    before, after = WRAP_CASES[1].values
    root = _project(tmp_path)
    target = root / "app" / "mod.py"
    target.write_bytes(("# header\n" + before).replace("\n", "\r\n").encode())
    fix_exceptions([target], write=True, jobs=1, record_run=False, wrap=True)
    assert target.read_bytes() == ("# header\n" + after).replace("\n", "\r\n").encode()


def test_outcomes_are_counted(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "app" / "mw.py").write_text(LADDER_CASES[0].values[0])
    (root / "app" / "pay.py").write_text(WRAP_CASES[0].values[0])
    (root / "app" / "other.py").write_text(
        "def f(cb):\n    try:\n        cb()\n    except Exception:\n        pass\n"
    )
    report = fix_exceptions([root / "app"], jobs=1, record_run=False, ladder=True, wrap=True)
    assert report.summary() == {
        "safe": 0, "unsafe": 0, "evidence": 0, "left": 0, "boundary": 1, "laddered": 1,
        "wrapped": 1, "narrowed": 0, "applied": 0, "files_changed": 2,
    }
    assert render_text(report, show_diff=False).splitlines()[-1] == (
        "3 broad handlers: 0 safe fix(es), 0 unsafe fix(es), 1 boundary, 1 laddered, "
        "1 wrapped, 0 left broad; 2 files would change, 1 handler would remain broad"
    )


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_laddered_middleware_answers_with_the_families(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from starlette.testclient import TestClient

    package = f"shop_{uuid.uuid4().hex[:8]}"
    root = tmp_path / "proj"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        f"[tool.qualitytool.exceptions.hierarchy]\nmodule = '{package}/errors.py'\n"
    )
    scaffold_exceptions(root, framework="none", base_name="ShopError")
    middleware = root / package / "middleware.py"
    middleware.write_text(
        LADDER_CASES[0].values[0]
        + "\n\nfrom starlette.applications import Starlette\nfrom starlette.routing import Route\n"
        f"from {package} import errors\n\n\nasync def boom(request):\n"
        "    name = request.path_params['name']\n"
        "    if name == 'runtime':\n        raise RuntimeError('boom')\n"
        "    raise getattr(errors, name)()\n\n\n"
        "app = Starlette(routes=[Route('/{name}', boom)])\napp.add_middleware(Errors)\n"
    )
    report = fix_exceptions([middleware], write=True, jobs=1, record_run=False, ladder=True)
    assert [h.outcome for h in report.handlers] == ["laddered"]
    monkeypatch.syspath_prepend(str(root))
    app = importlib.import_module(f"{package}.middleware").app
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/TokenExpiredError")
    assert (response.status_code, response.json()) == (
        401, {"error_code": "TOKEN_EXPIRED", "message": "Token expired", "details": {}}
    )
    assert client.get("/TenantAccessDeniedError").status_code == 403
    assert client.get("/StripePaymentError").status_code == 502
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.get("/runtime")
    assert (response.status_code, response.json()) == (500, {"detail": "internal error"})
    records = [r for r in caplog.records if r.name == f"{package}.middleware"]
    assert [(r.levelno, r.exc_info[0] if r.exc_info else None) for r in records] == [
        (logging.ERROR, RuntimeError)
    ]


def test_cli_warns_when_there_is_no_hierarchy(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qualitytool.cli import main

    root = _project(tmp_path, hierarchy=False)
    (root / "app" / "mod.py").write_text(LADDER_CASES[0].values[0])
    result = CliRunner().invoke(main, ["fix-exceptions", str(root / "app"), "--ladder"])
    assert result.exit_code == 1  # a dry run that found a broad handler
    assert (
        f"warning: --ladder/--wrap do nothing: no exception hierarchy at "
        f"{root.resolve() / 'app/core/exceptions.py'} (qualitytool scaffold-exceptions writes one)"
    ) in result.output
