"""Local receivers for the alert tests: an HTTP receiver that plays every
robot vendor (and a plain webhook endpoint), checking each request's
signature the way the vendor documents it, and an SMTP sink.

    rx = HttpReceiver().start()
    rx.expect("/ding", "dingtalk", secret="SEC...")   # verify what arrives there
    url = rx.url("/ding?access_token=abc")
    ...
    reqs = rx.wait_for(1, path="/ding")                # [Received], verified
    assert reqs[0].verified, reqs[0].verify_error
    rx.fail("/ding", "500")                            # HTTP 500 from now on
    rx.fail("/ding", "vendor")                         # 200 + the vendor's error body
    rx.fail("/ding", None)                             # answer normally again
    rx.stall("/ding", 5.0)                             # wait 5 s before answering
    rx.redirect("/ding", "http://127.0.0.2:9/x")       # 302 to there
    rx.stop(); rx.start()                              # down, then back on the same port

    smtp = SmtpSink(auth=("user", "pw")).start()       # AUTH PLAIN/LOGIN over plain SMTP
    smtp.wait_for(1)[0].message                        # an email.message.Message
    smtp.stop()

    lis = ConnListener("127.0.0.2").start()            # counts TCP connections
    lis.connections                                    # 0 when nobody came

Signatures (what the vendors document, and docs of zq's webhook):
  webhook   X-Zq-Signature: sha256=hex(HMAC-SHA256(secret, "<X-Zq-Timestamp>.<body>"))
  dingtalk  query timestamp=<ms>&sign=urlencode(base64(HMAC-SHA256(secret, "<ms>\\n<secret>")))
            (DingTalk refuses a timestamp more than an hour from now)
  feishu    body {"timestamp": "<s>", "sign": base64(HMAC-SHA256(key="<s>\\n<secret>", msg=""))}
            (Feishu refuses a timestamp more than an hour from now)
The success and error bodies are the vendors': dingtalk/wecom
{"errcode": 0, "errmsg": "ok"}, feishu {"code": 0, "msg": "success"}, slack
"ok"; their errors errcode 310000 "sign not match" / 93000 "invalid webhook
url", feishu code 19021 "sign match fail or timestamp is not within one hour
from current time", slack 404 "no_service".
"""
import base64
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import socket
import threading
import time
import urllib.parse

KINDS = ("webhook", "dingtalk", "wecom", "feishu", "slack", "email")

OK_BODY = {
    "webhook": (200, "text/plain", b"ok"),
    "dingtalk": (200, "application/json", b'{"errcode":0,"errmsg":"ok"}'),
    "wecom": (200, "application/json", b'{"errcode":0,"errmsg":"ok"}'),
    "feishu": (200, "application/json", b'{"code":0,"msg":"success","data":{}}'),
    "slack": (200, "text/plain", b"ok"),
}
VENDOR_ERROR = {
    "webhook": (400, "text/plain", b"bad request"),
    "dingtalk": (200, "application/json", b'{"errcode":310000,"errmsg":"sign not match"}'),
    "wecom": (200, "application/json", b'{"errcode":93000,"errmsg":"invalid webhook url"}'),
    "feishu": (200, "application/json",
               b'{"code":19021,"msg":"sign match fail or timestamp is not within one hour '
               b'from current time"}'),
    "slack": (404, "text/plain", b"no_service"),
}


def _hmac(key, msg):
    if isinstance(key, str):
        key = key.encode()
    if isinstance(msg, str):
        msg = msg.encode()
    return hmac.new(key, msg, hashlib.sha256).digest()


def webhook_signature(secret, ts, body):
    return "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body,
                                hashlib.sha256).hexdigest()


def dingtalk_sign(secret, ts_ms):
    return base64.b64encode(_hmac(secret, f"{ts_ms}\n{secret}")).decode()


def feishu_sign(secret, ts_s):
    return base64.b64encode(_hmac(f"{ts_s}\n{secret}", b"")).decode()


