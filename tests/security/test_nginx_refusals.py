"""Requests nginx itself refuses, before or instead of zq-api, still answer
JSON with a `detail` (REST clients read it), with nginx's own status: a
malformed request never gets an HTML page a client must scrape, and nothing
of nginx's (version, HTML) leaks into an /api/ answer."""
import json
import socket

import pytest


def raw(stack, data, timeout=5):
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=timeout) as c:
        c.sendall(data)
        out = b""
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = head.decode("latin-1").lower()
    return status, headers, body


@pytest.mark.parametrize("name,request_bytes,status", [
    ("uri too long", b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("malformed header", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
    ("no host", b"GET /api/v1/health HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
    ("header too large", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-A: " + b"b" * 20000
     + b"\r\n\r\n", 400),
    ("length required", b"POST /api/v1/auth/login HTTP/1.0\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n", 400),
])
def test_nginx_refusal_is_json(stack, name, request_bytes, status):
    got, headers, body = raw(stack, request_bytes)
    assert got == status, (name, got, body[:200])
    assert "content-type: application/json" in headers, (name, headers)
    doc = json.loads(body.decode())
    assert doc == {"detail": f"request refused by nginx (HTTP {status})"}
    assert b"<html" not in body and b"nginx/" not in body


def test_api_answers_pass_through_untouched(stack):
    """zq-api's own 4xx keep their detail (nginx does not replace them)."""
    status, headers, body = raw(stack, b"GET /api/v1/scheduler/tasks HTTP/1.1\r\nHost: x\r\n"
                                       b"Connection: close\r\n\r\n")
    assert status == 401
    assert "refused by nginx" not in body.decode()
    assert json.loads(body.decode())["detail"]
