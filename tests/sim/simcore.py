"""pbxsim core: listeners, TLS, request log, fault injection, control API and
the dialect plug-in interface.  Standard library only.

Dialect plug-in interface
-------------------------
A dialect imitates one PBX REST API.  It lives in ``dialect_<type>.py`` next
to this file, subclasses ``Dialect`` and registers itself with
``@register("<type>")``.  ``dialect_class(type)`` imports the module on first
use, so adding a backend type never needs an edit here.

The core creates one dialect object per ``--backend`` and calls it with the
backend's lock held, so a dialect needs no locking of its own:

    __init__(name, opts, rng, services)   opts: the NAME=TYPE,key=val options
                                           (raise ValueError for bad ones);
                                           rng: random.Random seeded from
                                           --seed and NAME; services: SimServices
    handle(req) -> Response                answer one request (see Request)
    error_response(status) -> Response     the dialect's own error for a status
                                           (used by the "status" fault)
    base_headers() -> [(name, value)]      headers of a normal reply (used for
                                           the "oversize" fault)
    tick(now)                              called ~every 250 ms (churn)
    dump() -> JSON-able                    GET /state
    reset()                                back to the seeded state (POST /reset)
    control(op, args) -> JSON-able         POST /state; raise ValueError for
                                           bad ops or arguments (-> HTTP 400)

A reply that must be slow (e.g. SARK's 3 s AMI reads) sets ``Response.delay``;
the core sleeps after releasing the lock, so other requests are not held up.
"""

import http.server
import importlib
import json
import os
import random
import re
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field

HANDSHAKE_TIMEOUT = 10.0      # seconds a client may take to finish the TLS handshake
IDLE_TIMEOUT = 300.0          # keep-alive connections idle this long are closed
MAX_REQUEST_BODY = 8 << 20    # larger request bodies are refused with 400
REQUEST_LOG_LIMIT = 20000     # oldest entries are dropped beyond this (long demos)
OVERSIZE_BYTES = 17 << 20     # one MiB past pbxtop's 16 MiB body cap
STREAM_CHUNK = 64 << 10
FAULT_KINDS = ("delay", "hang", "status", "malformed", "oversize", "drop", "close")

# Errors that only mean "the peer went away or spoke garbage"; never worth a traceback.
NETWORK_ERRORS = (ConnectionError, TimeoutError, ssl.SSLError, OSError)


# ---------------------------------------------------------------- plug-in API

@dataclass
class Request:
    """One request as a dialect sees it."""
    method: str
    path: str          # the path as sent (still percent-encoded), no query string
    raw_path: str      # the full request target, query string included
    query: dict        # decoded query parameters, first value of each
    headers: dict      # lower-cased header names -> values
    body: bytes
    backend: str       # the backend's NAME


@dataclass
class Response:
    """What a dialect answers; the core adds Content-Length itself."""
    status: int
    headers: list = field(default_factory=list)   # [(name, value)], in order
    body: bytes = b""
    delay: float = 0.0                            # seconds to wait before sending


@dataclass
class SimServices:
    """What the core offers to dialects."""
    seed: int
    churn: bool          # --churn was given: dialects start with churn on
    verbose: bool

    def log(self, msg):
        if self.verbose:
            sys.stderr.write("pbxsim: %s\n" % msg)


class Dialect:
    """Base class of every dialect; see the module comment for the contract."""
    type_name = ""

    def __init__(self, name, opts, rng, services):
        self.name = name
        self.rng = rng
        self.services = services
        self._seed_state = rng.getstate()

    def rewind_rng(self):
        """Put the rng back to its seeded state; reset() starts with this."""
        self.rng.setstate(self._seed_state)

    def handle(self, req):
        raise NotImplementedError

    def base_headers(self):
        return [("Content-Type", "application/json")]

    def error_response(self, status):
        body = json.dumps({"error": http_reason(status)}).encode()
        return Response(status, self.base_headers(), body)

    def tick(self, now):
        pass

    def dump(self):
        return {}

    def reset(self):
        raise NotImplementedError

    def control(self, op, args):
        raise ValueError("unknown op %r" % (op,))


DIALECTS = {}


def register(type_name):
    """Class decorator: make a Dialect subclass available as backend TYPE."""
    def deco(cls):
        cls.type_name = type_name
        DIALECTS[type_name] = cls
        return cls
    return deco