class Received:
    """One request: method, path (without the query), query (dict of
    str -> str), headers (dict, lower-case names), body (bytes), json (or
    None), kind (what the path was expected as, or None), verified (the
    signature checked out, or no secret was expected), verify_error."""

    def __init__(self, method, raw_path, headers, body):
        u = urllib.parse.urlsplit(raw_path)
        self.method = method
        self.raw_path = raw_path
        self.path = u.path
        self.query = {k: v[0] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        self.raw_query = u.query
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None
        self.kind = None
        self.verified = True
        self.verify_error = None
        self.at = time.time()

    @property
    def event_id(self):
        """The zq event id: the webhook's header, else the body's event_id."""
        h = self.headers.get("x-zq-event-id")
        if h:
            return int(h)
        if isinstance(self.json, dict) and "event_id" in self.json:
            return int(self.json["event_id"])
        return None

    def __repr__(self):
        return f"<Received {self.method} {self.raw_path} {self.kind} verified={self.verified}>"


def verify(kind, secret, r, now=None):
    """None when r carries a valid signature for kind/secret (or needs none),
    else why not."""
    now = time.time() if now is None else now
    if kind == "webhook":
        if not secret:
            return "signature header without a secret" if "x-zq-signature" in r.headers else None
        ts, sig = r.headers.get("x-zq-timestamp"), r.headers.get("x-zq-signature")
        if not ts or not sig:
            return "missing X-Zq-Timestamp or X-Zq-Signature"
        if abs(now - int(ts)) > 300:
            return f"timestamp {ts} is not within 5 min of now"
        want = webhook_signature(secret, ts, r.body)
        return None if hmac.compare_digest(want, sig) else f"signature {sig} != {want}"
    if kind == "dingtalk":
        if not secret:
            return "sign without a secret" if "sign" in r.query else None
        ts, sign = r.query.get("timestamp"), r.query.get("sign")
        if not ts or not sign:
            return "missing timestamp or sign query parameter"
        if abs(now * 1000 - int(ts)) > 3600 * 1000:
            return f"timestamp {ts} is not within one hour of now"
        want = dingtalk_sign(secret, ts)
        return None if hmac.compare_digest(want, sign) else f"sign {sign} != {want}"
    if kind == "feishu":
        body = r.json if isinstance(r.json, dict) else {}
        if not secret:
            return "sign without a secret" if "sign" in body else None
        ts, sign = body.get("timestamp"), body.get("sign")
        if not isinstance(ts, str) or not isinstance(sign, str):
            return "missing timestamp or sign (strings) in the body"
        if abs(now - int(ts)) > 3600:
            return f"timestamp {ts} is not within one hour of now"
        want = feishu_sign(secret, ts)
        return None if hmac.compare_digest(want, sign) else f"sign {sign} != {want}"
    return None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _serve(self):
        rx = self.server.rx
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        r = Received(self.command, self.path, dict(self.headers.items()), body)
        with rx.lock:
            exp = rx.expected.get(r.path)
            mode = rx.modes.get(r.path, rx.modes.get(None))
            delay = rx.delays.get(r.path, rx.delays.get(None, 0))
            target = rx.redirects.get(r.path)
        if exp:
            r.kind = exp[0]
            r.verify_error = verify(exp[0], exp[1], r)
            r.verified = r.verify_error is None
        with rx.lock:
            rx.requests.append(r)
            rx.cv.notify_all()
        if delay:
            time.sleep(delay)
        kind = r.kind or "webhook"
        if target:
            code, ctype, out = 302, "text/plain", b"moved"
        elif mode == "500":
            code, ctype, out = 500, "text/plain", b"internal error"
        elif mode == "vendor" or not r.verified:
            code, ctype, out = VENDOR_ERROR[kind]
        elif isinstance(mode, tuple):
            code, ctype, out = mode
        else:
            code, ctype, out = OK_BODY[kind]
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        if target:
            self.send_header("Location", target)
        self.end_headers()
        self.wfile.write(out)

    do_POST = do_GET = do_PUT = _serve


class HttpReceiver:
    """A threaded HTTP server on 127.0.0.1 (a free port, kept over
    stop/start) that records every request."""

    def __init__(self, host="127.0.0.1", port=0, tls=None):
        self.host, self.port = host, port
        self.tls = tls       # (certfile, keyfile): HTTPS
        self.lock = threading.Lock()
        self.cv = threading.Condition(self.lock)
        self.requests = []
        self.expected = {}   # path -> (kind, secret)
        self.modes = {}      # path (None: every path) -> None | "500" | "vendor" | (code, ctype, body)
        self.delays = {}     # path (None: every path) -> seconds
        self.redirects = {}  # path -> Location
        self.httpd = None
        self.thread = None

    def start(self):
        cls = type("S", (http.server.ThreadingHTTPServer,),
                   {"allow_reuse_address": True, "daemon_threads": True})
        if ":" in self.host:
            cls.address_family = socket.AF_INET6
        self.httpd = cls((self.host, self.port), _Handler)
        self.httpd.rx = self
        self.port = self.httpd.server_address[1]
        if self.tls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True,
                                                do_handshake_on_connect=False)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(5)
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base(self):
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{h}:{self.port}"

    def url(self, path="/hook"):
        return self.base + path

    def expect(self, path, kind, secret=None):
        """Requests to path are kind's, signed with secret (None: unsigned)."""
        with self.lock:
            self.expected[path] = (kind, secret)

    def fail(self, path=None, mode="500"):
        """Answer path (None: every path) with mode: "500", "vendor" (the
        kind's error body), a (code, content_type, body) tuple, or None to
        answer normally again."""
        with self.lock:
            if mode is None:
                self.modes.pop(path, None)
            else:
                self.modes[path] = mode

    def stall(self, path=None, seconds=5.0):
        with self.lock:
            if seconds:
                self.delays[path] = seconds
            else:
                self.delays.pop(path, None)

    def redirect(self, path, location):
        with self.lock:
            self.redirects[path] = location

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def clear(self):
        with self.lock:
            self.requests.clear()

    def wait_for(self, n, path=None, timeout=30.0):
        """The first n requests to path (None: any), waiting up to timeout."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                got = [r for r in self.requests if path is None or r.path == path]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(got)} of {n} requests to {path or 'any path'} "
                                       f"in {timeout}s")
                self.cv.wait(min(left, 0.2))


class ConnListener:
    """A TCP listener that only counts connections (and closes them): put it
    where an attacker would want zq to connect, assert connections == 0."""

    def __init__(self, host="127.0.0.2", port=0):
        self.host, self.port = host, port
        self.connections = 0
        self.sock = None
        self._stop = threading.Event()

    def start(self):
        fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(16)
        s.settimeout(0.1)
        self.sock, self.port = s, s.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            c.close()

    def stop(self):
        self._stop.set()
        if self.sock:
            self.thread.join(2)
            self.sock.close()
            self.sock = None

    @property
    def base(self):
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{h}:{self.port}"


class Mail:
    """One message: mail_from, rcpt_tos, data (bytes), message
    (email.message.EmailMessage), auth (the login used, or None)."""

    def __init__(self, envelope, session):
        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.data = envelope.original_content or envelope.content
        if isinstance(self.data, str):
            self.data = self.data.encode()
        self.message = email.message_from_bytes(self.data, policy=email.policy.default)
        ad = getattr(session, "auth_data", None)
        login = getattr(ad, "login", None)
        self.auth = login.decode() if isinstance(login, bytes) else login

    def text(self, subtype="plain"):
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else None


class SmtpSink:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that records messages. With
    auth=(user, password) it offers AUTH PLAIN/LOGIN over plain SMTP and
    refuses mail from clients that did not log in; fail=(code, text) answers
    every DATA with that reply instead (e.g. (554, "5.7.1 rejected"))."""

    def __init__(self, host="127.0.0.1", port=0, auth=None, starttls=None):
        self.host = host
        self.port = port or _free_port(host)
        self.auth = auth
        self.starttls = starttls   # (certfile, keyfile): offer and require STARTTLS
        self.fail = None
        self.messages = []
        self.auth_failures = 0
        self.lock = threading.Lock()
        self.cv = threading.Condition(self.lock)
        self.controller = None

    def _authenticator(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword
        ok = (isinstance(auth_data, LoginPassword) and self.auth is not None and
              auth_data.login.decode() == self.auth[0] and
              auth_data.password.decode() == self.auth[1])
        if not ok:
            with self.lock:
                self.auth_failures += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def handle_DATA(self, server, session, envelope):
        if self.fail:
            return f"{self.fail[0]} {self.fail[1]}"
        m = Mail(envelope, session)
        with self.lock:
            self.messages.append(m)
            self.cv.notify_all()
        return "250 OK"

    def start(self):
        import warnings
        from aiosmtpd.controller import Controller
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
        kw = {}
        if self.auth:
            kw = {"authenticator": self._authenticator, "auth_required": True,
                  "auth_require_tls": False}
        if self.starttls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.starttls)
            kw.update(tls_context=ctx, require_starttls=True)
        self.controller = Controller(self, hostname=self.host, port=self.port, **kw)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"smtp://{self.host}:{self.port}"

    def wait_for(self, n, timeout=30.0):
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {n} messages in {timeout}s")
                self.cv.wait(min(left, 0.2))
            return list(self.messages)


