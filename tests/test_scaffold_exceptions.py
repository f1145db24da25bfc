"""``scaffold-exceptions``: the project's exception hierarchy and its HTTP handlers.

The generated modules are driven through a real FastAPI/Starlette app with the real
``TestClient``, checked by ``mypy --strict`` and ``ruff check``, and merged into an existing
module without touching a byte of it.
"""

from __future__ import annotations

import importlib
import logging
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import scaffold_exceptions
from qualitytool.cli import main
from qualitytool.config import ConfigError, load_config
from qualitytool.scaffold.spec import DEFAULT_FAMILIES, base_name_for, error_code
from qualitytool.scaffold.write import Action, add_missing_classes


def _project(tmp_path: Path, dependencies: str = '"fastapi>=0.110"') -> tuple[Path, str]:
    """A project whose package has a unique name (tests import it in this process)."""
    package = f"svc_{uuid.uuid4().hex[:8]}"
    root = tmp_path / "proj"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "acme-billing"\ndependencies = [{dependencies}]\n'
    )
    return root, package


def _app_module(root: Path, package: str, framework: str) -> None:
    if framework == "fastapi":
        header = "from fastapi import FastAPI\n\napp = FastAPI()\n"
        route = "@app.get('/raise/{{name}}')\ndef raise_it(name: str) -> None:\n"
    else:
        header = (
            "from starlette.applications import Starlette\nfrom starlette.routing import Route\n\n"
            "async def raise_it(request):\n    name = request.path_params['name']\n"
        )
        route = ""
    body = (
        f"from {package}.core import exceptions\n"
        f"from {package}.core.exception_handlers import register_exception_handlers\n"
        + header + route.format()
        + "    if name == 'runtime':\n        raise RuntimeError('boom: secret=hunter2')\n"
        "    raise getattr(exceptions, name)(details={'name': name})\n"
    )
    if framework == "fastapi":
        body += "\nregister_exception_handlers(app)\n"
    else:
        body += (
            "\napp = Starlette(routes=[Route('/raise/{name}', raise_it)])\n"
            "register_exception_handlers(app)\n"
        )
    (root / package / "main.py").write_text(body)


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
@pytest.mark.parametrize("framework", ["fastapi", "starlette"])
def test_generated_handlers_drive_a_real_app(
    tmp_path: Path, framework: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from starlette.testclient import TestClient

    root, package = _project(tmp_path, f'"{framework}"')
    report = scaffold_exceptions(root, module=f"{package}/core/exceptions.py")
    assert [(f.path, f.action) for f in report.files] == [
        (f"{package}/core/exceptions.py", Action.CREATED),
        (f"{package}/core/exception_handlers.py", Action.CREATED),
    ]
    assert report.spec.framework.value == framework  # read from the dependencies
    assert report.spec.base.name == "AcmeBillingError"  # from [project] name
    assert len(report.files[0].added) == 26
    assert (root / package / "core" / "__init__.py").is_file()
    _app_module(root, package, framework)
    monkeypatch.syspath_prepend(str(root))
    app = importlib.import_module(f"{package}.main").app
    client = TestClient(app, raise_server_exceptions=False)
    exceptions = importlib.import_module(f"{package}.core.exceptions")
    expected = {family.name: family.status for family in DEFAULT_FAMILIES}
    expected.update({leaf: f.status for f in DEFAULT_FAMILIES for leaf in f.leaves})
    expected["AcmeBillingError"] = 500
    for name, status in expected.items():
        response = client.get(f"/raise/{name}")
        cls = getattr(exceptions, name)
        assert response.status_code == status, name
        assert response.json() == {
            "error_code": error_code(name), "message": cls.default_message,
            "details": {"name": name},
        }
    answer = client.get("/raise/TenantAccessDeniedError").json()
    assert answer["error_code"] == "TENANT_ACCESS_DENIED"
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = client.get("/raise/runtime")
    assert response.status_code == 500
    assert response.json() == {
        "error_code": "INTERNAL_ERROR", "message": "Internal server error", "details": {},
    }
    assert "hunter2" not in response.text  # the exception's text never reaches the client
    logged = [r for r in caplog.records if r.name.endswith("exception_handlers")]
    assert logged and logged[0].levelno == logging.ERROR
    assert logged[0].exc_info is not None and logged[0].exc_info[0] is RuntimeError
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        client.get("/raise/TokenExpiredError")
        client.get("/raise/StripePaymentError")
    levels = [(r.levelno, r.exc_info is not None) for r in caplog.records
              if r.name.endswith("exception_handlers")]
    assert levels == [(logging.WARNING, False), (logging.ERROR, True)]


def test_generated_modules_pass_mypy_strict_and_ruff(tmp_path: Path) -> None:
    root, package = _project(tmp_path)
    scaffold_exceptions(root, module=f"{package}/core/exceptions.py")
    targets = [f"{package}/core/exceptions.py", f"{package}/core/exception_handlers.py"]
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *targets],
        cwd=root, capture_output=True, text=True, check=False,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", *targets],
        cwd=root, capture_output=True, text=True, check=False,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    hierarchy = (root / targets[0]).read_text()
    assert "\nimport " not in hierarchy and "\nfrom " not in hierarchy.replace(
        "\nfrom __future__ import annotations", ""
    )  # the hierarchy imports nothing