def dialect_class(type_name):
    """The registered class for TYPE, importing dialect_TYPE.py on first use."""
    if type_name not in DIALECTS and re.fullmatch(r"[a-z][a-z0-9_]*", type_name):
        module = "dialect_" + type_name
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:     # the module exists but is itself broken
                raise
    if type_name not in DIALECTS:
        raise ValueError("unknown backend type %r" % type_name)
    return DIALECTS[type_name]


def parse_options(opts, spec):
    """Check backend options against spec {key: (convert, default)}.

    Returns a dict with every key of spec; unknown keys or values the
    converter rejects raise ValueError naming the key."""
    unknown = sorted(set(opts) - set(spec))
    if unknown:
        raise ValueError("unknown option(s): %s" % ", ".join(unknown))
    out = {}
    for key, (convert, default) in spec.items():
        if key not in opts:
            out[key] = default
            continue
        try:
            out[key] = convert(opts[key])
        except ValueError:
            raise ValueError("bad value for option %s: %r" % (key, opts[key])) from None
    return out


def opt_bool(text):
    low = str(text).lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def opt_nonneg_int(text):
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def opt_pos_float(text):
    value = float(text)
    if not value > 0:
        raise ValueError(text)
    return value


def http_reason(status):
    return http.server.BaseHTTPRequestHandler.responses.get(status, ("",))[0]


# ------------------------------------------------------------ shared state

class Backend:
    """A dialect plus the lock that serialises every call into it."""

    def __init__(self, name, dialect, opts):
        self.name = name
        self.type = dialect.type_name
        self.dialect = dialect
        self.opts = opts
        self.lock = threading.Lock()
        self.port = None

    def call(self, method, *args):
        with self.lock:
            return getattr(self.dialect, method)(*args)


class RequestLog:
    """Every request any backend received, in arrival order."""

    def __init__(self, limit=REQUEST_LOG_LIMIT):
        self._lock = threading.Lock()
        self._entries = []
        self._seq = 0          # never reset, so "since" stays meaningful across clears
        self._limit = limit

    def record(self, req, fault):
        entry = {
            "backend": req.backend, "method": req.method, "path": req.path,
            "query": req.query, "headers": req.headers,
            "body": req.body.decode("utf-8", errors="replace"), "t": time.time(),
        }
        if fault is not None:
            entry["fault"] = fault.id
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
            del self._entries[:-self._limit]
        return entry["seq"]

    def select(self, backend=None, since=0):
        with self._lock:
            return [e for e in self._entries
                    if e["seq"] > since and (backend is None or e["backend"] == backend)]

    def clear(self):
        with self._lock:
            self._entries = []


@dataclass
class Fault:
    id: int
    kind: str
    backend: str = None         # None: every backend
    path: str = None            # regex, re.search against the request path
    method: str = None
    ms: int = 0
    status: int = 500
    body: str = None
    count: int = None           # requests left to affect; None: until cleared
    chunked: bool = False
    reset: bool = False         # drop: send a TCP RST instead of a plain close
    bytes: int = OVERSIZE_BYTES

    def matches(self, backend, req):
        return ((self.backend is None or self.backend == backend)
                and (self.method is None or self.method == req.method)
                and (self.path is None or re.search(self.path, req.path) is not None))

    def describe(self):
        return {k: v for k, v in self.__dict__.items() if v is not None}


class FaultTable:
    """Active faults in the order they were added, plus requests they hold."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self._next_id = 1
        self._held = []            # [(backend, threading.Event)] of hung requests

    def add(self, fault_args):
        with self._lock:
            fault = Fault(id=self._next_id, **fault_args)
            self._next_id += 1
            self._faults.append(fault)
            return fault.id

    def match(self, backend, req):
        """The first fault that applies to req, consuming one of its count."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(backend, req):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def hold(self, backend):
        """Block the calling request thread until its backend's faults are cleared."""
        released = threading.Event()
        with self._lock:
            self._held.append((backend, released))
        released.wait()

    def clear(self, backend=None):
        with self._lock:
            self._faults = [f for f in self._faults
                            if backend is not None and f.backend != backend]
            keep = []
            for owner, released in self._held:
                if backend is None or owner == backend:
                    released.set()
                else:
                    keep.append((owner, released))
            self._held = keep

    def listing(self):
        with self._lock:
            return [f.describe() for f in self._faults]


