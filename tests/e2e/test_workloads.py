"""StatefulSets and DaemonSets on a real two-node cluster (`skiff create cluster --nodes 2`), driven by the real
kubectl: a StatefulSet behind a headless Service comes up web-0, web-1, web-2 in order, each pod resolvable as
web-N.nginx from a busybox pod, a deleted pod comes back under its name, a partitioned rolling update touches only
the ordinals at or above the partition and `kubectl rollout undo` goes back; a DaemonSet runs one pod per node it
tolerates. A simulated cluster shows a node added later (`skiff add node`) getting its daemon pod."""
import json
import os
import subprocess

import pytest

from conftest import SKIFF
from real_cluster import apply, kubectl, real_cluster
from real_cluster import eventually as _eventually


def eventually(fn, timeout=90, interval=0.5):
    return _eventually(fn, timeout, interval)

NAME = "stse2e"
CONTROL_PLANE = f"{NAME}-control-plane"
WORKER = f"{NAME}-worker"


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=2, images=("busybox.oci.tar", "nginx-alpine.oci.tar")) as env:
        yield env


def get(env, *what):
    return json.loads(kubectl(env, "get", *what, "-o", "json"))


def ready(pod):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def ready_since(pod):
    return next(c["lastTransitionTime"] for c in pod["status"]["conditions"] if c["type"] == "Ready" and c["status"] == "True")


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "labels": {"app": "web"}},
           "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"name": "web", "port": 80}]}}


