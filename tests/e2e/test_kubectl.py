"""The real kubectl 1.32 against `skiff apiserver`: each test is a command a user types, checked by what
kubectl prints."""
import json
import subprocess
import threading
import time

POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels:
    app: {app}
spec:
  containers:
  - name: nginx
    image: {image}
"""

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: web
        image: nginx:alpine
        ports:
        - containerPort: 80
"""


def test_version_reports_minor_32(kubectl):
    out = json.loads(kubectl.out("version", "-o", "json"))
    assert out["serverVersion"]["major"] == "1"
    assert out["serverVersion"]["minor"] == "32"
    assert out["clientVersion"]["minor"].startswith("32")


def test_api_resources_lists_served_kinds(kubectl):
    out = kubectl.out("api-resources")
    for line in ["pods ", "deployments ", "services ", "endpointslices ", "leases ", "namespaces "]:
        assert line in out
    assert "deploy" in out and "apps/v1" in out


def test_apply_created_unchanged_configured(kubectl):
    manifest = POD.format(name="apply-pod", app="a", image="nginx:alpine")
    assert "pod/apply-pod created" in kubectl.out("apply", "-f", "-", input=manifest)
    assert "pod/apply-pod unchanged" in kubectl.out("apply", "-f", "-", input=manifest)
    changed = POD.format(name="apply-pod", app="b", image="nginx:alpine")
    assert "pod/apply-pod configured" in kubectl.out("apply", "-f", "-", input=changed)
    assert kubectl.out("get", "pod", "apply-pod", "-o", "jsonpath={.metadata.labels.app}") == "b"


def test_apply_server_side(kubectl):
    manifest = DEPLOY.format(name="ssa", replicas=2)
    out = kubectl.out("apply", "--server-side", "-f", "-", input=manifest)
    assert "deployment.apps/ssa serverside-applied" in out
    obj = json.loads(kubectl.out("get", "deploy", "ssa", "-o", "json", "--show-managed-fields"))
    managers = [m["manager"] for m in obj["metadata"]["managedFields"]]
    assert "kubectl" in managers
    assert obj["spec"]["replicas"] == 2
    out = kubectl.out("apply", "--server-side", "-f", "-", input=DEPLOY.format(name="ssa", replicas=3))
    assert "serverside-applied" in out
    assert kubectl.out("get", "deploy", "ssa", "-o", "jsonpath={.spec.replicas}") == "3"


def test_get_plain_wide_yaml_jsonpath(kubectl):
    kubectl.run("apply", "-f", "-", input=POD.format(name="get-pod", app="getter", image="nginx:alpine"))
    plain = kubectl.out("get", "pods")
    assert plain.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    row = [l for l in plain.splitlines() if l.startswith("get-pod ")][0].split()
    assert row[1] == "0/1" and row[2] == "Pending" and row[3] == "0"
    wide = kubectl.out("get", "pods", "-o", "wide").splitlines()[0]
    for col in ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]:
        assert col in wide
    y = kubectl.out("get", "pod", "get-pod", "-o", "yaml")
    assert "kind: Pod" in y and "restartPolicy: Always" in y and "imagePullPolicy: IfNotPresent" in y
    assert kubectl.out("get", "pod", "get-pod", "-o", "jsonpath={.spec.containers[0].image}") == "nginx:alpine"


def test_get_label_and_field_selectors_and_all_namespaces(kubectl):
    kubectl.run("apply", "-f", "-", input=POD.format(name="sel-a", app="sel", image="nginx:alpine"))
    kubectl.run("apply", "-f", "-", input=POD.format(name="sel-b", app="other", image="nginx:alpine"))
    names = kubectl.out("get", "pods", "-l", "app=sel", "-o", "name").split()
    assert names == ["pod/sel-a"]
    names = kubectl.out("get", "pods", "-l", "app in (sel,other)", "-o", "name").split()
    assert "pod/sel-a" in names and "pod/sel-b" in names
    names = kubectl.out("get", "pods", "--field-selector", "metadata.name=sel-b", "-o", "name").split()
    assert names == ["pod/sel-b"]
    names = kubectl.out("get", "pods", "--field-selector", "status.phase!=Pending", "-o", "name").split()
    assert "pod/sel-a" not in names
    out = kubectl.out("get", "services", "-A")
    assert out.splitlines()[0].split()[0] == "NAMESPACE"
    assert any(l.split()[:2] == ["default", "kubernetes"] for l in out.splitlines())


def test_get_watch_sees_changes(kubectl):
    proc = subprocess.Popen(["kubectl", "--cache-dir", kubectl.cache_dir, "get", "configmaps", "-w", "--no-headers"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl.env)
    try:
        # Stays: kubectl -w with --no-headers prints nothing until a change, so nothing signals that its watch
        # is open; a change made before it would be seen as part of the list instead.
        time.sleep(1.0)
        kubectl.run("create", "configmap", "watched", "--from-literal=a=b")
        lines = []
        timer = threading.Timer(15, proc.kill)
        timer.start()
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("watched "):
                break
        timer.cancel()
        assert any(l.startswith("watched ") for l in lines), lines
    finally:
        proc.kill()
        proc.wait()


def test_describe_pod_deployment_service_node(kubectl):
    kubectl.run("apply", "-f", "-", input=POD.format(name="desc-pod", app="desc", image="nginx:alpine"))
    out = kubectl.out("describe", "pod", "desc-pod")
    assert "Name:" in out and "desc-pod" in out and "nginx:alpine" in out
    kubectl.run("apply", "-f", "-", input=DEPLOY.format(name="desc-deploy", replicas=1))
    out = kubectl.out("describe", "deployment", "desc-deploy")
    assert "RollingUpdateStrategy:" in out and "25% max unavailable, 25% max surge" in out
    out = kubectl.out("describe", "service", "kubernetes")
    assert "IP:" in out and "443/TCP" in out
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "desc-node"},
            "status": {"capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"}}}
    kubectl.run("create", "-f", "-", input=json.dumps(node))
    out = kubectl.out("describe", "node", "desc-node")
    assert "Name:               desc-node" in out and "Capacity:" in out