def test_existing_module_gets_only_the_missing_classes(tmp_path: Path) -> None:
    root, package = _project(tmp_path, "")
    module = root / package / "errors.py"
    original = (
        "# -*- coding: latin-1 -*-\r\n\"\"\"Our errors (caf\xe9).\"\"\"\r\n\r\n\r\n"
        "class AcmeBillingError(Exception):\r\n    status_code = 500  # keep me\r\n\r\n\r\n"
        "class AuthenticationError(AcmeBillingError):\r\n    status_code = 401\r\n"
    ).encode("latin-1")
    module.write_bytes(original)
    report = scaffold_exceptions(root, module=f"{package}/errors.py")
    assert [f.action for f in report.files] == [Action.EXTENDED]  # no framework: one module
    added = report.files[0].added
    assert "AcmeBillingError" not in added and "AuthenticationError" not in added
    assert added[:4] == (
        "InvalidCredentialsError", "TokenExpiredError", "TokenInvalidError",
        "MissingCredentialsError",
    )
    assert len(added) == 24
    new = module.read_bytes()
    assert new.startswith(original)  # every byte that was there stays
    assert b"\r\n" in new[len(original):] and b"\n" not in new[len(original):].replace(b"\r\n", b"")
    compile(new, str(module), "exec")
    again = scaffold_exceptions(root, module=f"{package}/errors.py")
    assert [f.action for f in again.files] == [Action.UNCHANGED]
    assert module.read_bytes() == new


def test_nothing_is_overwritten_without_force(tmp_path: Path) -> None:
    root, package = _project(tmp_path)
    handlers = root / package / "core" / "exception_handlers.py"
    handlers.parent.mkdir()
    handlers.write_text("# mine\n")
    module = f"{package}/core/exceptions.py"
    report = scaffold_exceptions(root, module=module)
    assert [f.action for f in report.files] == [Action.CREATED, Action.KEPT]
    assert handlers.read_text() == "# mine\n"
    (root / module).write_text("# edited\n")
    forced = scaffold_exceptions(root, module=module, force=True)
    assert [f.action for f in forced.files] == [Action.OVERWRITTEN, Action.OVERWRITTEN]
    assert "register_exception_handlers" in handlers.read_text()
    assert "class AcmeBillingError(Exception)" in (root / module).read_text()


def test_unparsable_module_is_left_alone_with_exit_2(tmp_path: Path) -> None:
    root, package = _project(tmp_path, "")
    module = root / package / "exceptions.py"
    module.write_text("class Broken(:\n")
    result = CliRunner().invoke(
        main, ["scaffold-exceptions", str(root), "--module", f"{package}/exceptions.py"]
    )
    assert result.exit_code == 2
    assert f"error: {package}/exceptions.py: cannot parse" in result.output
    assert "left unchanged" in result.output
    assert module.read_text() == "class Broken(:\n"


def test_cli_and_config_table(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        "[tool.qualitytool.exceptions.hierarchy]\nmodule = 'shop/errors.py'\n"
        "framework = 'starlette'\nbase-name = 'ShopError'\n"
        "[[tool.qualitytool.exceptions.hierarchy.families]]\nname = 'PaymentError'\n"
        "status = 402\nleaves = ['CardDeclinedError']\n"
    )
    result = CliRunner().invoke(main, ["scaffold-exceptions", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "created shop/errors.py (3 classes)\ncreated shop/exception_handlers.py\n"
    )
    text = (root / "shop" / "errors.py").read_text()
    assert "class CardDeclinedError(PaymentError):" in text
    assert "    status_code = 402\n" in text
    assert "from starlette.applications import Starlette" in (
        root / "shop" / "exception_handlers.py"
    ).read_text()
    again = CliRunner().invoke(main, ["scaffold-exceptions", str(root)])
    assert again.output == (
        "unchanged shop/errors.py (nothing missing)\n"
        "kept shop/exception_handlers.py: it exists (--force overwrites it)\n"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("framework = 'flask'", "framework' must be fastapi, starlette or none"),
        ("[[tool.qualitytool.exceptions.hierarchy.families]]\nname = 'X'\nstatus = 200",
         "families[0].status' must be an HTTP error status"),
        ("[[tool.qualitytool.exceptions.hierarchy.families]]\nname = 'not a name'",
         "families[0]' needs a `name`"),
        ("families = 'x'", "families' must be an array of tables"),
    ],
    ids=["framework", "status", "class name", "not an array"],
)
def test_config_errors_name_the_key(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.qualitytool.exceptions.hierarchy]\n{table}\n"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("project", "base"),
    [("legacy_app", "LegacyAppError"), ("acme-billing", "AcmeBillingError"),
     ("3d.print", "App3dPrintError"), ("api-error", "ApiError")],
)
def test_base_name_from_the_project_name(project: str, base: str) -> None:
    assert base_name_for(project) == base


def test_add_missing_classes_refuses_unparsable_text() -> None:
    with pytest.raises(ValueError, match="cannot parse"):
        add_missing_classes("def (:\n", "class A(Exception):\n    pass\n")


def test_modules_go_under_the_configuration_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.qualitytool.exceptions.hierarchy]\nmodule = 'svc/errors.py'\nframework = 'none'\n"
    )
    (tmp_path / "svc" / "api").mkdir(parents=True)
    report = scaffold_exceptions(tmp_path / "svc" / "api")
    assert [(f.path, f.action) for f in report.files] == [("svc/errors.py", Action.CREATED)]
    assert (tmp_path / "svc" / "errors.py").is_file()
    assert report.spec.base.name == base_name_for(tmp_path.name)
