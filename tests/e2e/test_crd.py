"""CustomResourceDefinitions served by the API server: CRD validation and status, discovery, CRUD of custom
resources through kubectl, CustomObjectsApi and the dynamic client, schema validation, pruning and
defaulting, status and scale subresources, printer columns, short names, categories, OpenAPI (explain),
CEL rules and the cleanup of a deleted CRD's resources."""
import json
import time

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

GROUP = "stable.example.com"

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "crontabs.stable.example.com"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"],
                  "categories": ["all", "croncat"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object",
                        "required": ["cronSpec"],
                        "x-kubernetes-validations": [
                            {"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"},
                            {"rule": "!has(oldSelf.image) || self.image == oldSelf.image || self.image.startsWith('repo/')"},
                        ],
                        "properties": {
                            "cronSpec": {"type": "string", "pattern": r"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$",
                                         "description": "The cron schedule."},
                            "image": {"type": "string", "maxLength": 20},
                            "replicas": {"type": "integer", "minimum": 0, "default": 1},
                            "maxReplicas": {"type": "integer", "default": 10},
                            "size": {"type": "string", "enum": ["S", "M", "L"]},
                            "port": {"x-kubernetes-int-or-string": True},
                            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        },
                    },
                    "status": {"type": "object", "properties": {
                        "replicas": {"type": "integer"}, "selector": {"type": "string"}}},
                },
            }},
            "subresources": {"status": {}, "scale": {
                "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                "labelSelectorPath": ".status.selector"}},
            "additionalPrinterColumns": [
                {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"},
                {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            ],
        }],
    },
}


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def crd(client):
    ext = k8s.ApiextensionsV1Api(client)
    ext.create_custom_resource_definition(CRD)

    def established():
        got = ext.read_custom_resource_definition("crontabs.stable.example.com")
        conds = {c.type: c for c in (got.status.conditions or [])}
        return got if "Established" in conds and conds["Established"].status == "True" else None

    got = wait_for(established, timeout=1.0)
    return got


def test_crd_status_and_discovery(crd, kubectl):
    conds = {c.type: c for c in crd.status.conditions}
    assert conds["NamesAccepted"].status == "True" and conds["NamesAccepted"].reason == "NoConflicts"
    assert conds["Established"].reason == "InitialNamesAccepted"
    assert crd.status.accepted_names.kind == "CronTab" and crd.status.accepted_names.short_names == ["ct"]
    assert crd.status.stored_versions == ["v1"]
    out = kubectl.out("api-resources", "--api-group", GROUP)
    line = [l for l in out.splitlines() if l.startswith("crontabs")][0]
    assert line.split() == ["crontabs", "ct", "stable.example.com/v1", "true", "CronTab"]
    legacy = json.loads(kubectl.out("get", "--raw", "/apis/stable.example.com/v1"))
    names = {r["name"] for r in legacy["resources"]}
    assert names == {"crontabs", "crontabs/status", "crontabs/scale"}


def test_crd_validation_errors(client):
    ext = k8s.ApiextensionsV1Api(client)
    bad = json.loads(json.dumps(CRD))
    bad["metadata"]["name"] = "widgets.stable.example.com"
    bad["spec"]["names"] = {"plural": "widgets", "kind": "Widget"}
    bad["spec"]["versions"][0]["storage"] = False
    bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["bad"] = {"description": "no type"}
    with pytest.raises(ApiException) as e:
        ext.create_custom_resource_definition(bad)
    assert e.value.status == 422
    msg = json.loads(e.value.body)["message"]
    assert "spec.versions: Invalid value" in msg and "must have exactly one version marked as storage version" in msg
    assert ("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[bad].type: "
            "Required value: must not be empty for specified object fields") in msg

    cel = json.loads(json.dumps(CRD))
    cel["metadata"]["name"] = "gadgets.stable.example.com"
    cel["spec"]["names"] = {"plural": "gadgets", "kind": "Gadget"}
    cel["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-validations"] = [
        {"rule": "self.replicas <"}]
    with pytest.raises(ApiException) as e:
        ext.create_custom_resource_definition(cel)
    assert e.value.status == 422
    assert "x-kubernetes-validations[0].rule" in e.value.body and "compilation failed" in e.value.body


