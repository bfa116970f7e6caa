"""kubectl 1.32 applying a `v1` `List`: kubectl validates a List on the client (no server operation takes a
List, so it cannot ask the server to), with the `/openapi/v2` document it fetches as protobuf. Each test is
what a user types, checked by what kubectl prints."""
import json
import re
import urllib.error
import urllib.request

DEPLOYMENT_AND_SERVICE = """apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: listed-web
  spec:
    replicas: 1
    selector:
      matchLabels:
        app: listed-web
    template:
      metadata:
        labels:
          app: listed-web
      spec:
        containers:
        - name: web
          image: nginx:alpine
    {extra}
- apiVersion: v1
  kind: Service
  metadata:
    name: listed-web
  spec:
    selector:
      app: listed-web
    ports:
    - port: 80
"""


def test_apply_get_output_of_two_configmaps(kubectl, tmp_path):
    kubectl.run("create", "configmap", "list-a", "--from-literal=k=a")
    kubectl.run("create", "configmap", "list-b", "--from-literal=k=b")
    listing = kubectl.out("get", "cm", "list-a", "list-b", "-o", "yaml")
    assert listing.startswith("apiVersion: v1\nitems:") and "kind: List" in listing
    path = tmp_path / "list.yaml"
    path.write_text(listing)
    p = kubectl.run("apply", "-f", str(path), "-v=6")
    # kubectl fetched the v2 document as protobuf, and validated both items with it.
    assert re.search(r"GET http://\S+/openapi/v2\?\S* 200 OK", p.stderr), p.stderr
    assert "configmap/list-a configured" in p.stdout and "configmap/list-b configured" in p.stdout
    # Created without apply: kubectl adds the annotation it needs, with upstream's warning.
    assert "missing the kubectl.kubernetes.io/last-applied-configuration annotation" in p.stderr


def test_apply_list_twice_created_then_unchanged(kubectl, tmp_path):
    listing = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}, "data": {"k": n}}
        for n in ("list-c", "list-d")]}
    path = tmp_path / "list.yaml"
    path.write_text(json.dumps(listing))
    out = kubectl.out("apply", "-f", str(path))
    assert "configmap/list-c created" in out and "configmap/list-d created" in out
    out = kubectl.out("apply", "-f", str(path))
    assert "configmap/list-c unchanged" in out and "configmap/list-d unchanged" in out


def test_unknown_fields_in_a_list_fail_client_side_validation(kubectl, tmp_path):
    path = tmp_path / "bad.yaml"
    bad = DEPLOYMENT_AND_SERVICE.format(extra="foo: bar").replace("    - port: 80\n", "    - port: 80\n    bar: 1\n")
    path.write_text(bad)
    p = kubectl.run("apply", "-f", str(path), check=False)
    assert p.returncode != 0
    # What kubectl prints against an upstream kube-apiserver, word for word.
    assert (f'error validating "{path}": error validating data: ['
            'ValidationError(Deployment.spec): unknown field "foo" in io.k8s.api.apps.v1.DeploymentSpec, '
            'ValidationError(Service.spec): unknown field "bar" in io.k8s.api.core.v1.ServiceSpec]; '
            'if you choose to ignore these errors, turn validation off with --validate=false') in p.stderr
    assert kubectl.run("get", "deploy", "listed-web", check=False).returncode != 0
    assert kubectl.run("get", "svc", "listed-web", check=False).returncode != 0

    # Type errors are found too.
    path.write_text(DEPLOYMENT_AND_SERVICE.format(extra="").replace("replicas: 1", "replicas: one"))
    p = kubectl.run("apply", "-f", str(path), check=False)
    assert 'ValidationError(Deployment.spec.replicas): invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer"' in p.stderr

    # Without validation the server drops the unknown fields and creates both.
    path.write_text(bad)
    out = kubectl.out("apply", "--validate=false", "-f", str(path))
    assert "deployment.apps/listed-web created" in out and "service/listed-web created" in out
    dep = json.loads(kubectl.out("get", "deploy", "listed-web", "-o", "json"))
    assert "foo" not in dep["spec"]

    # A valid List applies, item by item (both configured: the last-applied annotations lose foo and bar).
    path.write_text(DEPLOYMENT_AND_SERVICE.format(extra="").replace("replicas: 1", "replicas: 2"))
    out = kubectl.out("apply", "-f", str(path))
    assert "deployment.apps/listed-web configured" in out and "service/listed-web configured" in out
    out = kubectl.out("apply", "-f", str(path))
    assert "deployment.apps/listed-web unchanged" in out and "service/listed-web unchanged" in out
    assert kubectl.out("get", "deploy", "listed-web", "-o", "jsonpath={.spec.replicas}") == "2"


def test_openapi_v2_document_over_http(server):
    with urllib.request.urlopen(server.url + "/openapi/v2") as r:
        assert r.headers["Content-Type"] == "application/json"
        etag = r.headers["ETag"]
        doc = json.load(r)
    assert doc["swagger"] == "2.0" and doc["info"]["title"] == "Kubernetes"
    assert doc["definitions"]["io.k8s.api.core.v1.ConfigMap"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "kind": "ConfigMap", "version": "v1"}]
    req = urllib.request.Request(server.url + "/openapi/v2", headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(req)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as e:
        assert e.code == 304
