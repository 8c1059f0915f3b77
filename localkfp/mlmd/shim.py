"""ML Metadata's gRPC service, and gRPC-Web for the KFP UI, without MLMD's C++ server.

KFP's driver and launcher dial `ml_metadata.MetadataStoreService` over gRPC; the KFP UI reads
it through gRPC-Web (upstream puts Envoy in front of the C++ server). The `ml-metadata` wheel
exposes every MetadataStore method as serialized request -> serialized response
(`metadata_store_extension`), which is all the C++ server does per RPC: so every RPC of the
service descriptor is served here by one generic pass-through (bytes in, bytes out), over one
store (SQLite file, or PostgreSQL) whose calls are serialized by a lock. The three RPCs the
extension lacks are composed from the others or refused (see COMPOSED and UNSERVED).

Runs in its own virtualenv (ml-metadata 1.17 wants protobuf < 5): `make cluster-build-mlmd`,
then `localkfp/mlmd/serve.sh` (`--help` lists the flags; each has an MLMD_* env default).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from concurrent import futures
from pathlib import Path
from urllib.parse import unquote, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import grpc
from ml_metadata.metadata_store.pywrap.metadata_store_extension import (
    metadata_store as extension,
)
from ml_metadata.proto import metadata_store_pb2 as store_pb2
from ml_metadata.proto import metadata_store_service_pb2 as service_pb2
from sonora.wsgi import grpcWSGI

SERVICE = service_pb2.DESCRIPTOR.services_by_name["MetadataStoreService"]
# In the service but not in the wheel's extension: served as a loop over the singular RPC
COMPOSED = {
    "GetParentContextsByContexts": ("GetParentContextsByContext", "parent_contexts"),
    "GetChildrenContextsByContexts": ("GetChildrenContextsByContext", "children_contexts"),
}
# In the service, not in the extension, and not composable: answered UNIMPLEMENTED
UNSERVED = {"GetLineageGraph": "use GetLineageSubgraph (the extension has no GetLineageGraph)"}

_CODES = {code.value[0]: code for code in grpc.StatusCode}
log = logging.getLogger("mlmd-shim")


def connection_config(db: str) -> store_pb2.ConnectionConfig:
    """`sqlite:///abs/path.db` (or a plain path) or `postgresql://user:pw@host:port/dbname`."""
    config = store_pb2.ConnectionConfig()
    url = urlsplit(db)
    if url.scheme in ("postgresql", "postgres"):
        pg = config.postgresql
        pg.host = url.hostname or "127.0.0.1"
        pg.port = str(url.port or 5432)
        pg.user = unquote(url.username or "")
        if url.password:
            pg.password = unquote(url.password)
        pg.dbname = url.path.lstrip("/") or "metadb"
        return config
    if url.scheme not in ("", "sqlite"):
        raise ValueError(f"unsupported --db {db!r}: sqlite:///<path>, a path, or postgresql://...")
    path = Path(url.path if url.scheme else db)
    path.parent.mkdir(parents=True, exist_ok=True)
    config.sqlite.filename_uri = str(path)
    config.sqlite.connection_mode = store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return config


class Store:
    """One MetadataStore connection; every call goes through it, one at a time."""

    def __init__(self, config: store_pb2.ConnectionConfig):
        migration = store_pb2.MigrationOptions(enable_upgrade_migration=True)
        self._store = extension.CreateMetadataStore(
            config.SerializeToString(), migration.SerializeToString())
        self._lock = threading.Lock()

    def call(self, method: str, request: bytes) -> tuple[bytes, int, str]:
        with self._lock:
            response, error, status = getattr(extension, method)(self._store, request)
        return response, status, error.decode("utf-8", "replace") if status else ""


def _unary(store: Store, method) -> grpc.RpcMethodHandler:
    name = method.name

    if name in UNSERVED:
        def handler(request: bytes, context):
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{name}: {UNSERVED[name]}")
    elif name in COMPOSED:
        single, field = COMPOSED[name]
        request_cls = getattr(service_pb2, method.input_type.name)
        response_cls = getattr(service_pb2, method.output_type.name)
        single_request_cls = getattr(service_pb2, f"{single}Request")
        single_response_cls = getattr(service_pb2, f"{single}Response")

        def handler(request: bytes, context):
            parsed = request_cls.FromString(request)
            out = response_cls()
            for context_id in parsed.context_ids:
                one = single_request_cls(context_id=context_id)
                data, status, error = store.call(single, one.SerializeToString())
                if status:
                    context.abort(_CODES.get(status, grpc.StatusCode.UNKNOWN), error)
                found = single_response_cls.FromString(data).contexts
                if found:
                    getattr(out.contexts[context_id], field).extend(found)
            return _Message(out.SerializeToString())
    else:
        def handler(request: bytes, context):
            data, status, error = store.call(name, request)
            if status:
                code = _CODES.get(status, grpc.StatusCode.UNKNOWN)
                # NOT_FOUND is routine (KFP asks for a type before creating it)
                log.log(logging.DEBUG if code == grpc.StatusCode.NOT_FOUND else logging.INFO,
                        "%s -> %s: %s", name, code.name, error)
                context.abort(code, error)
            return _Message(data)
    # bytes in, bytes out (sonora calls the (de)serializers unconditionally)
    return grpc.unary_unary_rpc_method_handler(
        handler, request_deserializer=_same, response_serializer=bytes)


def _same(data: bytes) -> bytes:
    return data


class _Message(bytes):
    """A serialized response, true even when empty: sonora sends no message frame for a
    false response, and the grpc-web JS client fails a unary call that has none
    ("Incomplete response"); an empty message (no types yet, PutParentContexts) is valid."""

    def __bool__(self) -> bool:
        return True


def generic_handler(store: Store) -> grpc.GenericRpcHandler:
    """Every RPC of the service descriptor, none written by hand."""
    handlers = {}
    for method in SERVICE.methods:
        if method.client_streaming or method.server_streaming:
            raise RuntimeError(f"{method.name} streams: the shim serves unary RPCs only")
        if method.name not in COMPOSED and method.name not in UNSERVED:
            if not hasattr(extension, method.name):
                raise RuntimeError(f"{method.name} is in the service but not the extension")
        handlers[method.name] = _unary(store, method)
    return grpc.method_handlers_generic_handler(SERVICE.full_name, handlers)


def served_methods() -> dict[str, str]:
    """RPC name -> how it is served (pass-through, composed, unimplemented)."""
    return {m.name: ("unimplemented" if m.name in UNSERVED else
                     "composed" if m.name in COMPOSED else "pass-through")
            for m in SERVICE.methods}


def grpc_web_app(handler: grpc.GenericRpcHandler):
    """gRPC-Web (`application/grpc-web+proto` and `-text`) as a WSGI app, CORS answered.

    sonora answers with the request's first `Accept` type; browsers send `*/*`, which the
    grpc-web JS client refuses ("Unknown Content-type"): answer in the request's own format.
    sonora's `Access-Control-Allow-Origin` is the Host header (not an origin): answer the
    request's Origin, as upstream's Envoy (allow any origin) does.
    """
    app = grpcWSGI(None, enable_cors=True)
    app.add_generic_rpc_handlers((handler,))

    def wrapped(environ, start_response):
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type.startswith("application/grpc-web"):
            if not environ.get("HTTP_ACCEPT", "").startswith("application/grpc-web"):
                text = content_type.startswith("application/grpc-web-text")
                environ["HTTP_ACCEPT"] = ("application/grpc-web-text" if text
                                          else "application/grpc-web+proto")
        origin = environ.get("HTTP_ORIGIN", "*")

        def start(status, headers, exc_info=None):
            headers = [(k, origin if k.lower() == "access-control-allow-origin" else v)
                       for k, v in headers]
            return start_response(status, headers, exc_info)
        return app(environ, start)
    return wrapped


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # the UI opens several calls at once (the stdlib default is 5)


class _ThreadingWSGIServer6(_ThreadingWSGIServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        log.debug("grpc-web %s %s", self.address_string(), format % args)


def open_store(db: str, wait: float) -> Store:
    """The store; a database that refuses connections is retried for `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return Store(connection_config(db))
        except RuntimeError as e:  # the extension's error: the database is not up (yet)
            if time.monotonic() >= deadline:
                raise SystemExit(f"mlmd-shim: cannot open the store {_redacted(db)}: {e}") from e
            log.info("store %s not ready (%s); retrying", _redacted(db), e)
            time.sleep(1)


def serve(host: str, grpc_port: int, web_port: int, db: str, workers: int = 16,
          wait: float = 0):
    store = open_store(db, wait)
    handler = generic_handler(store)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers),
                         options=[("grpc.max_receive_message_length", 100 * 1024 * 1024),
                                  ("grpc.max_send_message_length", 100 * 1024 * 1024)])
    server.add_generic_rpc_handlers((handler,))
    address = f"[{host}]" if ":" in host else host  # an IPv6 literal in brackets
    try:
        bound = server.add_insecure_port(f"{address}:{grpc_port}")
    except RuntimeError as e:
        raise SystemExit(f"mlmd-shim: cannot bind gRPC to {address}:{grpc_port}: {e}") from e
    server.start()
    web = None
    if web_port >= 0:
        server_class = _ThreadingWSGIServer6 if ":" in host else _ThreadingWSGIServer
        try:
            web = make_server(host, web_port, grpc_web_app(handler),
                              server_class=server_class, handler_class=_QuietHandler)
        except OSError as e:
            server.stop(grace=None)
            raise SystemExit(f"mlmd-shim: cannot bind gRPC-Web to {address}:{web_port}: {e}") from e
        threading.Thread(target=web.serve_forever, name="grpc-web", daemon=True).start()
    return server, bound, web


def _redacted(db: str) -> str:
    url = urlsplit(db)
    if url.password:
        return db.replace(f":{url.password}@", ":***@", 1)
    return db


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    state = env("LOCALKFP_STATE", "/var/lib/localkfp")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default=env("MLMD_HOST", "127.0.0.1"),
                   help="address to bind both ports to (MLMD_HOST; default 127.0.0.1)")
    p.add_argument("--grpc-port", type=int, default=int(env("MLMD_GRPC_PORT", "8080")),
                   help="gRPC port, KFP's metadata-grpc-service (MLMD_GRPC_PORT; 8080; 0 = any)")
    p.add_argument("--grpc-web-port", type=int, default=int(env("MLMD_GRPC_WEB_PORT", "9090")),
                   help="gRPC-Web port for the UI's METADATA_ENVOY_SERVICE_SERVICE_PORT "
                        "(MLMD_GRPC_WEB_PORT; 9090; 0 = any; -1 = none)")
    p.add_argument("--db", default=env("MLMD_DB", f"{state}/mlmd/metadata.sqlite"),
                   help="SQLite file or postgresql://user:pw@host:port/db "
                        "(MLMD_DB; default $LOCALKFP_STATE/mlmd/metadata.sqlite)")
    p.add_argument("--wait-db", type=float, default=float(env("MLMD_WAIT_DB", "30")),
                   help="seconds to retry a database that refuses connections (MLMD_WAIT_DB; 30)")
    p.add_argument("--ready-file", default=env("MLMD_READY_FILE", ""),
                   help="once both ports serve, write 'host grpc_port grpc_web_port' here")
    p.add_argument("--list", action="store_true", help="print every RPC and how it is served")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s mlmd-shim %(levelname)s %(message)s")
    if args.list:
        for name, how in served_methods().items():
            print(f"{name}\t{how}")
        return 0
    t0 = time.monotonic()
    server, grpc_port, web = serve(args.host, args.grpc_port, args.grpc_web_port, args.db,
                                   wait=args.wait_db)
    web_port = web.server_address[1] if web else -1
    log.info("serving %d RPCs of %s: gRPC on %s:%d, gRPC-Web on %s:%s, store %s (%.2f s)",
             len(SERVICE.methods), SERVICE.full_name, args.host, grpc_port, args.host,
             web_port if web else "off", _redacted(args.db), time.monotonic() - t0)
    if args.ready_file:
        Path(args.ready_file).write_text(f"{args.host} {grpc_port} {web_port}\n")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    log.info("stopping")
    if web:
        web.shutdown()
    server.stop(grace=2).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