MANIFEST = """apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: nightly
  namespace: default
  labels: {tier: batch}
spec:
  cronSpec: "* * * * */5"
  image: repo/cron
  unknownField: dropped
"""


def test_kubectl_crud_columns_and_short_names(crd, kubectl):
    out = kubectl.run("apply", "--validate=false", "-f", "-", input=MANIFEST).stdout
    assert "crontab.stable.example.com/nightly created" in out
    got = json.loads(kubectl.out("get", "ct", "nightly", "-o", "json"))
    assert got["spec"]["replicas"] == 1 and got["spec"]["maxReplicas"] == 10  # defaults
    assert "unknownField" not in got["spec"]  # pruned
    assert got["metadata"]["generation"] == 1
    table = kubectl.out("get", "crontabs")
    header, row = table.splitlines()[0].split(), table.splitlines()[1].split()
    assert header == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert row[:3] == ["nightly", "*", "*"] and row[6] == "1"
    assert "nightly" in kubectl.out("get", "croncat")
    assert "crontab.stable.example.com/nightly" in kubectl.out("get", "all")
    assert "nightly" in kubectl.out("get", "ct", "-l", "tier=batch")
    assert "No resources found" in kubectl.run("get", "ct", "-l", "tier=web").stderr
    assert "nightly" in kubectl.out("get", "ct", "--field-selector", "metadata.name=nightly")
    desc = kubectl.out("describe", "ct", "nightly")
    assert "Name:" in desc and "Cron Spec:" in desc
    kubectl.run("patch", "ct", "nightly", "--type", "merge", "-p", '{"spec":{"replicas":3}}')
    got = json.loads(kubectl.out("get", "ct", "nightly", "-o", "json"))
    assert got["spec"]["replicas"] == 3 and got["metadata"]["generation"] == 2
    bad = kubectl.run("patch", "ct", "nightly", "-p", '{"spec":{"replicas":4}}', check=False)
    assert bad.returncode != 0 and "the body of the request was in an unknown format" in bad.stderr
    server_side = kubectl.run("apply", "--server-side", "--force-conflicts", "--field-manager", "e2e", "-f", "-",
                              input=MANIFEST.replace("image: repo/cron", "image: repo/cron2").replace("  unknownField: dropped\n", ""))
    assert "serverside-applied" in server_side.stdout
    kubectl.run("scale", "ct", "nightly", "--replicas", "5")
    got = json.loads(kubectl.out("get", "ct", "nightly", "-o", "json"))
    assert got["spec"]["replicas"] == 5
    explain = kubectl.out("explain", "crontab.spec")
    assert "cronSpec" in explain and "The cron schedule." in explain


def test_invalid_custom_resources(crd, kubectl, client):
    api = k8s.CustomObjectsApi(client)

    def create(spec, name="bad"):
        body = {"apiVersion": f"{GROUP}/v1", "kind": "CronTab", "metadata": {"name": name}, "spec": spec}
        with pytest.raises(ApiException) as e:
            api.create_namespaced_custom_object(GROUP, "v1", "default", "crontabs", body)
        assert e.value.status == 422, e.value.body
        return json.loads(e.value.body)["message"]

    msg = create({"cronSpec": "* * * * *", "replicas": "three"})
    assert 'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"' in msg
    assert 'spec.cronSpec: Required value' in create({"replicas": 1})
    assert 'spec.size: Unsupported value: "XL": supported values: "S", "M", "L"' in create({"cronSpec": "* * * * *", "size": "XL"})
    assert "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0" in create(
        {"cronSpec": "* * * * *", "replicas": -1})
    assert "spec.cronSpec: Invalid value: \"nope\": spec.cronSpec in body should match" in create({"cronSpec": "nope"})
    assert "spec.image: Too long: may not be more than 20 bytes" in create({"cronSpec": "* * * * *", "image": "x" * 21})
    assert "spec: Invalid value: \"object\": replicas must not exceed maxReplicas" in create(
        {"cronSpec": "* * * * *", "replicas": 11})
    # kubectl's strict field validation reports unknown fields.
    bad = kubectl.run("apply", "-f", "-", input=MANIFEST.replace("nightly", "strict"), check=False)
    assert bad.returncode != 0 and 'unknown field "spec.unknownField"' in bad.stderr


