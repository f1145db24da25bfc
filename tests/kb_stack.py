"""Helpers for the triggers of the FastAPI backend stack's contracts
(``tests/test_kb_libraries.py``): gRPC over a closed port, websockets against local servers,
SQLAlchemy's asyncio engine on aiosqlite and on a closed port, Starlette's WebSocket on
hand-fed ASGI messages, a Core Lightning RPC socket that answers badly, Celery with an
unreachable broker, a trapping WebAssembly module, checksum-valid but malformed bolt11
invoices.  All offline.
"""

from __future__ import annotations

import json
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


async def grpc_aio(make: Callable[[], Any], call: bool = False) -> Any:
    """Make a grpc.aio channel (or call) inside a running loop; await the call."""
    made = make()
    return await made if call else made


async def grpc_aio_stream(port: int) -> None:
    import grpc.aio

    call = grpc.aio.insecure_channel(f"127.0.0.1:{port}").unary_stream("/a/b")(b"", timeout=2)
    async for _ in call:
        pass


def bech32_invoice(hrp: str, data: list[int]) -> str:
    """An invoice whose bech32 checksum is right and whose fields are ``data`` (plus a
    zeroed signature): it gets past the checksum into the field parsing."""
    from bech32 import bech32_encode

    return str(bech32_encode(hrp, [*data, *[0] * 104]))


def breez_connect_request(breez_sdk: Any) -> Any:
    config = breez_sdk.default_config(
        breez_sdk.EnvironmentType.PRODUCTION, "",
        breez_sdk.NodeConfig.GREENLIGHT(breez_sdk.GreenlightNodeConfig(
            partner_credentials=None, invite_code=None)))
    config.working_dir = tempfile.mkdtemp()
    return breez_sdk.ConnectRequest(config=config, seed=list(b"\0" * 64))


def breez_listener(breez_sdk: Any) -> Any:
    class Listener(breez_sdk.EventListener):  # type: ignore[misc]
        def on_event(self, event: Any) -> None:
            return None

    return Listener()


def breez_liquid_request(sdk: Any) -> Any:
    config = sdk.default_config(sdk.LiquidNetwork.MAINNET, None)
    config.working_dir = tempfile.mkdtemp()
    return sdk.ConnectRequest(config=config, mnemonic="not a mnemonic")


async def websockets_open(connect: Any) -> None:
    async with connect:
        pass


def celery_task(port: int) -> Any:
    from celery import Celery

    app = Celery(broker=f"amqp://guest@127.0.0.1:{port}//")
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    app.conf.broker_transport_options = {"max_retries": 0}

    @app.task  # type: ignore[untyped-decorator]
    def noop() -> None:
        return None

    return noop


def celery_result() -> Any:
    from celery import Celery

    return Celery(backend="cache+memory://", broker="memory://").AsyncResult("nope")


def pyln_rpc(error: bool, folder: str) -> Any:
    """A LightningRpc on a Unix socket whose one answer is an error reply, or not JSON."""
    import pyln.client

    path = str(Path(folder) / "lightning-rpc")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        data = b""
        while not data.rstrip().endswith(b"}"):
            data += conn.recv(4096)
        if error:
            reply = {"jsonrpc": "2.0", "id": json.loads(data)["id"],
                     "error": {"code": -1, "message": "no"}}
            conn.sendall(json.dumps(reply).encode() + b"\n\n")
        else:
            conn.sendall(b"{nope}\n\n")
        conn.close()
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return pyln.client.LightningRpc(path)


async def async_sql(sql: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    async with create_async_engine("sqlite+aiosqlite://").connect() as conn:
        await conn.execute(sa.text(sql))


async def async_session_sql(sql: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    async with AsyncSession(create_async_engine("sqlite+aiosqlite://")) as session:
        await session.execute(sa.text(sql))


async def async_connect(port: int, session: bool = False) -> None:
    """Connect SQLAlchemy's asyncio engine (asyncpg) to a closed port."""
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    engine = create_async_engine(f"postgresql+asyncpg://u:p@127.0.0.1:{port}/d")
    if session:
        async with AsyncSession(engine) as running:
            await running.execute(sa.text("select 1"))
    async with engine.connect() as conn:
        await conn.execute(sa.text("select 1"))


async def websocket_receive(kind: str) -> None:
    """A Starlette WebSocket fed ASGI messages by hand."""
    from starlette.websockets import WebSocket

    messages = {
        "disconnect": [{"type": "websocket.connect"},
                       {"type": "websocket.disconnect", "code": 1000}],
        "before accept": [{"type": "websocket.connect"}],
        "bad json": [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "{"}],
        "unserializable": [{"type": "websocket.connect"}],
    }[kind]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        return None

    ws = WebSocket({"type": "websocket", "path": "/", "headers": []}, receive, send)
    if kind == "before accept":
        await ws.send_text("x")
        return
    await ws.accept()
    if kind == "disconnect":
        await ws.receive_text()
    elif kind == "bad json":
        await ws.receive_json()
    else:
        await ws.send_json({"a": object()})


async def websocket_client(kind: str) -> None:
    """A websockets client against a local server that closes at once."""
    import websockets
    from websockets.asyncio.server import serve

    async def handler(ws: Any) -> None:
        await ws.close()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
            if kind == "send none":
                await ws.send(None)
            await ws.recv()


def wasm_trap() -> None:
    import wasmtime

    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, '(module (func (export "f") unreachable))')
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, module, [])
    instance.exports(store)["f"](store)


def private_keys() -> dict[str, bytes]:
    """An EC private key as PEM and DER, unencrypted (loading it with a password is a
    TypeError)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    encoding, private = serialization.Encoding, serialization.PrivateFormat.PKCS8
    return {
        "pem_key": key.private_bytes(encoding.PEM, private, serialization.NoEncryption()),
        "der_key": key.private_bytes(encoding.DER, private, serialization.NoEncryption()),
    }


def loguru_everything(log: Callable[[Any], Any]) -> Any:
    """Log through loguru with a sink that takes every level (the default sink's DEBUG level
    would skip a trace() call before formatting it)."""
    from loguru import logger

    sink = logger.add(lambda message: None, level=0)
    try:
        return log(logger)
    finally:
        logger.remove(sink)