def self_signed(directory, name="rx", ip="127.0.0.1"):
    """A self-signed certificate for ip (openssl): (certfile, keyfile)."""
    import subprocess
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", f"/CN={ip}",
                    "-addext", f"subjectAltName=IP:{ip}"], check=True, capture_output=True)
    os.chmod(key, 0o644)
    os.chmod(cert, 0o644)
    return cert, key


def _free_port(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# ---- stack helpers: channels and events straight into a test stack --------

SECRET_KEYS = {"webhook": ("secret",), "dingtalk": ("url", "secret"), "wecom": ("url",),
               "feishu": ("url", "secret"), "slack": ("url",), "email": ("password",)}


def sql_str(v):
    """A SQL string literal (for the tests' own values)."""
    if v is None:
        return "NULL"
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def api_has_channels(stack):
    import requests
    try:
        r = stack.session("admin").get(stack.api_url + "/alert-channels", timeout=10)
    except requests.RequestException:
        return False
    return r.status_code == 200


def make_channel(stack, name, kind, config, lang="en", enabled=True, via_api=None):
    """Create a channel from the full config as the API takes it (secrets
    inline): through POST /api/v1/alert-channels when the API has it (or
    via_api=True), else straight into alert_channels with the secrets split
    out as the API stores them. Returns its id."""
    if via_api is None:
        if not hasattr(stack, "_alert_api"):
            stack._alert_api = api_has_channels(stack)
        via_api = stack._alert_api
    if via_api:
        r = stack.session("admin").post(stack.api_url + "/alert-channels", timeout=10, json={
            "name": name, "kind": kind, "config": config, "lang": lang, "enabled": enabled})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])
    pub = {k: v for k, v in config.items() if k not in SECRET_KEYS[kind]}
    sec = {k: v for k, v in config.items() if k in SECRET_KEYS[kind]}
    stack.sql(f"INSERT INTO alert_channels (name, kind, enabled, lang, config, secrets) VALUES "
              f"({sql_str(name)}, '{kind}', {1 if enabled else 0}, '{lang}', "
              f"{sql_str(json.dumps(pub))}, {sql_str(json.dumps(sec))})")
    return int(stack.sql_value(f"SELECT id FROM alert_channels WHERE name = {sql_str(name)}"))