def test_python_clients_status_and_scale(crd, client):
    api = k8s.CustomObjectsApi(client)
    body = {"apiVersion": f"{GROUP}/v1", "kind": "CronTab", "metadata": {"name": "py", "labels": {"a": "b"}},
            "spec": {"cronSpec": "*/5 * * * *", "image": "repo/x", "port": "http", "extra": {"any": {"thing": 1}}},
            "status": {"replicas": 9}}
    created = api.create_namespaced_custom_object(GROUP, "v1", "default", "crontabs", body)
    assert "status" not in created and created["spec"]["extra"] == {"any": {"thing": 1}} and created["spec"]["port"] == "http"
    got = api.get_namespaced_custom_object(GROUP, "v1", "default", "crontabs", "py")
    assert got["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    listed = api.list_namespaced_custom_object(GROUP, "v1", "default", "crontabs", label_selector="a=b")
    assert [i["metadata"]["name"] for i in listed["items"]] == ["py"]
    # /status changes status only; the main resource ignores status.
    st = api.patch_namespaced_custom_object_status(GROUP, "v1", "default", "crontabs", "py",
                                                   {"spec": {"image": "repo/ignored"}, "status": {"replicas": 2, "selector": "a=b"}})
    assert st["status"]["replicas"] == 2 and st["spec"]["image"] == "repo/x"
    main = api.patch_namespaced_custom_object(GROUP, "v1", "default", "crontabs", "py", {"status": {"replicas": 7}})
    assert main["status"]["replicas"] == 2
    scale = api.get_namespaced_custom_object_scale(GROUP, "v1", "default", "crontabs", "py")
    assert scale["spec"]["replicas"] == 1 and scale["status"] == {"replicas": 2, "selector": "a=b"}
    api.patch_namespaced_custom_object_scale(GROUP, "v1", "default", "crontabs", "py", {"spec": {"replicas": 4}})
    assert api.get_namespaced_custom_object(GROUP, "v1", "default", "crontabs", "py")["spec"]["replicas"] == 4
    # Transition rule: the image may only change to one under repo/.
    with pytest.raises(ApiException) as e:
        api.patch_namespaced_custom_object(GROUP, "v1", "default", "crontabs", "py", {"spec": {"image": "other"}})
    assert e.value.status == 422 and "failed rule" in e.value.body

    dyn = DynamicClient(client)
    res = dyn.resources.get(api_version=f"{GROUP}/v1", kind="CronTab")
    items = res.get(namespace="default").items
    assert "py" in [i.metadata.name for i in items]
    res.create(body={"apiVersion": f"{GROUP}/v1", "kind": "CronTab", "metadata": {"name": "dyn"},
                     "spec": {"cronSpec": "* * * * *"}}, namespace="default")
    assert res.get(name="dyn", namespace="default").spec.replicas == 1
    res.delete(name="dyn", namespace="default")
    with pytest.raises(ApiException) as e:
        api.get_namespaced_custom_object(GROUP, "v1", "default", "crontabs", "dyn")
    assert e.value.status == 404
    api.delete_collection_namespaced_custom_object(GROUP, "v1", "default", "crontabs", label_selector="a=b")
    assert api.list_namespaced_custom_object(GROUP, "v1", "default", "crontabs", label_selector="a=b")["items"] == []


def test_cluster_scoped_and_versions(client, kubectl):
    ext = k8s.ApiextensionsV1Api(client)
    schema = {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "color": {"type": "string", "default": "blue"}}}}}}
    ext.create_custom_resource_definition({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "paints.colors.example.com"},
        "spec": {"group": "colors.example.com", "scope": "Cluster",
                 "names": {"plural": "paints", "kind": "Paint"},
                 "versions": [{"name": "v1beta1", "served": True, "storage": True, "schema": schema},
                              {"name": "v1", "served": True, "storage": False, "schema": schema}]}})
    api = k8s.CustomObjectsApi(client)
    wait_for(lambda: "paints" in kubectl.out("api-resources", "--api-group", "colors.example.com"))
    api.create_cluster_custom_object("colors.example.com", "v1beta1", "paints",
                                     {"apiVersion": "colors.example.com/v1beta1", "kind": "Paint", "metadata": {"name": "p1"}, "spec": {}})
    v1 = api.get_cluster_custom_object("colors.example.com", "v1", "paints", "p1")
    assert v1["apiVersion"] == "colors.example.com/v1" and v1["spec"]["color"] == "blue"
    groups = json.loads(kubectl.out("get", "--raw", "/apis/colors.example.com"))
    assert groups["preferredVersion"]["version"] == "v1"
    assert "p1" in kubectl.out("get", "paints")
    kubectl.run("delete", "crd", "paints.colors.example.com")


