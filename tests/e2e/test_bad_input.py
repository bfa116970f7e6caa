"""Bad input gets a Status with the right code, stores nothing, and the server keeps serving."""
import json
import urllib.request
import urllib.error


def request(server, method, path, body=None, content_type="application/json"):
    data = body if isinstance(body, bytes) or body is None else body.encode()
    req = urllib.request.Request(server.url + path, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def names(server):
    _, lst = request(server, "GET", "/api/v1/namespaces/default/configmaps")
    return sorted(i["metadata"]["name"] for i in lst["items"])


def test_malformed_json_is_400(server):
    before = names(server)
    code, status = request(server, "POST", "/api/v1/namespaces/default/configmaps", '{"metadata": {"name": "x"')
    assert code == 400 and status["kind"] == "Status" and status["reason"] == "BadRequest"
    assert names(server) == before


def test_malformed_yaml_is_400(server):
    before = names(server)
    code, status = request(server, "POST", "/api/v1/namespaces/default/configmaps", "metadata: [name: x\n  - :", "application/yaml")
    assert code == 400 and status["reason"] == "BadRequest"
    assert names(server) == before


def test_unknown_field_under_strict_is_400_naming_it(server):
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strict"}, "dataa": {"a": "b"}})
    code, status = request(server, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", body)
    assert code == 400 and 'unknown field "dataa"' in status["message"]
    assert "strict" not in names(server)


def test_body_over_3mib_is_413(server):
    big = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"a": "x" * (3 * 1024 * 1024 + 10)}})
    code, status = request(server, "POST", "/api/v1/namespaces/default/configmaps", big)
    assert code == 413 and status["kind"] == "Status"
    assert "big" not in names(server)


def test_illegal_name_is_422(server):
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "No_Way"}})
    code, status = request(server, "POST", "/api/v1/namespaces/default/configmaps", body)
    assert code == 422 and status["reason"] == "Invalid"
    assert "No_Way" not in names(server)


def test_server_still_serves(server):
    with urllib.request.urlopen(server.url + "/readyz", timeout=10) as r:
        assert r.status == 200 and r.read() == b"ok"
    code, lst = request(server, "GET", "/api/v1/namespaces")
    assert code == 200 and len(lst["items"]) >= 4