def validate_fault(body, backends):
    """Turn a POST /fault body into Fault keyword arguments or raise ValueError."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    known = {"backend", "kind", "path", "method", "ms", "status", "body", "count",
             "chunked", "reset", "bytes"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise ValueError("unknown field(s): %s" % ", ".join(unknown))
    kind = body.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError("kind must be one of %s" % ", ".join(FAULT_KINDS))
    args = {"kind": kind}
    backend = body.get("backend")
    if backend is not None:
        if backend not in backends:
            raise ValueError("unknown backend %r" % (backend,))
        args["backend"] = backend
    if body.get("path") is not None:
        try:
            re.compile(body["path"])
        except (re.error, TypeError) as exc:
            raise ValueError("bad path regex: %s" % exc) from None
        args["path"] = body["path"]
    if body.get("method") is not None:
        args["method"] = _want(body, "method", str).upper()
    _copy_numbers(body, args, kind)
    for key in ("chunked", "reset"):
        if key in body:
            args[key] = _want(body, key, bool)
    if body.get("body") is not None:
        args["body"] = _want(body, "body", str)
    return args


def _copy_numbers(body, args, kind):
    if "ms" in body:
        args["ms"] = _want_int(body, "ms", 0, 3600 * 1000)
    elif kind == "delay":
        raise ValueError("delay needs ms")
    if "status" in body:
        args["status"] = _want_int(body, "status", 100, 599)
    elif kind == "status":
        raise ValueError("status needs status")
    if body.get("count") is not None:
        args["count"] = _want_int(body, "count", 1, 1 << 31)
    if "bytes" in body:
        args["bytes"] = _want_int(body, "bytes", 1, 1 << 32)


def _want(body, key, typ):
    value = body[key]
    if not isinstance(value, typ):
        raise ValueError("%s must be a %s" % (key, typ.__name__))
    return value


def _want_int(body, key, low, high):
    value = body[key]
    # bool is an int subclass in Python; a JSON true is not a number here.
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError("%s must be an integer in %d..%d" % (key, low, high))
    return value


# ---------------------------------------------------------------- listeners

class _Server(http.server.ThreadingHTTPServer):
    """Loopback listener on port 0; TLS is negotiated in the connection's own
    thread so a client that stalls or rejects the cert never blocks accept()."""
    daemon_threads = True

    def __init__(self, handler, sim, backend=None, tls_ctx=None):
        self.sim = sim
        self.backend = backend
        self.tls_ctx = tls_ctx
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup we neither need nor want.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        if self.backend is not None:
            self.sim.count_connection(self.backend.name)
        conn = request
        if self.tls_ctx is not None:
            conn = self._tls_accept(request)
            if conn is None:
                return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            if conn is not request:
                close_quietly(conn)

    def _tls_accept(self, raw):
        raw.settimeout(HANDSHAKE_TIMEOUT)
        try:
            return self.tls_ctx.wrap_socket(raw, server_side=True)
        except NETWORK_ERRORS as exc:
            self.sim.services.log("TLS handshake failed: %s" % exc)
            return None

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, NETWORK_ERRORS):
            self.sim.services.log("connection error: %s" % exc)
        else:
            traceback.print_exc()


def close_quietly(sock):
    try:
        sock.close()
    except OSError:
        pass


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT

    def log_message(self, fmt, *args):
        self.server.sim.services.log("%s %s" % (self.address_string(), fmt % args))

    def read_body(self):
        """The request body; ValueError if its framing is bad or it is too big."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        size = int(length)
        if not 0 <= size <= MAX_REQUEST_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(size)

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline(100).split(b";")[0].strip(), 16)
            total += size
            if size < 0 or total > MAX_REQUEST_BODY:
                raise ValueError("chunked body too big")
            if size == 0:
                while self.rfile.readline(1000).strip():   # trailers
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(10)

    def send_head(self, status, headers, length=None, close=False):
        self.log_request(status, "-" if length is None else length)
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()

    def send_whole(self, resp, close=False):
        """Send a complete Response; a client that has gone away is not an error."""
        try:
            self.send_head(resp.status, resp.headers, len(resp.body), close)
            if self.command != "HEAD" and resp.body:
                self.wfile.write(resp.body)
        except NETWORK_ERRORS:
            self.close_connection = True