def sample_facts(event="failure", task_name="sync_daily_data", execution_id=991):
    return {
        "event": event, "alert_id": None, "rule_id": None, "rule_kind": "on_failure",
        "repeat": False,
        "task": {"id": 7, "name": task_name, "type": "common_task", "timezone": "Asia/Shanghai"},
        "execution": {"id": execution_id, "status": "failed", "trigger_type": "schedule",
                      "scheduled_time": "2026-12-01T10:00:00.000Z",
                      "start_time": "2026-12-01T10:00:00.100Z",
                      "end_time": "2026-12-01T10:00:01.334Z", "duration_ms": 1234,
                      "retry_count": 2, "max_retries": 2, "error": "exit status 1"},
        "slot": "2026-12-01T10:00:00.000Z", "detected_at": "2026-12-01T10:00:05.123Z",
        "detail": "",
    }


def insert_events(stack, channel_id, n=1, event="failure", facts=None):
    """n pending events for channel_id, due now; returns their ids."""
    facts = json.dumps(facts or sample_facts(event))
    top = int(stack.sql_value("SELECT COALESCE(MAX(id), 0) FROM alert_events"))
    stack.sql("INSERT INTO alert_events (channel_id, event, facts) SELECT "
              f"{channel_id}, '{event}', {sql_str(facts)} FROM seq_1_to_{n}")
    rows = stack.sql(f"SELECT id FROM alert_events WHERE channel_id = {channel_id} AND id > {top} "
                     "ORDER BY id")
    return [int(r[0]) for r in rows]


EVENT_COLS = ("id", "status", "attempts", "last_code", "last_error", "latency_ms", "sender",
              "next_at", "sent_at", "lease_until", "created_at")


def event_row(stack, eid):
    rows = stack.sql(f"SELECT {', '.join(EVENT_COLS)} FROM alert_events WHERE id = {eid}")
    return dict(zip(EVENT_COLS, rows[0])) if rows else None


def wait_event(stack, eid, pred, timeout=30.0, what="event state"):
    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        row = event_row(stack, eid)
        if row and pred(row):
            return row
        time.sleep(0.1)
    raise TimeoutError(f"event {eid}: timed out after {timeout}s waiting for {what}; last {row}")


ALERT_CONFIG = """
alerts.sweep_ms = "200"
alerts.allow = "127.0.0.1/32"
alerts.timeout_s = "3"
"""