def test_namespace_deletion_removes_custom_resources(crd, client):
    core = k8s.CoreV1Api(client)
    api = k8s.CustomObjectsApi(client)
    core.create_namespace({"metadata": {"name": "crd-ns"}})
    api.create_namespaced_custom_object(GROUP, "v1", "crd-ns", "crontabs", {
        "apiVersion": f"{GROUP}/v1", "kind": "CronTab", "metadata": {"name": "inner"}, "spec": {"cronSpec": "* * * * *"}})
    core.delete_namespace("crd-ns")

    def gone():
        try:
            core.read_namespace("crd-ns")
            return False
        except ApiException as e:
            return e.status == 404
    wait_for(gone, timeout=15)
    assert api.list_cluster_custom_object(GROUP, "v1", "crontabs", field_selector="metadata.namespace=crd-ns")["items"] == []


def test_crd_deletion_cleans_up(crd, client, kubectl):
    api = k8s.CustomObjectsApi(client)
    api.create_namespaced_custom_object(GROUP, "v1", "default", "crontabs", {
        "apiVersion": f"{GROUP}/v1", "kind": "CronTab", "metadata": {"name": "last"}, "spec": {"cronSpec": "* * * * *"}})
    kubectl.run("delete", "crd", "crontabs.stable.example.com", "--wait=true", timeout=30)
    ext = k8s.ApiextensionsV1Api(client)
    with pytest.raises(ApiException) as e:
        ext.read_custom_resource_definition("crontabs.stable.example.com")
    assert e.value.status == 404
    with pytest.raises(ApiException) as e:
        api.list_namespaced_custom_object(GROUP, "v1", "default", "crontabs")
    assert e.value.status == 404
    # The objects are gone too: a new CRD of the same name starts empty.
    ext.create_custom_resource_definition(CRD)
    wait_for(lambda: "crontabs" in kubectl.out("api-resources", "--api-group", GROUP))
    assert api.list_namespaced_custom_object(GROUP, "v1", "default", "crontabs")["items"] == []