def test_create_namespace_configmap_secret_deployment(kubectl):
    assert "namespace/made created" in kubectl.out("create", "namespace", "made")
    assert "configmap/cm1 created" in kubectl.out("create", "configmap", "cm1", "--from-literal=k=v")
    assert kubectl.out("get", "configmap", "cm1", "-o", "jsonpath={.data.k}") == "v"
    assert "secret/s1 created" in kubectl.out("create", "secret", "generic", "s1", "--from-literal=pw=hunter2")
    assert kubectl.out("get", "secret", "s1", "-o", "jsonpath={.data.pw}") == "aHVudGVyMg=="
    assert "deployment.apps/d1 created" in kubectl.out("create", "deployment", "d1", "--image=nginx:alpine", "--replicas=2")
    assert kubectl.out("get", "deploy", "d1", "-o", "jsonpath={.spec.replicas}") == "2"


def test_scale_label_annotate(kubectl):
    kubectl.run("apply", "-f", "-", input=DEPLOY.format(name="scaler", replicas=1))
    assert "deployment.apps/scaler scaled" in kubectl.out("scale", "deployment", "scaler", "--replicas=4")
    assert kubectl.out("get", "deploy", "scaler", "-o", "jsonpath={.spec.replicas}") == "4"
    assert "labeled" in kubectl.out("label", "deployment", "scaler", "tier=web")
    assert "annotated" in kubectl.out("annotate", "deployment", "scaler", "note=hello")
    obj = json.loads(kubectl.out("get", "deploy", "scaler", "-o", "json"))
    assert obj["metadata"]["labels"]["tier"] == "web"
    assert obj["metadata"]["annotations"]["note"] == "hello"
    # scale bumps the generation (spec change), label does not, annotate does: upstream's deployment
    # strategy counts annotation changes because they are copied to the replica sets.
    assert obj["metadata"]["generation"] == 3


def test_patch_all_three_types(kubectl):
    kubectl.run("apply", "-f", "-", input=DEPLOY.format(name="patched", replicas=1))
    kubectl.run("patch", "deployment", "patched", "-p",
                '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}')
    obj = json.loads(kubectl.out("get", "deploy", "patched", "-o", "json"))
    containers = obj["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1 and containers[0]["image"] == "nginx:1.27"
    assert containers[0]["ports"][0]["containerPort"] == 80  # strategic merge kept the port
    kubectl.run("patch", "deployment", "patched", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}')
    kubectl.run("patch", "deployment", "patched", "--type=json", "-p",
                '[{"op":"replace","path":"/spec/replicas","value":3}]')
    obj = json.loads(kubectl.out("get", "deploy", "patched", "-o", "json"))
    assert obj["metadata"]["labels"]["m"] == "1" and obj["spec"]["replicas"] == 3


def test_explain_pod_spec_containers(kubectl):
    out = kubectl.out("explain", "pod.spec.containers")
    assert "KIND:       Pod" in out
    assert "FIELD: containers <[]Container>" in out
    assert "image\t<string>" in out or "image <string>" in out.replace("\t", " ")


def test_delete_pod_and_namespace_with_objects(kubectl):
    kubectl.run("apply", "-f", "-", input=POD.format(name="doomed", app="x", image="nginx:alpine"))
    assert 'pod "doomed" deleted' in kubectl.out("delete", "pod", "doomed")
    assert kubectl.run("get", "pod", "doomed", check=False).returncode != 0
    kubectl.run("create", "namespace", "gone")
    kubectl.run("create", "configmap", "inside", "-n", "gone", "--from-literal=a=b")
    kubectl.run("apply", "-n", "gone", "-f", "-", input=POD.format(name="p", app="x", image="nginx:alpine"))
    assert 'namespace "gone" deleted' in kubectl.out("delete", "namespace", "gone", timeout=60)
    assert kubectl.run("get", "namespace", "gone", check=False).returncode != 0
    assert kubectl.run("get", "configmap", "inside", "-n", "gone", check=False).returncode != 0


def test_errors_print_like_upstream(kubectl):
    p = kubectl.run("get", "pod", "nosuch", check=False)
    assert p.returncode != 0 and 'Error from server (NotFound): pods "nosuch" not found' in p.stderr
    kubectl.run("create", "configmap", "dup")
    p = kubectl.run("create", "configmap", "dup", check=False)
    # kubectl's generator commands wrap server errors: upstream prints exactly this too.
    assert 'configmaps "dup" already exists' in p.stderr
    bad = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\nspec:\n  containers:\n  - name: c\n"
    p = kubectl.run("apply", "-f", "-", input=bad, check=False)
    assert 'The Pod "broken" is invalid' in p.stderr and "spec.containers[0].image: Required value" in p.stderr
    assert kubectl.run("get", "pod", "broken", check=False).returncode != 0
    typo = POD.format(name="typo", app="x", image="nginx").replace("image:", "imagee:")
    p = kubectl.run("apply", "-f", "-", input=typo, check=False)
    assert 'unknown field "spec.containers[0].imagee"' in p.stderr
    assert kubectl.run("get", "pod", "typo", check=False).returncode != 0
