"""The library knowledge base (``rules/exceptions/lib_*.toml``) checked against the real libraries.

* every ``[[exception]]`` is a real class, and its declared bases are real bases;
* every ``[[class]]`` is a real class with the methods and attributes it lists, and the types
  it names exist; every ``[[callable]]`` names something real;
* every ``(entry, exception)`` pair is raised for real by ``TRIGGERS[entry][exception]``, run
  offline against closed ports, local servers on 127.0.0.1, sqlite in memory and botocore's
  own Stubber; pairs that need a database server are listed in ``NEEDS_SERVER`` and skipped.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib
import importlib.util
import inspect
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from qualitytool.exceptions.inference.knowledge import (
    ClassSpec,
    ExceptionSpec,
    RaiseSpec,
    builtin_knowledge_files,
    parse_knowledge,
)
from tests import kb_stack

CALLABLES: list[RaiseSpec] = []
CLASSES: list[ClassSpec] = []
PACKAGES: list[RaiseSpec] = []
EXCEPTIONS: list[ExceptionSpec] = []
for _origin, _text in builtin_knowledge_files():
    if _origin.startswith("rules/exceptions/lib_"):
        _parsed = parse_knowledge(_text, _origin)
        CALLABLES += _parsed["callable"]
        CLASSES += _parsed["class"]
        PACKAGES += _parsed["package"]
        EXCEPTIONS += _parsed["exception"]


# Names a library's stubs give its classes, which the inference sees (typeshed-style .pyi), for
# the runtime class they stand for.
STUB_NAMES = {"loguru.Logger": "loguru._logger.Logger"}


def resolve(name: str) -> Any:
    """The object a qualified name denotes: ``ValueError``, ``httpx.Client.get``."""
    for stub, runtime in STUB_NAMES.items():
        if name == stub or name.startswith(f"{stub}."):
            name = runtime + name[len(stub):]
    if "." not in name and hasattr(builtins, name):
        return getattr(builtins, name)
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        if cut == len(parts) and cut > 1 and inspect.ismodule(found):
            # ``bolt11.decode``: the package re-exports a function under its module's name
            shadow = getattr(importlib.import_module(".".join(parts[:-1])), parts[-1], found)
            found = found if inspect.ismodule(shadow) else shadow
        return found
    raise ImportError(name)


def _installed(name: str) -> bool:
    top = name.split(".")[0]
    return "." not in name or importlib.util.find_spec(top) is not None


def _param(name: str, *values: object) -> Any:
    marks = [] if _installed(name) else [
        pytest.mark.skip(reason=f"{name.split('.')[0]} not installed")]
    return pytest.param(*values, id=name if len(values) == 1 else f"{name}: {values[1]}",
                        marks=marks)


# -- exception classes ------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [_param(e.name, e) for e in EXCEPTIONS])
def test_exception_entry_is_a_real_class_with_its_declared_bases(spec: ExceptionSpec) -> None:
    cls = resolve(spec.name)
    assert isinstance(cls, type) and issubclass(cls, BaseException)
    for base in spec.bases:
        assert issubclass(cls, resolve(base)), (spec.name, base)


def test_every_raised_library_exception_is_declared() -> None:
    """Narrowing needs the bases of every third-party class an entry raises."""
    declared = {e.name for e in EXCEPTIONS}
    undeclared = sorted(
        {
            raised
            for spec in [*CALLABLES, *CLASSES, *PACKAGES]
            for raised in spec.raises
            if "." in raised and raised.split(".")[0] not in sys.stdlib_module_names
        }
        - declared
    )
    assert undeclared == []


# -- classes, their methods and attributes, callables -----------------------------------------


def _django_model() -> type:
    from django.db import models

    _configure_django()

    class Thing(models.Model):
        name = models.CharField(max_length=10, unique=True)

        class Meta:
            app_label = "kbtest"

    class Missing(models.Model):  # never created: every query fails
        class Meta:
            app_label = "kbtest"

    _DJANGO["Thing"], _DJANGO["Missing"] = Thing, Missing
    return Thing


_DJANGO: dict[str, Any] = {}


def _configure_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()


def django_models() -> dict[str, Any]:
    if not _DJANGO:
        from django.db import connection

        thing = _django_model()
        with connection.schema_editor() as editor:
            editor.create_model(thing)
        thing.objects.create(name="a")
        thing.objects.create(name="b")
    return _DJANGO


def _pydantic_model() -> Any:
    import pydantic

    class Point(pydantic.BaseModel):
        x: int

    return Point(x=1)


def _starlette_request(body: bytes = b"{", disconnect: bool = False) -> Any:
    from starlette.requests import Request
    from starlette.routing import Router

    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": body, "more_body": disconnect},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    scope = {"type": "http", "method": "POST", "headers": [], "path": "/", "query_string": b"",
             "router": Router([])}
    return Request(scope, receive)


# A real instance for classes whose attributes are set in __init__ (or, with subclasses=true,
# exist on the project's subclasses only).
INSTANCES: dict[str, Any] = {
    "httpx.Client": lambda: __import__("httpx").Client(),
    "httpx.AsyncClient": lambda: __import__("httpx").AsyncClient(),
    "httpx.Response": lambda: __import__("httpx").Response(200),
    "requests.Session": lambda: __import__("requests").Session(),
    "requests.Response": lambda: __import__("requests").Response(),
    "redis.Redis": lambda: __import__("redis").Redis(),
    "redis.asyncio.Redis": lambda: __import__("redis.asyncio").asyncio.Redis(),
    "pydantic.BaseModel": _pydantic_model,
    "django.db.models.Model": lambda: django_models()["Thing"](name="x"),
    "starlette.requests.Request": _starlette_request,
    "fastapi.Request": _starlette_request,
    "jwt.PyJWKClient": lambda: __import__("jwt").PyJWKClient("http://127.0.0.1:9/"),
    "botocore.client.BaseClient": lambda: __import__("boto3").client("s3", region_name="us-east-1"),
    "sqlalchemy.engine.Engine": lambda: __import__("sqlalchemy").create_engine("sqlite://"),
    "sqlalchemy.engine.Connection": lambda: __import__("sqlalchemy").create_engine("sqlite://").connect(),
    "sqlalchemy.orm.Session": lambda: __import__("sqlalchemy.orm").orm.Session(),
}


def _has(cls: type, spec_name: str, name: str) -> bool:
    if hasattr(cls, name):
        return True
    if any(name in getattr(klass, "__annotations__", {}) for klass in cls.__mro__):
        return True
    if spec_name in INSTANCES:
        instance = INSTANCES[spec_name]()
        return hasattr(instance, name) or hasattr(type(instance), name)
    return False


@pytest.mark.parametrize("spec", [_param(c.name, c) for c in CLASSES])
def test_class_entry_names_a_real_class_with_its_methods_and_attributes(spec: ClassSpec) -> None:
    cls = resolve(spec.name)
    assert isinstance(cls, type)
    missing = [name for name in [*spec.methods, *spec.attributes] if not _has(cls, spec.name, name)]
    assert missing == []
    for name in spec.methods:
        assert callable(getattr(cls, name, None)) or spec.name in INSTANCES, name
    for type_name in [*spec.methods.values(), *filter(None, spec.attributes.values())]:
        assert isinstance(resolve(type_name), type), type_name
    for own in spec.own_code:  # the library's own class, from the library's own package
        assert isinstance(resolve(own), type), own
        assert resolve(own).__module__.split(".")[0] == cls.__module__.split(".")[0], own


@pytest.mark.parametrize("spec", [_param(c.name, c) for c in CALLABLES])
def test_callable_entry_names_something_real(spec: RaiseSpec) -> None:
    found = resolve(spec.name)
    # a property with a contract of its own (httpx.Response.text decodes the body)
    assert callable(found) or isinstance(found, property)
    # json.Any is the knowledge base's name for a decoded JSON value, not a class to import
    if spec.returns and spec.returns != "json.Any":
        assert isinstance(resolve(spec.returns), type), spec.returns
    owner, _, method = spec.name.rpartition(".")
    entry = next((c for c in CLASSES if c.name == owner), None)
    if entry is not None and method in entry.methods and spec.returns:
        assert spec.returns == entry.methods[method], "the [[class]] says otherwise"


@pytest.mark.parametrize("spec", [_param(p.name, p) for p in PACKAGES])
def test_package_entry_names_a_real_package(spec: RaiseSpec) -> None:
    assert inspect.ismodule(resolve(spec.name))


# -- triggers ---------------------------------------------------------------------------------

# Snippets run with ``exec`` in the namespace ``env`` builds; ``run(coro)`` runs a coroutine.
HTTPX_CONNECT = "httpx.{f}(f'http://127.0.0.1:{{closed_port}}/')"
# a host name the idna codec refuses (a bad punycode label): idna.IDNAError, a ValueError
HTTPX_IDNA = "'http://xn--a.invalid/'"
# a request through a client that was closed
HTTPX_CLOSED = "(lambda c: (c.close(), c.{method}('http://127.0.0.1:9/')))(httpx.Client())"
HTTPX_ASYNC_CLOSED = ("(lambda c: (run(c.aclose()), run(c.get('http://127.0.0.1:9/'))))"
                      "(httpx.AsyncClient())")
REQUESTS_CONNECT = "requests.{f}(f'http://127.0.0.1:{{closed_port}}/', timeout=5)"
TRIGGERS: dict[str, dict[str, str]] = {
    # httpx
    "httpx.Client": {"httpx.HTTPError": "httpx.Client().get(f'http://127.0.0.1:{closed_port}/')",
                     "httpx.InvalidURL": "httpx.Client().get('http://a\\x00b/')",
                     "RuntimeError": HTTPX_CLOSED.format(method="get"),
                     "ValueError": f"httpx.Client().get({HTTPX_IDNA})"},
    "httpx.AsyncClient": {
        "httpx.HTTPError": "run(httpx.AsyncClient().get(f'http://127.0.0.1:{closed_port}/'))",
        "httpx.InvalidURL": "run(httpx.AsyncClient().get('http://a\\x00b/'))",
        "RuntimeError": HTTPX_ASYNC_CLOSED,
        "ValueError": f"run(httpx.AsyncClient().get({HTTPX_IDNA}))"},
    "httpx.Client.get": {"httpx.HTTPError": "httpx.Client().get(f'http://127.0.0.1:{closed_port}/')",
                         "httpx.InvalidURL": "httpx.Client().get('http://[::1')",
                         "RuntimeError": HTTPX_CLOSED.format(method="get"),
                         "ValueError": f"httpx.Client().get({HTTPX_IDNA})"},
    "httpx.Client.post": {"httpx.HTTPError": "httpx.Client().post('nope')",
                          "httpx.InvalidURL": "httpx.Client().post('http://[::1')",
                          "RuntimeError": HTTPX_CLOSED.format(method="post"),
                          "ValueError": f"httpx.Client().post({HTTPX_IDNA})"},
    "httpx.AsyncClient.get": {
        "httpx.HTTPError": "run(httpx.AsyncClient().get('nope'))",
        "httpx.InvalidURL": "run(httpx.AsyncClient().get('http://[::1'))",
        "RuntimeError": HTTPX_ASYNC_CLOSED,
        "ValueError": f"run(httpx.AsyncClient().get({HTTPX_IDNA}))"},
    "httpx.Response": {"httpx.HTTPError": "httpx.get(http_url).raise_for_status()"},
    "httpx.Response.raise_for_status": {
        "httpx.HTTPStatusError": "httpx.get(http_url).raise_for_status()"},
    "httpx.Response.json": {"ValueError": "httpx.get(http_url).json()"},
    **{f"httpx.{f}": {"httpx.HTTPError": HTTPX_CONNECT.format(f=f),
                      "httpx.InvalidURL": f"httpx.{f}('http://[::1')",
                      "ValueError": f"httpx.{f}({HTTPX_IDNA})"}
       for f in ("get", "post", "put", "patch", "delete")},
    "httpx.request": {"httpx.HTTPError": "httpx.request('GET', f'http://127.0.0.1:{closed_port}/')",
                      "httpx.InvalidURL": "httpx.request('GET', 'http://[::1')",
                      "ValueError": f"httpx.request('GET', {HTTPX_IDNA})"},
    # requests
    **{f"requests.{f}": {"requests.RequestException": REQUESTS_CONNECT.format(f=f)}
       for f in ("get", "post", "put", "patch", "delete", "head", "options")},
    "requests.request": {"requests.RequestException": "requests.request('GET', 'nope')"},
    "requests.Session": {"requests.RequestException": "requests.Session().get('http://[::1')"},
    "requests.Session.get": {"requests.RequestException": "requests.Session().get('nope')"},
    "requests.Session.post": {
        "requests.RequestException": REQUESTS_CONNECT.format(f="Session().post")},
    "requests.Session.request": {
        "requests.RequestException": "requests.Session().request('GET', 'nope')"},
    "requests.Response": {"requests.RequestException": "requests.get(http_url).raise_for_status()"},
    "requests.Response.raise_for_status": {
        "requests.HTTPError": "requests.get(http_url).raise_for_status()"},
    "requests.Response.json": {"requests.JSONDecodeError": "requests.get(http_url).json()"},
    # aiohttp
    "aiohttp.ClientSession": {
        "aiohttp.ClientError": "run(aiohttp_get(f'http://127.0.0.1:{closed_port}/'))",
        "asyncio.TimeoutError": "run(aiohttp_get(f'http://127.0.0.1:{silent_port}/', "
                        "timeout=aiohttp.ClientTimeout(total=0.3)))"},
    "aiohttp.ClientSession.get": {
        "aiohttp.ClientError": "run(aiohttp_get('nope'))",
        "asyncio.TimeoutError": "run(aiohttp_get(f'http://127.0.0.1:{silent_port}/', "
                        "timeout=aiohttp.ClientTimeout(total=0.3)))"},
    "aiohttp.ClientSession.post": {
        "aiohttp.ClientError": "run(aiohttp_get(f'http://127.0.0.1:{closed_port}/', "
                               "method='POST'))",
        "asyncio.TimeoutError": "run(aiohttp_get(f'http://127.0.0.1:{silent_port}/', "
                                "method='POST', "
                        "timeout=aiohttp.ClientTimeout(total=0.3)))"},
    "aiohttp.ClientResponse": {"aiohttp.ClientError": "run(aiohttp_get(stall_url, read='read'))",
                               "asyncio.TimeoutError": "run(aiohttp_get(stall_url, read='read'))"},
    "aiohttp.ClientResponse.raise_for_status": {
        "aiohttp.ClientResponseError": "run(aiohttp_get(http_url, read='raise_for_status'))"},
    "aiohttp.ClientResponse.json": {
        "aiohttp.ClientError": "run(aiohttp_get(http_url, read='json'))",
        "asyncio.TimeoutError": "run(aiohttp_get(stall_url, read='json'))",
        "ValueError": "run(aiohttp_get(http_url, read='json', content_type=None))"},
    "aiohttp.ClientResponse.text": {
        "aiohttp.ClientError": "run(aiohttp_get(stall_url, read='text'))",
        "asyncio.TimeoutError": "run(aiohttp_get(stall_url, read='text'))",
        "ValueError": "run(aiohttp_get(http_url + 'latin', read='text'))"},
    # redis
    "redis.Redis": {"redis.RedisError": "closed_redis().get('k')"},
    "redis.asyncio.Redis": {"redis.RedisError": "run(closed_redis(asynchronous=True).ping())"},
    "redis.client.Pipeline": {
        "redis.RedisError": "closed_redis().pipeline().set('k', 1).execute()"},
    "redis.Redis.get": {"redis.RedisError": "closed_redis().get('k')"},
    "redis.Redis.set": {"redis.RedisError": "closed_redis().set('k', None)"},
    "redis.Redis.delete": {"redis.RedisError": "closed_redis().delete('k')"},
    "redis.Redis.ping": {"redis.RedisError": "closed_redis().ping()"},
    "redis.from_url": {"ValueError": "redis.from_url('nope://')"},
    "redis.asyncio.from_url": {"ValueError": "redis.asyncio.from_url('nope://')"},
    # SQLAlchemy
    "sqlalchemy.create_engine": {"sqlalchemy.exc.ArgumentError": "sa.create_engine('nosuch://')"},
    "sqlalchemy.orm.Session": {
        "sqlalchemy.exc.SQLAlchemyError": "session.execute(sa.text('nope'))"},
    "sqlalchemy.orm.Session.execute": {
        "sqlalchemy.exc.SQLAlchemyError": "session.execute('select 1')"},
    "sqlalchemy.orm.Session.commit": {
        "sqlalchemy.exc.SQLAlchemyError": "session.add_all([Row(name='a'), Row(name='a')]); "
                                          "session.commit()"},
    "sqlalchemy.orm.Query": {
        "sqlalchemy.exc.SQLAlchemyError": "session.query(Row).filter(Row.id < 0).one()"},
    "sqlalchemy.engine.Engine": {"sqlalchemy.exc.SQLAlchemyError": "sa.create_engine(f'sqlite:///{missing}/x.db').connect()"},
    "sqlalchemy.engine.Connection": {
        "sqlalchemy.exc.SQLAlchemyError": "engine.connect().execute(sa.text('nope'))"},
    "sqlalchemy.engine.Connection.execute": {
        "sqlalchemy.exc.SQLAlchemyError": "engine.connect().execute(sa.text('select :x'), "
                                          "{'x': object()})"},
    "sqlalchemy.engine.CursorResult": {
        "sqlalchemy.exc.SQLAlchemyError": "engine.connect().execute(sa.text('select 1 "
                                          "where 0')).one()"},
    "sqlalchemy.engine.Result": {
        "sqlalchemy.exc.SQLAlchemyError":
            "session.execute(sa.select(Row).where(Row.id < 0)).one()"},
    "sqlalchemy.engine.ScalarResult": {
        "sqlalchemy.exc.SQLAlchemyError": "session.scalars(sa.select(Row)).one()"},
    "sqlalchemy.engine.MappingResult": {
        "sqlalchemy.exc.SQLAlchemyError": "session.execute(sa.select(Row)).mappings().one()"},
    # psycopg, psycopg2, asyncpg: connecting to a closed port or with a bad DSN
    "psycopg.connect": {
        "psycopg.Error": "psycopg.connect(f'host=127.0.0.1 port={closed_port} connect_timeout=5')"},
    "psycopg.Connection.connect": {"psycopg.Error": "psycopg.Connection.connect('nope=1')"},
    "psycopg.AsyncConnection.connect": {
        "psycopg.Error": "run(psycopg.AsyncConnection.connect(f'host=127.0.0.1 "
                         "port={closed_port}'))"},
    "psycopg2.connect": {
        "psycopg2.Error": "psycopg2.connect(f'host=127.0.0.1 port={closed_port} "
                          "connect_timeout=5')"},
    "asyncpg.connect": {
        "asyncpg.InterfaceError": "run(asyncpg.connect('nope://x'))",
        "OSError": "run(asyncpg.connect(host='127.0.0.1', port=closed_port, user='u', "
                   "database='d'))",
        "asyncio.TimeoutError": "run(asyncpg.connect(host='127.0.0.1', port=silent_port, user='u', "
                                "database='d', "
                        "timeout=0.3, ssl=False))"},
    "asyncpg.create_pool": {
        "asyncpg.InterfaceError": "run(asyncpg_pool(dsn='nope://x'))",
        "OSError": "run(asyncpg_pool(host='127.0.0.1', port=closed_port, user='u', database='d'))",
        "asyncio.TimeoutError": "run(asyncpg_pool(host='127.0.0.1', port=silent_port, user='u', "
                                "database='d', "
                        "timeout=0.3, ssl=False))"},
    "asyncpg.Pool": {
        "OSError": "run(asyncpg_pool(host='127.0.0.1', port=closed_port, user='u', database='d', "
                   "min_size=0, acquire=True))",
        "asyncio.TimeoutError": "run(asyncpg_pool(host='127.0.0.1', port=silent_port, user='u', "
                                "database='d', "
                        "timeout=0.3, ssl=False, min_size=0, acquire=True))"},
    # pydantic
    "pydantic.BaseModel": {"pydantic.ValidationError": "Point(x='a')"},
    "pydantic.BaseModel.model_validate": {"pydantic.ValidationError": "Point.model_validate(None)"},
    "pydantic.BaseModel.model_validate_json": {
        "pydantic.ValidationError": "Point.model_validate_json('{')"},
    "pydantic.BaseModel.model_validate_strings": {
        "pydantic.ValidationError": "Point.model_validate_strings({'x': 'a'})"},
    "pydantic.BaseModel.model_dump_json": {
        "pydantic_core.PydanticSerializationError":
            "Point.model_construct(x=object()).model_dump_json()"},
    "pydantic.TypeAdapter": {
        "pydantic.ValidationError": "pydantic.TypeAdapter(int).validate_strings('a')"},
    "pydantic.TypeAdapter.validate_python": {
        "pydantic.ValidationError": "pydantic.TypeAdapter(int).validate_python('a')"},
    "pydantic.TypeAdapter.validate_json": {
        "pydantic.ValidationError": "pydantic.TypeAdapter(int).validate_json('{')"},
    # PyJWT
    "jwt.decode": {"jwt.PyJWTError": "jwt.decode('garbage', 'k', algorithms=['HS256'])"},
    "jwt.decode_complete": {
        "jwt.PyJWTError": "jwt.decode_complete(None, 'k', algorithms=['HS256'])"},
    "jwt.get_unverified_header": {"jwt.PyJWTError": "jwt.get_unverified_header('garbage')"},
    "jwt.encode": {"jwt.PyJWTError": "jwt.encode({}, 'not a key', algorithm='RS256')",
                   "TypeError": "jwt.encode({'a': object()}, 'k')",
                   "NotImplementedError": "jwt.encode({}, 'k', algorithm='nope')"},
    "jwt.PyJWKClient": {"jwt.PyJWTError": "jwt.PyJWKClient(f'http://127.0.0.1:{closed_port}/').get_jwk_set()"},
    # boto3 / botocore
    "boto3.client": {"botocore.exceptions.BotoCoreError": "boto3.client('nope')"},
    "boto3.Session.client": {"botocore.exceptions.BotoCoreError": "boto3.Session().client('nope')"},
    "boto3.session.Session.client": {
        "botocore.exceptions.BotoCoreError": "boto3.session.Session().client('nope')"},
    "botocore.client.BaseClient": {
        "botocore.exceptions.ClientError": "stubbed_s3().get_object(Bucket='b', Key='k')",
        "botocore.exceptions.BotoCoreError": "s3_client(closed_port).list_buckets()"},
    "botocore.paginate.PageIterator": {
        "botocore.exceptions.ClientError":
            "stubbed_s3('list_objects_v2').get_paginator('list_objects_v2')"
            ".paginate(Bucket='b').build_full_result()",
        "botocore.exceptions.BotoCoreError":
            "s3_client(closed_port).get_paginator('list_objects_v2')"
            ".paginate(Bucket='b').build_full_result()"},
    "botocore.waiter.Waiter": {
        "botocore.exceptions.BotoCoreError":
            "stubbed_s3('head_bucket', 'AccessDenied').get_waiter('bucket_exists')"
            ".wait(Bucket='b', WaiterConfig={'Delay': 0, 'MaxAttempts': 1})"},
    # stripe
    "stripe": {
        "stripe.StripeError": "stripe.StripeClient('sk_test_x', "
                              "base_addresses={'api': f'http://127.0.0.1:{closed_port}'}, "
                              "max_network_retries=0).v1.customers.create()"},
    "stripe.Customer.create": {"stripe.StripeError": "stripe.Customer.create(api_key='sk_test_x')"},
    "stripe.Charge.create": {"stripe.StripeError": "stripe.Charge.create(api_key='sk_test_x')"},
    "stripe.PaymentIntent.create": {
        "stripe.StripeError": "stripe.PaymentIntent.create(api_key='sk_test_x')"},
    "stripe.Webhook.construct_event": {
        "stripe.SignatureVerificationError": "stripe.Webhook.construct_event('{}', "
                                             "'t=1,v1=x', 'whsec_x')",
        "ValueError": "stripe.Webhook.construct_event('{', stripe_signature('{', "
                      "'whsec_x'), 'whsec_x')"},
    # Django (sqlite in memory; Missing's table does not exist)
    **{f"django.db.models.{owner}.get": {
        "django.core.exceptions.ObjectDoesNotExist": f"{qs}.get(pk=999)",
        "django.core.exceptions.MultipleObjectsReturned": f"{qs}.get()",
        "django.db.DatabaseError": f"{qs.replace('Thing', 'Missing')}.get(pk=1)",
        "ValueError": f"{qs}.get(pk='x')"}
       for owner, qs in (("Manager", "Thing.objects"), ("QuerySet", "Thing.objects.all()"))},
    **{f"django.db.models.{owner}.{method}": {"ValueError": f"{qs}.{method}(pk='x')"}
       for owner, qs in (("Manager", "Thing.objects"), ("QuerySet", "Thing.objects.all()"))
       for method in ("filter", "exclude")},
    **{f"django.db.models.{owner}.get_or_create": {
        "django.core.exceptions.MultipleObjectsReturned": f"{qs}.get_or_create(id__gt=0)",
        "django.db.DatabaseError": f"{qs.replace('Thing', 'Missing')}.get_or_create(id=1)",
        "ValueError": f"{qs}.get_or_create(pk='x')"}
       for owner, qs in (("Manager", "Thing.objects"), ("QuerySet", "Thing.objects.all()"))},
    "django.db.models.Manager": {"django.db.DatabaseError": "Missing.objects.count()"},
    "django.db.models.QuerySet": {"django.db.DatabaseError": "Missing.objects.all().exists()"},
    "django.db.models.Model": {"django.db.DatabaseError": "Thing(name='a').save()"},
    "django.db.models.Model.save": {"django.db.DatabaseError": "Thing(name='b').save()"},
    "django.db.models.Model.delete": {"django.db.DatabaseError": "Missing(pk=1).delete()"},
    "django.db.models.Model.full_clean": {
        "django.core.exceptions.ValidationError": "Thing(name='x' * 20).full_clean()"},
    "django.db.models.Model.refresh_from_db": {
        "django.core.exceptions.ObjectDoesNotExist": "Thing(pk=999).refresh_from_db()",
        "django.db.DatabaseError": "Missing(pk=1).refresh_from_db()"},
    "django.shortcuts.get_object_or_404": {
        "django.http.Http404": "get_object_or_404(Thing, pk=999)"},
    "django.core.validators.validate_email": {
        "django.core.exceptions.ValidationError": "validate_email('nope')"},
    "django.utils.module_loading.import_string": {"ImportError": "import_string('nope.nope')"},
    "django.core.signing.loads": {
        "django.core.signing.BadSignature": "signing.loads('nope', key='k')"},
    "django.core.signing.Signer.unsign": {
        "django.core.signing.BadSignature": "signing.Signer(key='k').unsign('a:b')"},
    "django.utils.dateparse.parse_datetime": {"ValueError": "parse_datetime('2020-13-01T00:00')"},
    "django.utils.dateparse.parse_date": {"ValueError": "parse_date('2020-13-01')"},
    # Starlette / FastAPI
    **{f"{cls}.json": {"ValueError": "run(request(b'{').json())",
                       "starlette.requests.ClientDisconnect":
                           "run(request(b'{', disconnect=True).json())"}
       for cls in ("starlette.requests.Request", "fastapi.Request")},
    **{f"{cls}.url_for": {"starlette.routing.NoMatchFound": "request().url_for('nope')"}
       for cls in ("starlette.requests.Request", "fastapi.Request")},
    **{cls: {"starlette.requests.ClientDisconnect": "run(request(b'', disconnect=True).body())"}
       for cls in ("starlette.requests.Request", "fastapi.Request")},
    # click
    "click.prompt": {
        "click.Abort": "with click.testing.CliRunner().isolation(input=''): click.prompt('n')"},
    "click.confirm": {
        "click.Abort": "with click.testing.CliRunner().isolation(input='n\\n'): "
                       "click.confirm('ok?', abort=True)"},
    "click.get_current_context": {"RuntimeError": "click.get_current_context()"},
    # PyYAML
    "yaml.safe_load": {"yaml.YAMLError": "yaml.safe_load('a: [')"},
    "yaml.load": {"yaml.YAMLError": "yaml.load('a: [', Loader=yaml.SafeLoader)"},
    "yaml.safe_dump": {"yaml.YAMLError": "yaml.safe_dump(object())"},
}


# The FastAPI backend stack (helpers in tests/kb_stack.py)
CRYPTO_TRIGGERS = {
    "Cipher.AES.new": {"ValueError": "from {top}.Cipher import AES; AES.new(b'k', AES.MODE_CBC)",
                       "TypeError": "from {top}.Cipher import AES; "
                                    "AES.new('k' * 16, AES.MODE_CBC)"},
    "Cipher.ChaCha20.new": {
        "ValueError": "from {top}.Cipher import ChaCha20; ChaCha20.new(key=b'k')",
        "TypeError": "from {top}.Cipher import ChaCha20; "
                     "ChaCha20.new(key='k' * 32)"},
    "Util.Padding.unpad": {
        "ValueError": "from {top}.Util.Padding import unpad; unpad(b'x' * 16, 16)",
        "ZeroDivisionError": "from {top}.Util.Padding import unpad; "
                             "unpad(b'x', 0)",
        "TypeError": "from {top}.Util.Padding import unpad; unpad(None, 16)"},
    "Util.Padding.pad": {"ValueError": "from {top}.Util.Padding import pad; pad(b'x', 16, 'nope')",
                         "ZeroDivisionError": "from {top}.Util.Padding import pad; pad(b'x', 0)",
                         "TypeError": "from {top}.Util.Padding import pad; pad(None, 16)"},
    "Random.get_random_bytes": {
        "ValueError": "from {top}.Random import get_random_bytes; get_random_bytes(-1)",
        "OverflowError": "from {top}.Random import get_random_bytes; get_random_bytes(2**100)",
        "TypeError": "from {top}.Random import get_random_bytes; get_random_bytes(None)"},
    "Cipher._mode_cbc.CbcMode": {
        "ValueError": "from {top}.Cipher import AES; "
                      "AES.new(b'k' * 16, AES.MODE_CBC, b'i' * 16).decrypt(b'x')",
        "TypeError": "from {top}.Cipher import AES; "
                     "AES.new(b'k' * 16, AES.MODE_CBC, b'i' * 16).decrypt('x' * 16)"},
    "Hash.HMAC.HMAC": {
        "ValueError": "from {top}.Hash import HMAC, SHA256; "
                      "HMAC.new(b'k', b'm', SHA256).hexverify('00')",
        "TypeError": "from {top}.Hash import HMAC, SHA256; HMAC.new('k', b'm', SHA256)"},
}
GRPC_CLOSED = "grpc.insecure_channel(f'127.0.0.1:{closed_port}')"
TRIGGERS.update({
    **{f"{top}.{name}": {raised: code.replace("{top}", top) for raised, code in found.items()}
       for top in ("Cryptodome", "Crypto") for name, found in CRYPTO_TRIGGERS.items()},
    "cryptography.hazmat.primitives.serialization.load_pem_private_key": {
        "ValueError": "from cryptography.hazmat.primitives import serialization; "
                      "serialization.load_pem_private_key(b'nope', None)",
        "TypeError": "from cryptography.hazmat.primitives import serialization; "
                     "serialization.load_pem_private_key(pem_key, b'pw')"},
    "cryptography.hazmat.primitives.serialization.load_pem_public_key": {
        "ValueError": "from cryptography.hazmat.primitives import serialization; "
                      "serialization.load_pem_public_key(b'nope')",
        "TypeError": "from cryptography.hazmat.primitives import serialization; "
                     "serialization.load_pem_public_key(None)"},
    "cryptography.hazmat.primitives.serialization.load_der_private_key": {
        "ValueError": "from cryptography.hazmat.primitives import serialization; "
                      "serialization.load_der_private_key(b'nope', None)",
        "TypeError": "from cryptography.hazmat.primitives import serialization; "
                     "serialization.load_der_private_key(der_key, b'pw')"},
    "cryptography.fernet.Fernet": {
        "ValueError": "from cryptography.fernet import Fernet; Fernet(b'short')",
        "TypeError": "from cryptography.fernet import Fernet; "
                     "Fernet(Fernet.generate_key()).decrypt(None)",
        "cryptography.fernet.InvalidToken": "from cryptography.fernet import Fernet; "
                                            "Fernet(Fernet.generate_key()).decrypt(b'nope')"},
    "grpc.insecure_channel": {"AttributeError": "import grpc; grpc.insecure_channel(None)"},
    "grpc.secure_channel": {"AttributeError": "import grpc; grpc.secure_channel('x', None)"},
    "grpc.aio.insecure_channel": {
        "AttributeError": "import grpc.aio; run(grpc_aio(lambda: "
                          "grpc.aio.insecure_channel(None)))"},
    "grpc.aio.secure_channel": {
        "AttributeError": "import grpc.aio; run(grpc_aio(lambda: "
                          "grpc.aio.secure_channel('x', None)))"},
    "grpc.UnaryUnaryMultiCallable": {
        "grpc.RpcError": f"import grpc; {GRPC_CLOSED}.unary_unary('/a/b')(b'', timeout=2)"},
    "grpc.UnaryStreamMultiCallable": {
        "grpc.RpcError": f"import grpc; list({GRPC_CLOSED}.unary_stream('/a/b')(b'', timeout=2))"},
    "grpc.StreamUnaryMultiCallable": {
        "grpc.RpcError":
            f"import grpc; {GRPC_CLOSED}.stream_unary('/a/b')(iter([b'']), timeout=2)"},
    "grpc.aio.UnaryUnaryMultiCallable": {
        "grpc.RpcError": "import grpc.aio; run(grpc_aio(lambda: "
                         f"grpc.aio.{GRPC_CLOSED[5:]}.unary_unary('/a/b')(b'', timeout=2), True))"},
    "grpc.aio.UnaryStreamMultiCallable": {"grpc.RpcError": "run(grpc_aio_stream(closed_port))"},
    "httpx.URL": {"httpx.InvalidURL": "httpx.URL('http://[::1')", "TypeError": "httpx.URL(None)",
                  "ValueError": "httpx.URL('\\ud800')"},
    "jsonpath_ng.parse": {
        "jsonpath_ng.exceptions.JSONPathError": "import jsonpath_ng; jsonpath_ng.parse('$[')",
        "TypeError": "import jsonpath_ng; jsonpath_ng.parse(None)"},
    "jsonpath_ng.ext.parse": {
        "jsonpath_ng.exceptions.JSONPathError": "import jsonpath_ng.ext; "
                                                "jsonpath_ng.ext.parse('$[')",
        "TypeError": "import jsonpath_ng.ext; jsonpath_ng.ext.parse(None)"},
    "jose.jwt.decode": {
        "jose.exceptions.JOSEError": "from jose import jwt; "
                                     "jwt.decode('garbage', 'k', algorithms=['HS256'])"},
    "jose.jwt.encode": {
        "jose.exceptions.JOSEError": "from jose import jwt; jwt.encode({}, 'k', algorithm='nope')",
        "TypeError": "from jose import jwt; jwt.encode({'a': object()}, 'k')"},
    "jose.jwt.get_unverified_header": {
        "jose.exceptions.JOSEError": "from jose import jwt; jwt.get_unverified_header('garbage')"},
    "jose.jwt.get_unverified_claims": {
        "jose.exceptions.JOSEError": "from jose import jwt; jwt.get_unverified_claims('garbage')"},
    **{name: {"bolt11.exceptions.Bolt11Exception": "import bolt11; bolt11.decode('lnbc1')",
              "ValueError": "import bolt11; bolt11.decode(bech32_invoice('lnbc', [0] * 7))",
              "IndexError": "import bolt11; bolt11.decode(bech32_invoice('lntb1u', [27, 17, 24, "
                            "26, 30, 23, 12, 13]))",
              "AttributeError": "import bolt11; bolt11.decode(None)",
              "TypeError": "import bolt11; bolt11.decode(b'lnbc1')"}
       for name in ("bolt11.decode", "bolt11.decode.decode")},
    "breez_sdk.connect": {
        "breez_sdk.ConnectError": "import breez_sdk; breez_sdk.connect("
                                  "breez_connect_request(breez_sdk), breez_listener(breez_sdk))"},
    "breez_sdk_liquid.connect": {
        "breez_sdk_liquid.SdkError": "import breez_sdk_liquid; "
                                     "breez_sdk_liquid.connect(breez_liquid_request(breez_sdk_liquid))"},
    "bcrypt.hashpw": {"ValueError": "import bcrypt; bcrypt.hashpw(b'x', b'nope')",
                      "TypeError": "import bcrypt; bcrypt.hashpw('x', bcrypt.gensalt())"},
    "bcrypt.checkpw": {"ValueError": "import bcrypt; bcrypt.checkpw(b'x', b'nope')",
                       "TypeError": "import bcrypt; bcrypt.checkpw('x', b'y')"},
    "bcrypt.gensalt": {"ValueError": "import bcrypt; bcrypt.gensalt(3)",
                       "OverflowError": "import bcrypt; bcrypt.gensalt(2**100)",
                       "TypeError": "import bcrypt; bcrypt.gensalt('x')"},
    "passlib.context.CryptContext": {
        "ValueError": "from passlib.context import CryptContext; "
                      "CryptContext(schemes=['md5_crypt']).verify('x', 'nope')",
        "TypeError": "from passlib.context import CryptContext; "
                     "CryptContext(schemes=['md5_crypt']).hash(None)"},
    "pydantic.BaseModel.parse_obj": {"pydantic.ValidationError": "Point.parse_obj({'x': 'a'})"},
    "pydantic.BaseModel.parse_raw": {
        "pydantic.ValidationError": "Point.parse_raw('{\"x\": \"a\"}')"},
    "pydantic.BaseModel.from_orm": {"pydantic.ValidationError": "OrmPoint.from_orm(object())"},
    "sqlalchemy.ext.asyncio.create_async_engine": {
        "sqlalchemy.exc.SQLAlchemyError": "from sqlalchemy.ext.asyncio import create_async_engine; create_async_engine('nope://')",
        "ImportError": "from sqlalchemy.ext.asyncio import create_async_engine; create_async_engine('mysql+aiomysql://x')"},
    **{name: {"sqlalchemy.exc.SQLAlchemyError": "run(async_sql('select nope'))",
              "OSError": "run(async_connect(closed_port))"}
       for name in ("sqlalchemy.ext.asyncio.AsyncEngine",
                    "sqlalchemy.ext.asyncio.engine.AsyncEngine",
                    "sqlalchemy.ext.asyncio.AsyncConnection",
                    "sqlalchemy.ext.asyncio.engine.AsyncConnection")},
    "sqlalchemy.ext.asyncio.AsyncSession": {
        "sqlalchemy.exc.SQLAlchemyError": "run(async_session_sql('select nope'))",
        "OSError": "run(async_connect(closed_port, session=True))"},
    **{name: {"TypeError": "sa.text(None)"} for name in ("sqlalchemy.text", "sqlalchemy.sql.text")},
    **{name: {"starlette.websockets.WebSocketDisconnect": "run(websocket_receive('disconnect'))",
              "RuntimeError": "run(websocket_receive('before accept'))",
              "ValueError": "run(websocket_receive('bad json'))",
              "TypeError": "run(websocket_receive('unserializable'))"}
       for name in ("starlette.websockets.WebSocket", "fastapi.WebSocket")},
    **{name: {"OSError": "import websockets; run(websockets_open("
                         "websockets.connect(f'ws://127.0.0.1:{closed_port}/')))",
              "TimeoutError": "import websockets; run(websockets_open(websockets.connect("
                              "f'ws://127.0.0.1:{silent_port}/', open_timeout=0.3)))",
              "websockets.exceptions.WebSocketException":
                  "import websockets; run(websockets_open(websockets.connect('nope://x')))"}
       for name in ("websockets.connect", "websockets.asyncio.client.connect")},
    "websockets.asyncio.client.ClientConnection": {
        "websockets.exceptions.WebSocketException": "run(websocket_client('closed'))",
        "TypeError": "run(websocket_client('send none'))"},
    **{
        name: {
            "websocket.WebSocketException": "import websocket; websocket.create_connection("
                                            "http_url.replace('http', 'ws'), timeout=5)",
            "OSError": "import websocket; websocket.create_connection("
                       "f'ws://127.0.0.1:{closed_port}/', timeout=5)",
            "ValueError": "import websocket; websocket.create_connection('nope://x')"}
        for name in ("websocket.create_connection", "websocket._core.create_connection")},
    **{name: {"websocket.WebSocketException": "import websocket; websocket.WebSocket().send('x')",
              "OSError": "import websocket; websocket.WebSocket().connect(f'ws://127.0.0.1:{closed_port}/')"}
       for name in ("websocket.WebSocket", "websocket._core.WebSocket")},
    "celery.app.task.Task": {
        "kombu.exceptions.OperationalError": "celery_task(closed_port).delay()"},
    "celery.result.AsyncResult": {
        "celery.exceptions.TimeoutError": "celery_result().get(timeout=0.1)"},
    "pyln.client.LightningRpc": {"pyln.client.RpcError": "pyln_rpc(True, short_folder).getinfo()",
                                 "OSError": "import pyln.client; "
                                            "pyln.client.LightningRpc(missing).getinfo()",
                                 "ValueError": "pyln_rpc(False, short_folder).getinfo()"},
    **{name: {"ValueError": "from loguru import logger; logger.level('x', no=-1)",
              "TypeError": "from loguru import logger; logger.add(None)"}
       for name in ("loguru.Logger", "loguru._logger.Logger")},
    **{f"{owner}.{level}": {
        "ValueError": f"loguru_everything(lambda logger: logger.{level}('{{', 1))",
        "TypeError": f"loguru_everything(lambda logger: logger.{level}('{{:d}}', object()))"}
       for owner in ("loguru.logger", "loguru.Logger", "loguru._logger.Logger")
       for level in ("trace", "debug", "info", "success", "warning", "error", "critical",
                     "exception")},
    **{f"{owner}.log": {
        "ValueError": "from loguru import logger; logger.log('NOPE', 'x')",
        "TypeError": "from loguru import logger; logger.log(None, 'x')"}
       for owner in ("loguru.logger", "loguru.Logger", "loguru._logger.Logger")},
    **{f"{owner}.opt": {"TypeError": "from loguru import logger; logger.opt(nope=1)"}
       for owner in ("loguru.logger", "loguru.Logger", "loguru._logger.Logger")},
    **{f"{owner}.bind": {"TypeError": "from loguru import logger; logger.bind(**{1: 2})"}
       for owner in ("loguru.logger", "loguru.Logger", "loguru._logger.Logger")},
    "wasmtime": {
        "wasmtime.WasmtimeError": "import wasmtime; wasmtime.Module(wasmtime.Engine(), b'nope')",
        "wasmtime.Trap": "wasm_trap()"},
})

NEEDS_SERVER = {
    **{(name, "psycopg.Error"): "needs a PostgreSQL server"
       for name in ("psycopg.Connection", "psycopg.AsyncConnection", "psycopg.Cursor",
                    "psycopg.AsyncCursor")},
    **{(name, "psycopg2.Error"): "needs a PostgreSQL server"
       for name in ("psycopg2.extensions.connection", "psycopg2.extensions.cursor",
                    "psycopg2.extensions.cursor.execute")},
    **{(name, raised): "needs a PostgreSQL server"
       for name in ("asyncpg.connect", "asyncpg.create_pool", "asyncpg.Connection", "asyncpg.Pool")
       for raised in ("asyncpg.PostgresError", "asyncpg.InterfaceError")
       if (name, raised) not in {("asyncpg.connect", "asyncpg.InterfaceError"),
                                 ("asyncpg.create_pool", "asyncpg.InterfaceError")}},
    ("django.db.transaction.atomic", "django.db.DatabaseError"):
        "a COMMIT failing when the block exits; sqlite in memory does not fail it",
    **{(name, "cryptography.exceptions.UnsupportedAlgorithm"):
       "documented; needs a key of an algorithm this OpenSSL build lacks"
       for name in ("cryptography.hazmat.primitives.serialization.load_pem_private_key",
                    "cryptography.hazmat.primitives.serialization.load_pem_public_key",
                    "cryptography.hazmat.primitives.serialization.load_der_private_key")},
    **{(f"{owner}.{method}", raised): "loguru < 0.8 (lnbits' 0.7.3) raises str.format's own "
       "KeyError/IndexError/AttributeError; 0.8 wraps them in ValueError"
       for owner in ("loguru.logger", "loguru.Logger", "loguru._logger.Logger")
       for method in ("trace", "debug", "info", "success", "warning", "error", "critical",
                      "exception", "log")
       for raised in ("LookupError", "AttributeError")},
    **{("breez_sdk.BlockingBreezServices", raised): "needs a Greenlight node"
       for raised in ("breez_sdk.SdkError", "breez_sdk.SendPaymentError",
                      "breez_sdk.ReceivePaymentError")},
    **{("breez_sdk_liquid.BindingLiquidSdk", raised): "needs a Liquid wallet and its servers"
       for raised in ("breez_sdk_liquid.SdkError", "breez_sdk_liquid.PaymentError")},
}


# What hostile input adds to library entries (tests/test_kb_hostile.py found each; one real case
# of each here): deep nesting, huge integers, streams that are gone or closed.
_DEEP_JSON = "b'[' * 100_000 + b']' * 100_000"
_DEEP_YAML = "'[' * 100_000 + ']' * 100_000"
TRIGGERS["httpx.Response.json"]["RecursionError"] = (
    f"httpx.Response(200, content={_DEEP_JSON}).json()")
TRIGGERS["requests.Response.json"].update({
    "ValueError": "r = requests.models.Response(); r._content = b'9' * 5000; "
                  "r.encoding = 'utf-8'; r.json()",
    "RecursionError": f"r = requests.models.Response(); r._content = {_DEEP_JSON}; "
                      "r.encoding = 'utf-8'; r.json()",
})
# the charset is the server's: codecs that are not text encodings, or refuse 'replace'
TRIGGERS["httpx.Response.text"] = {
    "AssertionError": "httpx.Response(200, headers={'content-type': 'text/plain; charset=hex'}, "
                      "content=b'x').text",
    "TypeError": "httpx.Response(200, headers={'content-type': 'text/plain; charset=rot13'}, "
                 "content=b'x').text",
    "ValueError": "httpx.Response(200, headers={'content-type': 'text/plain; charset=idna'}, "
                  "content=b'\\xff').text",
}
TRIGGERS["requests.Response.text"] = {
    "ValueError": "r = requests.models.Response(); r._content = b'\\xff'; r.encoding = 'idna'; "
                  "r.text",
    # the connection drops in the middle of a streamed body: ChunkedEncodingError
    "requests.RequestException": (
        "r = requests.models.Response(); r.encoding = 'utf-8'; "
        "r.raw = type('Raw', (), {'stream': lambda self, *a, **k: (_ for _ in ()).throw("
        "__import__('urllib3').exceptions.ProtocolError('cut'))})(); r.text"),
}
for _name in ("echo", "secho"):
    TRIGGERS[f"click.{_name}"] = {
        "OSError": f"import click; click.{_name}('x', file=open('/dev/full', 'w', buffering=1))",
        "ValueError": f"import click, io; s = io.StringIO(); s.close(); click.{_name}('x', file=s)",
    }
TRIGGERS["yaml.safe_load"].update({
    "ValueError": "yaml.safe_load('9' * 5000)",
    "RecursionError": f"yaml.safe_load({_DEEP_YAML})",
})
TRIGGERS["yaml.safe_dump"].update({
    "ValueError": "yaml.safe_dump(10 ** 5000)",
    "RecursionError": "v = []\nfor _ in range(100_000):\n    v = [v]\nyaml.safe_dump(v)",
})

def _pairs() -> list[tuple[str, str]]:
    """(entry, class) for every class an entry's ``raises`` lists.  The classes of
    ``wrong_types`` and ``arguments`` (what hostile or wrong-typed values add) are held by
    tests/test_kb_hostile.py, which calls every closed entry with such values and fails on any
    class the entry does not list; a class listed there but never raised costs precision, not
    safety."""
    pairs: list[tuple[str, str]] = []
    for spec in [*CALLABLES, *CLASSES, *PACKAGES]:
        pairs += [(spec.name, raised) for raised in dict.fromkeys(spec.raises)]
    return pairs


def _listed() -> set[tuple[str, str]]:
    """(entry, class) for every class an entry lists anywhere, ``wrong_types`` and
    ``arguments`` included: a trigger for any of them is not stale."""
    return {(spec.name, raised) for spec in [*CALLABLES, *CLASSES, *PACKAGES]
            for raised in [*spec.raises, *getattr(spec, "wrong_types", ()),
                           *(c for cs in getattr(spec, "arguments", {}).values() for c in cs)]}


def test_every_library_entry_has_a_trigger_or_a_reason() -> None:
    missing = [pair for pair in _pairs()
               if pair not in NEEDS_SERVER and pair[1] not in TRIGGERS.get(pair[0], {})]
    assert missing == []
    listed = _listed()
    stale = [(e, x) for e, found in TRIGGERS.items() for x in found if (e, x) not in listed]
    assert stale + [pair for pair in NEEDS_SERVER if pair not in listed] == []


class _Handler(BaseHTTPRequestHandler):
    """404 with a body that is not JSON; /latin serves bytes that do not decode as UTF-8."""

    def do_GET(self) -> None:
        latin = self.path == "/latin"
        body = b"\xff\xfe" if latin else b"{"
        self.send_response(200 if latin else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _listening_socket() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    return server


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Any]]:
    """A local HTTP server, a port that accepts and never answers, and one that sends
    response headers and then stalls."""
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    silent, stall = _listening_socket(), _listening_socket()
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept(server: socket.socket, answer: bytes) -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)
            if answer:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(answer)
                except OSError:
                    pass

    headers_then_stall = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    threads = [
        threading.Thread(target=http.serve_forever, daemon=True),
        threading.Thread(target=accept, args=(silent, b""), daemon=True),
        threading.Thread(target=accept, args=(stall, headers_then_stall), daemon=True),
    ]
    for thread in threads:
        thread.start()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    yield {
        "http_url": f"http://127.0.0.1:{http.server_address[1]}/",
        "silent_port": silent.getsockname()[1],
        "stall_url": f"http://127.0.0.1:{stall.getsockname()[1]}/",
        "closed_port": closed_port,
    }
    stop.set()
    http.shutdown()
    for thread in threads:
        thread.join()
    for sock in [silent, stall, *held]:
        sock.close()
    http.server_close()


def _run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


def _namespace(library: str, servers: dict[str, Any], tmp: str) -> dict[str, Any]:
    """What the snippets of one library need, besides the library itself."""
    ns: dict[str, Any] = {**servers, "run": _run, "missing": f"{tmp}/missing"}
    ns.update({name: value for name, value in vars(kb_stack).items()
               if callable(value) and not name.startswith("_")})
    if library == "aiohttp":
        import aiohttp

        async def aiohttp_get(url: str, method: str = "GET", read: str = "",
                              timeout: Any = None, **read_args: Any) -> Any:
            timeout = timeout or aiohttp.ClientTimeout(total=5, sock_read=0.3)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(method, url) as response,
            ):
                if read == "raise_for_status":
                    return response.raise_for_status()
                return await getattr(response, read)(**read_args) if read else response

        ns.update(aiohttp=aiohttp, aiohttp_get=aiohttp_get)
    elif library in ("sqlalchemy",):
        import sqlalchemy as sa
        from sqlalchemy import orm

        class Base(orm.DeclarativeBase):
            pass

        class Row(Base):
            __tablename__ = "row"
            id = sa.Column(sa.Integer, primary_key=True)
            name = sa.Column(sa.String, unique=True)

        engine = sa.create_engine("sqlite://")
        Base.metadata.create_all(engine)
        ns.update(sa=sa, engine=engine, session=orm.Session(engine), Row=Row)
    elif library == "asyncpg":
        import asyncpg

        async def asyncpg_pool(acquire: bool = False, **kwargs: Any) -> Any:
            pool = await asyncpg.create_pool(**kwargs)
            if acquire:
                await pool.acquire()
            return pool

        ns.update(asyncpg=asyncpg, asyncpg_pool=asyncpg_pool)
    elif library == "pydantic":
        import pydantic

        class OrmPoint(pydantic.BaseModel):
            model_config = pydantic.ConfigDict(from_attributes=True)
            x: int

        ns.update(Point=type(_pydantic_model()), OrmPoint=OrmPoint)
    elif library == "cryptography":
        ns.update(kb_stack.private_keys())
    elif library == "pyln":
        import tempfile

        ns.update(short_folder=tempfile.mkdtemp(prefix="pyln-"))  # AF_UNIX paths are short
    elif library in ("boto3", "botocore"):
        import boto3
        import botocore.config
        from botocore.stub import Stubber

        def s3_client(port: int | None = None) -> Any:
            return boto3.client(
                "s3", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b",
                endpoint_url=f"http://127.0.0.1:{port}" if port else None,
                config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=2),
            )

        def stubbed_s3(operation: str = "get_object", code: str = "NoSuchKey") -> Any:
            client = s3_client()
            stubber = Stubber(client)
            stubber.add_client_error(operation, code)
            stubber.activate()
            return client

        ns.update(boto3=boto3, s3_client=s3_client, stubbed_s3=stubbed_s3)
    elif library == "stripe":
        import hashlib
        import hmac

        import stripe

        def stripe_signature(payload: str, secret: str) -> str:
            stamp = int(time.time())
            digest = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256)
            return f"t={stamp},v1={digest.hexdigest()}"

        ns.update(stripe=stripe, stripe_signature=stripe_signature)
    elif library == "django":
        from django.core import signing
        from django.core.validators import validate_email
        from django.shortcuts import get_object_or_404
        from django.utils.dateparse import parse_date, parse_datetime
        from django.utils.module_loading import import_string

        ns.update(django_models(), signing=signing, validate_email=validate_email,
                  get_object_or_404=get_object_or_404, parse_date=parse_date,
                  parse_datetime=parse_datetime, import_string=import_string)
    elif library in ("starlette", "fastapi"):
        ns.update(request=_starlette_request)
    elif library == "click":
        import click
        import click.testing

        ns.update(click=click)
    elif library == "redis":
        import redis
        import redis.asyncio
        from redis.backoff import NoBackoff

        def closed_redis(asynchronous: bool = False) -> Any:
            # No retries: redis-py retries a failed connection with backoff by default.
            if asynchronous:
                from redis.asyncio.retry import Retry as AsyncRetry

                return redis.asyncio.Redis(port=servers["closed_port"],
                                           retry=AsyncRetry(NoBackoff(), 0))
            from redis.retry import Retry

            return redis.Redis(port=servers["closed_port"], retry=Retry(NoBackoff(), 0))

        ns.update(redis=redis, closed_redis=closed_redis)
    return ns


@pytest.mark.parametrize(
    ("entry", "raised"),
    # every class an entry's raises lists, and every class of its wrong_types and arguments
    # that has a trigger (those without one are held by tests/test_kb_hostile.py)
    [_param(entry, entry, raised) for entry, raised in dict.fromkeys(
        [*_pairs(), *sorted(pair for pair in _listed() if pair[1] in TRIGGERS.get(pair[0], {}))])],
)
def test_trigger_raises_what_the_entry_lists(
    servers: dict[str, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch, entry: str, raised: str
) -> None:
    if (entry, raised) in NEEDS_SERVER:
        pytest.skip(NEEDS_SERVER[entry, raised])
    library = entry.split(".")[0]
    namespace = _namespace(library, servers, str(tmp_path))
    namespace.setdefault(library, importlib.import_module(library))
    if library == "stripe":
        # Module-level API calls go to a closed local port, never to Stripe.
        monkeypatch.setattr(namespace["stripe"], "api_base", f"http://127.0.0.1:{servers['closed_port']}")
        monkeypatch.setattr(namespace["stripe"], "max_network_retries", 0)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(resolve(raised)):
        exec(TRIGGERS[entry][raised], namespace)  # noqa: S102 - our own snippets