def test_creates_refused_while_crd_terminates(client, kubectl):
    """A CRD being deleted still serves its resources until the cleanup finalizer is done, but refuses new
    ones with upstream's 405 (here the cleanup waits on a custom resource's own finalizer)."""
    ext = k8s.ApiextensionsV1Api(client)
    api = k8s.CustomObjectsApi(client)
    crd = json.loads(json.dumps(CRD))
    crd["metadata"]["name"] = "holds.stable.example.com"
    crd["spec"]["names"] = {"plural": "holds", "singular": "hold", "kind": "Hold"}
    ext.create_custom_resource_definition(crd)
    wait_for(lambda: "holds" in kubectl.out("api-resources", "--api-group", GROUP))
    api.create_namespaced_custom_object(GROUP, "v1", "default", "holds", {
        "apiVersion": f"{GROUP}/v1", "kind": "Hold", "metadata": {"name": "held", "finalizers": ["example.com/hold"]},
        "spec": {"cronSpec": "* * * * *"}})
    ext.delete_custom_resource_definition("holds.stable.example.com")

    def terminating():
        conds = {c.type: c for c in (ext.read_custom_resource_definition("holds.stable.example.com").status.conditions or [])}
        return "Terminating" in conds and conds["Terminating"].status == "True"

    wait_for(terminating)
    with pytest.raises(ApiException) as e:
        api.create_namespaced_custom_object(GROUP, "v1", "default", "holds", {
            "apiVersion": f"{GROUP}/v1", "kind": "Hold", "metadata": {"name": "late"}, "spec": {"cronSpec": "* * * * *"}})
    assert e.value.status == 405
    status = json.loads(e.value.body)
    assert status["reason"] == "MethodNotAllowed"
    assert status["message"] == "create not allowed while custom resource definition is terminating"
    assert status["details"] == {"group": GROUP, "kind": "holds"}
    # Existing objects are still served: releasing the finalizer lets the cleanup finish.
    api.patch_namespaced_custom_object(GROUP, "v1", "default", "holds", "held", {"metadata": {"finalizers": None}})

    def gone():
        try:
            ext.read_custom_resource_definition("holds.stable.example.com")
            return False
        except ApiException as err:
            return err.status == 404

    wait_for(gone, timeout=30)


def test_an_operators_large_crd(client, kubectl, tmp_path):
    """A CRD of several hundred KB whose spec embeds a whole pod template, as operators' do: client-side
    apply fails as upstream's (its last-applied annotation is past 256 KiB), server-side apply takes it, and
    its custom resources are defaulted, pruned, validated deep inside the template and printed."""
    import yaml
    from operator_crd import pod_template_crd

    group = "ops.example.com"
    crd = pod_template_crd(group, "runners", "Runner")
    manifest = tmp_path / "runners.yaml"
    manifest.write_text(yaml.safe_dump(crd))
    assert manifest.stat().st_size > 300_000
    r = kubectl.run("apply", "-f", str(manifest), check=False)
    assert r.returncode != 0
    assert "metadata.annotations: Too long: may not be more than 262144 bytes" in r.stderr, r.stderr
    kubectl.run("apply", "--server-side", "-f", str(manifest))
    ext = k8s.ApiextensionsV1Api(client)

    def established():
        conds = {c.type: c.status for c in (ext.read_custom_resource_definition(f"runners.{group}").status.conditions or [])}
        return conds.get("Established") == "True"

    wait_for(established, timeout=1.0)

    def runner(name, container):
        return {"apiVersion": f"{group}/v1", "kind": "Runner", "metadata": {"name": name},
                "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}}}

    web = {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}], "bogus": 1}
    kubectl.run("create", "--validate=false", "-f", "-", input=json.dumps(runner("web", web)))
    got = k8s.CustomObjectsApi(client).get_namespaced_custom_object(group, "v1", "default", "runners", "web")
    container = got["spec"]["template"]["spec"]["containers"][0]
    assert got["spec"]["replicas"] == 1                      # defaulted
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]  # defaulted deep in the template
    assert "bogus" not in container                          # pruned
    r = kubectl.run("create", "-f", "-", input=json.dumps(runner("strict", web)), check=False)
    assert r.returncode != 0 and 'unknown field "spec.template.spec.containers[0].bogus"' in r.stderr, r.stderr
    wrong = {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": "eighty"}]}
    r = kubectl.run("create", "-f", "-", input=json.dumps(runner("wrong", wrong)), check=False)
    assert r.returncode != 0
    assert ('spec.template.spec.containers[0].ports[0].containerPort: Invalid value: "string": '
            'spec.template.spec.containers[0].ports[0].containerPort in body must be of type integer: "string"') in r.stderr, r.stderr
    lines = kubectl.out("get", "runners").splitlines()
    assert lines[0].split() == ["NAME", "REPLICAS", "IMAGE", "AGE"]
    assert lines[1].split()[:3] == ["web", "1", "nginx:1.27"]
    explained = kubectl.out("explain", "runner.spec.template.spec.containers.ports")
    assert "containerPort" in explained and "<integer>" in explained
    kubectl.run("delete", "crd", f"runners.{group}", "--wait=true", timeout=30)