def statefulset(annotation=None, partition=0):
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"terminationGracePeriodSeconds": 1,
                         "containers": [{"name": "nginx", "image": "nginx:alpine", "ports": [{"name": "web", "containerPort": 80}],
                                         "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1}}]}}
    if annotation:
        template["metadata"]["annotations"] = {"rev": annotation}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {"serviceName": "nginx", "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}},
                     "template": template}}


def test_statefulset_comes_up_in_order(cluster):
    apply(cluster, SERVICE)
    apply(cluster, statefulset())
    out = kubectl(cluster, "rollout", "status", "sts/web", "--timeout=180s", timeout=200)
    assert "partitioned roll out complete: 3 new pods have been updated..." in out, out
    pods = {p["metadata"]["name"]: p for p in get(cluster, "pods", "-l", "app=web")["items"]}
    assert sorted(pods) == ["web-0", "web-1", "web-2"]
    # Each pod was created only once its predecessor was Ready (OrderedReady).
    assert ready_since(pods["web-0"]) <= pods["web-1"]["metadata"]["creationTimestamp"]
    assert ready_since(pods["web-1"]) <= pods["web-2"]["metadata"]["creationTimestamp"]
    for n, p in pods.items():
        assert p["spec"]["hostname"] == n and p["spec"]["subdomain"] == "nginx"
        assert p["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == n
        assert p["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == n[-1]
        assert p["spec"]["nodeName"] == WORKER  # the control plane is tainted
    events = kubectl(cluster, "get", "events", "--field-selector", "involvedObject.name=web", "-o", "json")
    messages = [e["message"] for e in json.loads(events)["items"] if e["reason"] == "SuccessfulCreate"]
    assert "create Pod web-0 in StatefulSet web successful" in messages
    sts = get(cluster, "sts", "web")
    s = sts["status"]
    assert s["replicas"] == 3 and s["readyReplicas"] == 3 and s["currentRevision"] == s["updateRevision"]
    assert s["observedGeneration"] == sts["metadata"]["generation"]
    table = kubectl(cluster, "get", "sts", "web")
    assert "3/3" in table, table


def test_pods_resolve_under_their_headless_service(cluster):
    apply(cluster, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dnsclient"},
                    "spec": {"terminationGracePeriodSeconds": 1,
                             "containers": [{"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"]}]}})
    assert eventually(lambda: get(cluster, "pod", "dnsclient")["status"]["phase"] == "Running")
    ip0 = get(cluster, "pod", "web-0")["status"]["podIP"]
    out = eventually(lambda: (lambda o: ip0 in o and o)(kubectl(cluster, "exec", "dnsclient", "--", "nslookup", "web-0.nginx", check=False)), 30)
    assert out and ip0 in out, out
    full = kubectl(cluster, "exec", "dnsclient", "--", "nslookup", "nginx.default.svc.cluster.local")
    for p in get(cluster, "pods", "-l", "app=web")["items"]:
        assert p["status"]["podIP"] in full, full
    srv = kubectl(cluster, "exec", "dnsclient", "--", "nslookup", "-type=srv", "_web._tcp.nginx.default.svc.cluster.local")
    assert "web-1.nginx.default.svc.cluster.local" in srv, srv


def test_deleted_pod_comes_back_with_its_name(cluster):
    old = get(cluster, "pod", "web-1")["metadata"]["uid"]
    kubectl(cluster, "delete", "pod", "web-1", "--wait=false")
    back = eventually(lambda: (lambda p: p["metadata"]["uid"] != old and ready(p) and p)(get(cluster, "pod", "web-1")), 120)
    assert back, "web-1 did not come back"
    assert back["spec"]["hostname"] == "web-1"


def test_partitioned_rolling_update_touches_only_the_top(cluster):
    before = {p["metadata"]["name"]: p["metadata"]["labels"]["controller-revision-hash"] for p in get(cluster, "pods", "-l", "app=web")["items"]}
    apply(cluster, statefulset(annotation="two", partition=2))
    out = kubectl(cluster, "rollout", "status", "sts/web", "--timeout=180s", timeout=200)
    assert "partitioned roll out complete: 1 new pods have been updated..." in out, out
    s = get(cluster, "sts", "web")["status"]
    assert s["updatedReplicas"] == 1 and s["currentRevision"] != s["updateRevision"]
    pods = {p["metadata"]["name"]: p for p in get(cluster, "pods", "-l", "app=web")["items"]}
    assert pods["web-2"]["metadata"]["labels"]["controller-revision-hash"] == s["updateRevision"]
    assert pods["web-2"]["metadata"].get("annotations", {}).get("rev") == "two"
    for n in ("web-0", "web-1"):
        assert pods[n]["metadata"]["labels"]["controller-revision-hash"] == before[n] == s["currentRevision"]
    history = kubectl(cluster, "rollout", "history", "sts/web")
    assert "REVISION" in history and "\n1 " in history and "\n2 " in history, history


def test_rollout_undo_goes_back_to_the_previous_template(cluster):
    kubectl(cluster, "patch", "sts", "web", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}')
    out = kubectl(cluster, "rollout", "status", "sts/web", "--timeout=180s", timeout=200)
    assert "partitioned roll out complete: 3 new pods have been updated..." in out, out
    first = min(get(cluster, "controllerrevisions")["items"], key=lambda r: r["revision"])["metadata"]["name"]
    out = kubectl(cluster, "rollout", "undo", "sts/web")
    assert "rolled back" in out, out
    sts = get(cluster, "sts", "web")
    assert "annotations" not in sts["spec"]["template"]["metadata"] or "rev" not in sts["spec"]["template"]["metadata"]["annotations"]
    out = kubectl(cluster, "rollout", "status", "sts/web", "--timeout=180s", timeout=200)
    assert "partitioned roll out complete: 3 new pods have been updated..." in out, out
    s = get(cluster, "sts", "web")["status"]
    assert s["updateRevision"] == first
    assert eventually(lambda: get(cluster, "sts", "web")["status"]["currentRevision"] == first, 60)
    revisions = {r["metadata"]["name"]: r["revision"] for r in get(cluster, "controllerrevisions")["items"]}
    assert len(revisions) == 2 and revisions[first] == 3, revisions
    for p in get(cluster, "pods", "-l", "app=web")["items"]:
        assert "rev" not in p["metadata"].get("annotations", {})


def daemonset(name, tolerate_control_plane):
    spec = {"terminationGracePeriodSeconds": 1, "containers": [{"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"]}]}
    if tolerate_control_plane:
        spec["tolerations"] = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def test_daemonset_runs_one_pod_per_node(cluster):
    apply(cluster, daemonset("agent", True))
    apply(cluster, daemonset("workeronly", False))
    out = kubectl(cluster, "rollout", "status", "ds/agent", "--timeout=180s", timeout=200)
    assert 'daemon set "agent" successfully rolled out' in out, out
    pods = get(cluster, "pods", "-l", "app=agent")["items"]
    assert sorted(p["spec"]["nodeName"] for p in pods) == [CONTROL_PLANE, WORKER]
    assert all(p["status"]["phase"] == "Running" for p in pods)
    for p in pods:
        terms = p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [p["spec"]["nodeName"]]}]}]
    kubectl(cluster, "rollout", "status", "ds/workeronly", "--timeout=180s", timeout=200)
    only = get(cluster, "pods", "-l", "app=workeronly")["items"]
    assert [p["spec"]["nodeName"] for p in only] == [WORKER]
    s = get(cluster, "ds", "agent")["status"]
    assert s["desiredNumberScheduled"] == 2 and s["numberReady"] == 2 and s["updatedNumberScheduled"] == 2


def test_daemonset_rolls_out_and_back(cluster):
    kubectl(cluster, "patch", "ds", "agent", "-p", '{"spec":{"template":{"metadata":{"annotations":{"rev":"two"}}}}}')
    out = kubectl(cluster, "rollout", "status", "ds/agent", "--timeout=180s", timeout=200)
    assert 'daemon set "agent" successfully rolled out' in out, out
    pods = get(cluster, "pods", "-l", "app=agent")["items"]
    assert eventually(lambda: all(p["metadata"].get("annotations", {}).get("rev") == "two" and p["status"]["phase"] == "Running"
                                  for p in get(cluster, "pods", "-l", "app=agent")["items"])
                      and len(get(cluster, "pods", "-l", "app=agent")["items"]) == 2, 120)
    history = kubectl(cluster, "rollout", "history", "ds/agent")
    assert "\n1 " in history and "\n2 " in history, history
    out = kubectl(cluster, "rollout", "undo", "ds/agent")
    assert "rolled back" in out, out
    out = kubectl(cluster, "rollout", "status", "ds/agent", "--timeout=180s", timeout=200)
    assert 'daemon set "agent" successfully rolled out' in out, out
    assert eventually(lambda: all("rev" not in p["metadata"].get("annotations", {}) for p in get(cluster, "pods", "-l", "app=agent")["items"]), 120)


