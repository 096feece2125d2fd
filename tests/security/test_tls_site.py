"""The production site nginx/zq.conf, served for real in front of the suite's
zq-api (only ports, paths and the certificate changed): plain HTTP only
redirects to HTTPS, HTTPS sends HSTS, and a client offering only TLS 1.1 or
weak ciphers gets no connection — what an eavesdropper or a downgrade would
have gained is nothing but a redirect."""
import os
import re
import socket
import ssl
import subprocess

import pytest
import requests

from zqstack import SRC, Proc, free_port, wait_for


@pytest.fixture(scope="module")
def site(stack):
    d = os.path.join(stack.tmp, "tls-site")
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=zq.example.com"],
                   check=True, capture_output=True)
    http, https = free_port(), free_port()
    text = open(os.path.join(SRC, "nginx", "zq.conf")).read()
    for a, b in [("/etc/ssl/certs/ssl-cert-snakeoil.pem", cert),
                 ("/etc/ssl/private/ssl-cert-snakeoil.key", key),
                 ("/etc/nginx/snippets/zq.conf", os.path.join(SRC, "nginx", "zq-locations.conf")),
                 ("/usr/share/zq/www", os.path.join(SRC, "www")),
                 ("unix:/run/zq/zq-api.sock", "unix:" + stack.api_sock),
                 ("shared:zq_tls:10m", "shared:zq_tls_test:1m")]:
        assert a in text, f"nginx/zq.conf no longer says {a}"
        text = text.replace(a, b)
    text = re.sub(r"listen \[::\]:\d+[^;]*;", "", text)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    user = "user root;" if os.geteuid() == 0 else ""
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"{user}\nworker_processes 1; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;\n"
                f"events {{}}\nhttp {{ include /etc/nginx/mime.types; access_log off;\n"
                f"client_body_temp_path {d}/body; fastcgi_temp_path {d}/fcgi;\n{text}\n}}\n")
    p = Proc("nginx-tls", ["nginx", "-p", d, "-c", conf], os.path.join(d, "nginx.log"))

    def up():
        try:
            socket.create_connection(("127.0.0.1", https), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(up, what="nginx with the TLS site")
    yield {"http": http, "https": https}
    p.stop(timeout=10)


def test_plain_http_only_redirects(site):
    r = requests.get(f"http://127.0.0.1:{site['http']}/api/v1/health?x=1", allow_redirects=False,
                     headers={"Host": "zq.example.com"}, timeout=5)
    assert r.status_code == 301
    assert r.headers["Location"] == "https://zq.example.com/api/v1/health?x=1"
    assert "status" not in r.text      # the API was not reached over plain HTTP


def test_https_serves_the_api_with_hsts(site):
    r = requests.get(f"https://127.0.0.1:{site['https']}/api/v1/health", verify=False, timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    hsts = r.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    page = requests.get(f"https://127.0.0.1:{site['https']}/", verify=False, timeout=5)
    assert page.status_code == 200 and "Strict-Transport-Security" in page.headers


def handshake(port, **ctx_args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for k, v in ctx_args.items():
        if k == "ciphers":
            ctx.set_ciphers(v)
        else:
            setattr(ctx, k, v)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s) as t:
            return t.version()


def test_old_protocols_and_weak_ciphers_get_no_connection(site):
    assert handshake(site["https"]) in ("TLSv1.2", "TLSv1.3")
    try:
        handshake(site["https"], minimum_version=ssl.TLSVersion.TLSv1,
                  maximum_version=ssl.TLSVersion.TLSv1_1, ciphers="ALL:@SECLEVEL=0")
    except (ssl.SSLError, ConnectionError) as e:
        assert "version" in str(e).lower() or "protocol" in str(e).lower() or \
            "handshake" in str(e).lower() or "alert" in str(e).lower(), e
    else:
        pytest.fail("a TLS 1.1 client got a connection")
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(site["https"], maximum_version=ssl.TLSVersion.TLSv1_2,
                  ciphers="AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0")   # no forward secrecy


def test_plain_sites_send_no_hsts(stack):
    """HSTS over plain HTTP would be ignored at best; the local stack (and the
    behind-a-terminator site) must not send it."""
    for path in ("/", "/api/v1/health"):
        r = requests.get(stack.url + path, timeout=5)
        assert r.status_code == 200 and "Strict-Transport-Security" not in r.headers