class _BackendHandler(_QuietHandler):
    """Serves one backend: log the request, apply a fault or ask the dialect."""

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def _serve(self):
        sim, backend = self.server.sim, self.server.backend
        try:
            body = self.read_body()
        except ValueError:
            self.send_whole(Response(400), close=True)
            return
        req = self._make_request(body, backend.name)
        fault = sim.faults.match(backend.name, req)
        sim.log.record(req, fault)
        if fault is None:
            self._answer(req)
        else:
            getattr(self, "_fault_" + fault.kind)(fault, req)

    def _make_request(self, body, backend_name):
        split = urllib.parse.urlsplit(self.path)
        query = {}
        for key, value in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(key, value)
        headers = {}
        for name, value in self.headers.items():
            name = name.lower()
            headers[name] = headers[name] + ", " + value if name in headers else value
        return Request(self.command, split.path, self.path, query, headers, body,
                       backend_name)

    def _dialect_response(self, req):
        try:
            return self.server.backend.call("handle", req)
        except Exception:            # a simulator bug: show it, answer 500
            traceback.print_exc()
            return Response(500)

    def _answer(self, req):
        resp = self._dialect_response(req)
        if resp.delay > 0:
            time.sleep(resp.delay)
        self.send_whole(resp)

    def _fault_close(self, fault, req):
        """A normal answer, then the connection is closed: the client's next request needs a
        new one (what make bench counts TLS handshakes with)."""
        self.send_whole(self._dialect_response(req), close=True)

    def _fault_delay(self, fault, req):
        time.sleep(fault.ms / 1000.0)
        self._answer(req)

    def _fault_hang(self, fault, req):
        self.server.sim.faults.hold(self.server.backend.name)
        self.close_connection = True          # released: close without a reply

    def _fault_status(self, fault, req):
        resp = self.server.backend.call("error_response", fault.status)
        if fault.body is not None:
            resp.body = fault.body.encode()
        self.send_whole(resp)

    def _fault_malformed(self, fault, req):
        # The real reply cut in half: right shape, but no JSON parser accepts it.
        resp = self._dialect_response(req)
        cut = resp.body[:max(1, len(resp.body) // 2)]
        if _is_json(cut):
            cut = b'{"api_ver":"0.1","result":{"list":[{"'
        self.send_whole(Response(200, resp.headers, cut))

    def _fault_drop(self, fault, req):
        if fault.reset:
            # SO_LINGER 0 turns the close into a TCP RST ("connection reset by peer").
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        self.close_connection = True

    def _fault_oversize(self, fault, req):
        headers = self.server.backend.call("base_headers")
        self.close_connection = True     # the client will likely abort mid-body anyway
        try:
            if fault.chunked:
                self.send_head(200, headers + [("Transfer-Encoding", "chunked")], None, True)
            else:
                self.send_head(200, headers, fault.bytes, True)
            for piece in oversize_pieces(fault.bytes):
                if fault.chunked:
                    piece = b"%x\r\n%s\r\n" % (len(piece), piece)
                self.wfile.write(piece)
            if fault.chunked:
                self.wfile.write(b"0\r\n\r\n")
        except NETWORK_ERRORS:
            pass


def oversize_pieces(total):
    """A valid JSON document of exactly `total` bytes, in STREAM_CHUNK pieces,
    without ever holding it all in memory."""
    head = b'{"api_ver":"0.1","statuscode":200,"result":{"list":[]},"padding":"'
    tail = b'"}'
    pad = total - len(head) - len(tail)
    if pad < 0:                   # too small for the document: plain padding
        head, tail, pad = b"", b"", total
    yield head
    block = b"x" * STREAM_CHUNK
    while pad > 0:
        n = min(pad, STREAM_CHUNK)
        yield block[:n]
        pad -= n
    yield tail


def _is_json(data):
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


# -------------------------------------------------------------- control API

class _ControlHandler(_QuietHandler):
    """Plain-HTTP JSON API that tests use to inspect and steer the simulator."""

    def do_GET(self):
        self._route()

    do_POST = do_DELETE = do_PUT = do_GET

    def _route(self):
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        try:
            raw = self.read_body()
            body = json.loads(raw) if raw.strip() else {}
            status, result = self.server.sim.control_call(self.command, split.path,
                                                           query, body)
        except ValueError as exc:          # includes JSON decode errors
            status, result = 400, {"error": str(exc)}
        except Exception as exc:           # a simulator bug: show it, keep serving
            traceback.print_exc()
            status, result = 500, {"error": "internal error: %s" % exc}
        data = json.dumps(result).encode()
        self.send_whole(Response(status, [("Content-Type", "application/json")], data))


# ---------------------------------------------------------------- the sim

def ensure_cert(workdir):
    """Create DIR/cert.pem + DIR/key.pem (self-signed, P-256, 2 days) if missing
    or expiring within the hour; returns (cert, key) paths."""
    cert = os.path.join(workdir, "cert.pem")
    key = os.path.join(workdir, "key.pem")
    if os.path.exists(key) and _cert_valid_for_an_hour(cert):
        return cert, key
    tmp_cert, tmp_key = cert + ".tmp", key + ".tmp"
    old_umask = os.umask(0o077)      # the key must never exist with a wider mode
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", tmp_key, "-out", tmp_cert, "-days", "2",
             "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=60)
    finally:
        os.umask(old_umask)
    os.chmod(tmp_key, 0o600)
    os.chmod(tmp_cert, 0o644)
    os.replace(tmp_key, key)
    os.replace(tmp_cert, cert)
    return cert, key


def _cert_valid_for_an_hour(cert):
    if not os.path.exists(cert):
        return False
    done = subprocess.run(["openssl", "x509", "-checkend", "3600", "-noout", "-in", cert],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=60)
    return done.returncode == 0


def write_json_atomically(path, obj):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as fh:
        json.dump(obj, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


class Sim:
    """The whole simulator: backends, listeners, log, faults and control API."""

    TICK_SECONDS = 0.25

    def __init__(self, workdir, specs, seed=1, churn=False, tls=True, verbose=False):
        """specs: [(name, type, {option: value})]; raises ValueError on bad ones."""
        self.workdir = os.path.abspath(workdir)
        self.services = SimServices(seed=seed, churn=churn, verbose=verbose)
        self.tls = tls
        self.log = RequestLog()
        self.faults = FaultTable()
        self.stopping = threading.Event()
        self.connections = {}         # backend name -> connections accepted since start
        self._conn_lock = threading.Lock()
        self.backends = {}
        self._servers = []
        for name, type_name, opts in specs:
            cls = dialect_class(type_name)
            rng = random.Random("%d/%s" % (seed, name))
            try:
                dialect = cls(name, opts, rng, self.services)
            except ValueError as exc:
                raise ValueError("backend %s: %s" % (name, exc)) from None
            self.backends[name] = Backend(name, dialect, opts)

    @property
    def ports_path(self):
        return os.path.join(self.workdir, "ports.json")

    def _write_backends_ini(self, cert):
        """DIR/backends.ini: a pbxtop config section per backend (`pbxtop demo` appends it to
        its config). Each dialect module's pbxtop_config(opts) gives its credentials."""
        scheme = "https" if self.tls else "http"
        parts = []
        for b in self.backends.values():
            extra = sys.modules[type(b.dialect).__module__].pbxtop_config(b.opts)
            parts.append("[%s]\ntype = %s\nurl = %s://127.0.0.1:%d\nca_file = %s\n%s" % (
                b.name, b.type, scheme, b.port, cert, extra))
        path = os.path.join(self.workdir, "backends.ini")
        tmp = "%s.%d.tmp" % (path, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(parts))
        os.replace(tmp, path)

    def start(self):
        """Bind every listener, start serving, then publish ports.json."""
        os.makedirs(self.workdir, mode=0o700, exist_ok=True)
        try:
            os.unlink(self.ports_path)       # a stale file would say "ready" too early
        except FileNotFoundError:
            pass
        cert, key = ensure_cert(self.workdir)
        ctx = None
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(cert, key)
        for backend in self.backends.values():
            server = _Server(_BackendHandler, self, backend, ctx)
            backend.port = server.server_port
            self._serve(server)
        self.control_server = _Server(_ControlHandler, self)
        self._serve(self.control_server)
        self._write_backends_ini(cert)
        write_json_atomically(self.ports_path, self._ports_document(cert))

    def _serve(self, server):
        self._servers.append(server)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                  daemon=True, name="serve-%d" % server.server_port)
        thread.start()

    def _ports_document(self, cert):
        scheme = "https" if self.tls else "http"
        return {
            "pid": os.getpid(),
            "control": self.control_server.server_port,
            "cert": cert,
            "backends": {
                b.name: {"type": b.type, "port": b.port,
                         "url": "%s://127.0.0.1:%d" % (scheme, b.port)}
                for b in self.backends.values()
            },
        }

    def run(self):
        """Drive the dialects' clocks until stop() is called."""
        while not self.stopping.wait(self.TICK_SECONDS):
            now = time.time()
            for backend in self.backends.values():
                try:
                    backend.call("tick", now)
                except Exception:
                    traceback.print_exc()

    def stop(self):
        self.stopping.set()

    def count_connection(self, name):
        with self._conn_lock:
            self.connections[name] = self.connections.get(name, 0) + 1

    def shutdown(self):
        """Stop accepting and release hung requests; in-flight daemon threads
        are left to die with the process so exit stays prompt."""
        self.faults.clear()
        # Each shutdown() waits for its loop's next poll; do them side by side.
        stoppers = [threading.Thread(target=s.shutdown, daemon=True) for s in self._servers]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(0.5)
        for server in self._servers:
            server.server_close()
        try:
            os.unlink(self.ports_path)
        except FileNotFoundError:
            pass

    # -- control API -----------------------------------------------------

    def control_call(self, method, path, query, body):
        """Dispatch one control request; returns (status, JSON-able)."""
        routes = {
            ("GET", "/requests"): self._ctl_get_requests,
            ("DELETE", "/requests"): self._ctl_clear_requests,
            ("GET", "/fault"): self._ctl_list_faults,
            ("POST", "/fault"): self._ctl_add_fault,
            ("DELETE", "/fault"): self._ctl_clear_faults,
            ("GET", "/state"): self._ctl_get_state,
            ("POST", "/state"): self._ctl_post_state,
            ("POST", "/reset"): self._ctl_reset,
            ("GET", "/connections"): self._ctl_connections,
        }
        handler = routes.get((method, path))
        if handler is None:
            known = any(p == path for _, p in routes)
            return (405, {"error": "method not allowed"}) if known else \
                (404, {"error": "no such control endpoint"})
        return 200, handler(query, body)

    def _backend_arg(self, name, required):
        if name is None and not required:
            return None
        if name not in self.backends:
            raise ValueError("unknown backend %r" % (name,))
        return self.backends[name]

    def _ctl_get_requests(self, query, body):
        self._backend_arg(query.get("backend"), False)
        try:
            since = int(query.get("since", "0"))
        except ValueError:
            raise ValueError("since must be an integer") from None
        return {"requests": self.log.select(query.get("backend"), since)}

    def _ctl_clear_requests(self, query, body):
        self.log.clear()
        return {"ok": True}

    def _ctl_list_faults(self, query, body):
        return {"faults": self.faults.listing()}

    def _ctl_add_fault(self, query, body):
        return {"id": self.faults.add(validate_fault(body, self.backends))}

    def _ctl_clear_faults(self, query, body):
        self._backend_arg(query.get("backend"), False)
        self.faults.clear(query.get("backend"))
        return {"ok": True}

    def _ctl_get_state(self, query, body):
        backend = self._backend_arg(query.get("backend"), True)
        return backend.call("dump")

    def _ctl_post_state(self, query, body):
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        backend = self._backend_arg(body.get("backend"), True)
        op = body.get("op")
        if not isinstance(op, str):
            raise ValueError("op must be a string")
        args = {k: v for k, v in body.items() if k not in ("backend", "op")}
        return backend.call("control", op, args)

    def _ctl_connections(self, query, body):
        with self._conn_lock:
            counts = dict(self.connections)
        return {"connections": {name: counts.get(name, 0) for name in self.backends}}

    def _ctl_reset(self, query, body):
        self.faults.clear()
        for backend in self.backends.values():
            backend.call("reset")
        self.log.clear()
        return {"ok": True}