def test_a_node_added_to_a_simulated_cluster_gets_a_daemon_pod(tmp_path):
    """`skiff add node --simulated` adds a kubelet to the running cluster; the DaemonSet follows it."""
    name = "stssim"
    env = dict(os.environ, SKIFF_HOME=str(tmp_path / "home"), KUBECONFIG=str(tmp_path / "kubeconfig"))
    out = subprocess.run([SKIFF, "create", "cluster", "--name", name, "--runtime", "simulated"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    try:
        apply(env, daemonset("agent", False))
        assert eventually(lambda: len(get(env, "pods", "-l", "app=agent")["items"]) == 1)
        out = subprocess.run([SKIFF, "add", "node", "--name", name, "--simulated"], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f'Added node "{name}-worker"' in out.stdout, out.stdout
        nodes = subprocess.run([SKIFF, "get", "nodes", "--name", name], env=env, capture_output=True, text=True, timeout=30).stdout
        assert f"{name}-worker" in nodes, nodes
        joined = eventually(lambda: [p for p in get(env, "pods", "-l", "app=agent")["items"]
                                     if p["spec"].get("nodeName") == f"{name}-worker" and p["status"].get("phase") == "Running"], 90)
        assert joined
        assert eventually(lambda: get(env, "ds", "agent")["status"]["desiredNumberScheduled"] == 2
                          and get(env, "ds", "agent")["status"]["numberReady"] == 2)
        # A second one is named as kind names it.
        out = subprocess.run([SKIFF, "add", "node", "--name", name], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0 and f'Added node "{name}-worker2"' in out.stdout, out.stdout + out.stderr
        assert eventually(lambda: get(env, "ds", "agent")["status"]["numberReady"] == 3)
    finally:
        subprocess.run([SKIFF, "delete", "cluster", "--name", name], env=env, capture_output=True, timeout=180)
    # Nothing of the added nodes outlives the cluster.
    leftovers = subprocess.run(["pgrep", "-f", "--", f"--node-name {name}-worker"], capture_output=True, text=True).stdout
    assert leftovers == "", leftovers


def test_jobs_run_to_completion_on_simulated_nodes(tmp_path):
    """A simulated node ends a Job's pods after `simulated.skiff.dev/run-duration`, with the code asked for."""
    name = "jobsim"
    env = dict(os.environ, SKIFF_HOME=str(tmp_path / "home"), KUBECONFIG=str(tmp_path / "kubeconfig"))
    out = subprocess.run([SKIFF, "create", "cluster", "--name", name, "--runtime", "simulated"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr

    def job(job_name, annotations, **spec):
        template = {"metadata": {"annotations": annotations},
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.35", "command": ["true"]}]}}
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": job_name}, "spec": dict(spec, template=template)}

    def condition(job_name, kind):
        for c in get(env, "job", job_name)["status"].get("conditions", []):
            if c["type"] == kind and c["status"] == "True":
                return c
        return None

    try:
        apply(env, job("ok", {"simulated.skiff.dev/run-duration": "1s"}, completions=3, parallelism=2))
        assert eventually(lambda: condition("ok", "Complete"), 90)
        assert get(env, "job", "ok")["status"]["succeeded"] == 3
        pods = get(env, "pods", "-l", "job-name=ok")["items"]
        assert len(pods) == 3 and all(p["status"]["phase"] == "Succeeded" for p in pods)
        terminated = pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]
        assert terminated["exitCode"] == 0 and terminated["reason"] == "Completed"
        apply(env, job("bad", {"simulated.skiff.dev/run-duration": "0s", "simulated.skiff.dev/exit-code": "3"}, backoffLimit=0))
        assert eventually(lambda: condition("bad", "Failed"), 90)
        assert condition("bad", "Failed")["reason"] == "BackoffLimitExceeded"
        pod = get(env, "pods", "-l", "job-name=bad")["items"][0]
        assert pod["status"]["phase"] == "Failed"
        assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
        # Without the annotation a pod keeps running, as before.
        apply(env, job("forever", {}))
        assert eventually(lambda: [p for p in get(env, "pods", "-l", "job-name=forever")["items"] if p["status"].get("phase") == "Running"])
        assert condition("forever", "Complete") is None
    finally:
        subprocess.run([SKIFF, "delete", "cluster", "--name", name], env=env, capture_output=True, timeout=180)
