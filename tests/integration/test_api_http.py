"""zq-api over nginx: every error is JSON (404, 405 + Allow, 413 from zq-api
and from nginx, 400 for content type and malformed JSON), the OpenAPI
document matches the route table exactly, metrics count requests."""
import json

import requests

from api_util import example_body, routes


def test_unknown_routes_are_json_404(stack, admin):
    for path in ("/api/v1/nope", "/api/v1/scheduler/tasks/1/nope", "/api/v2/tasks", "/api/",
                 "/api/v1/scheduler/tasks/abc"):
        r = admin.get(stack.url + path, timeout=10)
        assert r.status_code == 404, path
        assert r.headers["Content-Type"].startswith("application/json")
        assert "not found" in r.json()["detail"]


def test_wrong_method_is_405_with_allow(stack, admin):
    r = admin.delete(stack.api_url + "/scheduler/tasks", timeout=10)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST"
    assert "not allowed" in r.json()["detail"]
    r = admin.patch(stack.api_url + "/scheduler/tasks/1", json={}, timeout=10)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, PUT, DELETE"


def test_body_over_max_body_is_json_413(stack, admin):
    big = {"name": "big", "task_type": "example_task", "description": "x" * (1100 * 1024)}
    r = admin.post(stack.api_url + "/scheduler/tasks", json=big, timeout=30)
    assert r.status_code == 413
    assert r.json()["detail"].startswith("body: larger than")


def test_body_over_nginx_limit_is_json_413_too(stack, admin):
    r = admin.post(stack.api_url + "/scheduler/tasks", data=b"{" + b" " * (9 << 20) + b"}",
                   headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 413
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["detail"] == "request body too large"


def test_wrong_content_type_is_400(stack, admin):
    r = admin.post(stack.api_url + "/scheduler/tasks", data=json.dumps(example_body()),
                   headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["detail"].startswith("Content-Type: must be application/json")
    r = admin.post(stack.api_url + "/scheduler/tasks", data=json.dumps(example_body()), timeout=10)
    assert r.status_code == 400  # no Content-Type at all


def test_malformed_json_is_400(stack, admin):
    for body, want in ((b'{"name": "x",', "body: malformed JSON"),
                       (b'{"name": "x"} trailing', "body: unexpected data"),
                       (b'{"name": "\xff"}', "body: not valid UTF-8"),
                       (b'{"name": "a\\u0000b"}', "body: NUL"),
                       (b'[1, 2]', "body: must be a JSON object"),
                       (b'"just a string"', "body: must be a JSON object")):
        r = admin.post(stack.api_url + "/scheduler/tasks", data=body,
                       headers={"Content-Type": "application/json; charset=utf-8"}, timeout=10)
        assert r.status_code == 400, body
        assert r.json()["detail"].startswith(want), (body, r.text)


def test_bad_query_parameters_are_400_naming_them(stack, admin):
    for q, want in (("limit=0", "limit: must be an integer 1-1000"),
                    ("limit=abc", "limit: must be an integer"),
                    ("skip=-5", "skip: must be an integer"),
                    ("enabled=maybe", "enabled: must be true or false"),
                    ("task_type=shell", "task_type: must be"),
                    ("status=weird", "status: must be"),
                    ("name=a%00b", "query: bad percent-encoding")):
        r = admin.get(stack.api_url + "/scheduler/tasks?" + q, timeout=10)
        assert r.status_code == 400, q
        assert r.json()["detail"].startswith(want), (q, r.text)


def test_openapi_lists_exactly_the_routes(stack):
    doc = requests.get(stack.url + "/openapi.json", timeout=10).json()
    same = requests.get(stack.api_url + "/openapi.json", timeout=10).json()
    assert doc == same
    assert doc["openapi"].startswith("3.0")
    assert doc["servers"] == [{"url": "/api/v1"}]
    documented = {(m.upper(), "/api/v1" + p): op.get("x-role")
                  for p, ops in doc["paths"].items() for m, op in ops.items()}
    routed = {(m, p): role for m, p, role in routes(stack)}
    assert set(documented) == set(routed), (set(documented) ^ set(routed))
    for key, role in routed.items():
        assert documented[key] == role, key
    # every $ref resolves
    text = json.dumps(doc)
    for ref in set(part.split('"')[0] for part in text.split('"$ref": "#/')[1:]):
        node = doc
        for name in ref.split("/"):
            node = node[name]


def test_openapi_security_matches_roles(stack):
    doc = requests.get(stack.url + "/openapi.json", timeout=10).json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            public = op["x-role"] == "public"
            assert (op["security"] == []) == public, (method, path)
            assert "operationId" in op and op["responses"], (method, path)


def test_metrics_count_requests_by_route_and_status(stack, admin):
    admin.get(stack.api_url + "/scheduler/tasks/999999999", timeout=10)
    admin.get(stack.api_url + "/definitely/not", timeout=10)
    r = requests.get(stack.api_url + "/metrics", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    assert 'zq_api_requests_total{method="GET",route="/scheduler/tasks/{id}",status="404"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "zq_api_request_duration_seconds_bucket{le=\"+Inf\"}" in text
    assert "zq_api_db_errors_total" in text
    count = [l for l in text.splitlines() if l.startswith("zq_api_request_duration_seconds_count")]
    assert int(count[0].split()[1]) >= 2


def test_head_is_answered_like_get_without_body(stack, admin):
    r = admin.head(stack.api_url + "/scheduler/tasks", timeout=10)
    assert r.status_code == 200
    assert r.content == b""


def test_trailing_slash_is_the_same_route(stack, admin):
    r = admin.get(stack.api_url + "/scheduler/tasks/", timeout=10)
    assert r.status_code == 200 and "tasks" in r.json()
