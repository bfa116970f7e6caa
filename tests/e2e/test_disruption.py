"""Disruption budgets on a real two-node cluster: the disruption controller keeps a PodDisruptionBudget's
status, `kubectl drain` evicts the worker's pods one at a time through the eviction subresource while a
budget of minAvailable 2 over 3 replicas allows only one (retrying on 429 until the replacement is Ready
on the other node), the Python client's eviction gets 429 once the budget is spent, and the replication
controller keeps a ReplicationController scaled as kubectl asks."""
import json
import re
import subprocess
import threading
import time

import pytest

from real_cluster import apply, kubectl, real_cluster
from real_cluster import eventually as _eventually


def eventually(fn, timeout=90, interval=0.5):
    return _eventually(fn, timeout, interval)

NAME = "pdbe2e"
CONTROL = f"{NAME}-control-plane"
WORKER = f"{NAME}-worker"


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=2, images=("nginx-alpine.oci.tar",)) as env:
        yield env


def pods(env, selector):
    return json.loads(kubectl(env, "get", "pods", "-l", selector, "-o", "json"))["items"]


def ready(p):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in p.get("status", {}).get("conditions", []))


def healthy(env, selector):
    """Pods that are Ready and not on their way out: what a budget counts."""
    return [p for p in pods(env, selector) if ready(p) and not p["metadata"].get("deletionTimestamp")]


def web_deployment(name, replicas):
    # Tolerates the control-plane taint so that replacements have a node to go to while the worker drains.
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"terminationGracePeriodSeconds": 2,
                                           "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                                                            "effect": "NoSchedule"}],
                                           "containers": [{"name": "nginx", "image": "nginx:alpine",
                                                           "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1}}]}}}}


def pdb(name, selector, **spec):
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": selector}, **spec}}


def test_drain_evicts_one_at_a_time_within_the_budget(cluster):
    # All three replicas start on the worker: the control plane is cordoned meanwhile.
    kubectl(cluster, "cordon", CONTROL)
    apply(cluster, web_deployment("web", 3))
    apply(cluster, pdb("web", {"app": "web"}, minAvailable=2))
    assert eventually(lambda: len(healthy(cluster, "app=web")) == 3), kubectl(cluster, "get", "pods", "-o", "wide")
    assert {p["spec"]["nodeName"] for p in pods(cluster, "app=web")} == {WORKER}
    kubectl(cluster, "uncordon", CONTROL)

    def status():
        return json.loads(kubectl(cluster, "get", "pdb", "web", "-o", "json"))["status"]
    s = eventually(lambda: status()["disruptionsAllowed"] == 1 and status())
    assert s and s["currentHealthy"] == 3 and s["desiredHealthy"] == 2 and s["expectedPods"] == 3, status()
    cond = [c for c in s["conditions"] if c["type"] == "DisruptionAllowed"][0]
    assert cond["status"] == "True" and cond["reason"] == "SufficientPods"
    out = kubectl(cluster, "get", "pdb", "web")
    assert out.split("\n")[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]
    assert out.split("\n")[1].split()[:4] == ["web", "2", "N/A", "1"]

    # Watch the healthy count for the whole drain.
    lowest = [3]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            try:
                lowest[0] = min(lowest[0], len(healthy(cluster, "app=web")))
            except AssertionError:
                pass
            time.sleep(0.2)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        out = subprocess.run(["kubectl", "drain", WORKER, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=240s"],
                             env=cluster, capture_output=True, text=True, timeout=300)
    finally:
        stop.set()
        watcher.join()
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert f"node/{WORKER} cordoned" in text
    assert f"node/{WORKER} drained" in text
    evicted = [line for line in text.splitlines() if line.startswith("pod/web-") and line.endswith(" evicted")]
    assert len(evicted) == 3, text
    # The budget held: the second and third evictions waited for replacements.
    assert "Cannot evict pod as it would violate the pod's disruption budget." in text, text
    assert lowest[0] >= 2, (lowest[0], text)
    assert eventually(lambda: len(healthy(cluster, "app=web")) == 3)
    assert {p["spec"]["nodeName"] for p in healthy(cluster, "app=web")} == {CONTROL}
    node = json.loads(kubectl(cluster, "get", "node", WORKER, "-o", "json"))
    assert node["spec"]["unschedulable"] is True
    kubectl(cluster, "uncordon", WORKER)
    assert "unschedulable" not in json.loads(kubectl(cluster, "get", "node", WORKER, "-o", "json"))["spec"]


def test_python_client_eviction_gets_429_when_the_budget_is_spent(cluster):
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
    apply(cluster, web_deployment("api", 2))
    apply(cluster, pdb("api", {"app": "api"}, maxUnavailable=1))
    assert eventually(lambda: len(healthy(cluster, "app=api")) == 2)
    assert eventually(lambda: json.loads(kubectl(cluster, "get", "pdb", "api", "-o", "json"))["status"]["disruptionsAllowed"] == 1)
    api = client.CoreV1Api(config.new_client_from_config(config_file=cluster["KUBECONFIG"]))
    first, second = [p["metadata"]["name"] for p in healthy(cluster, "app=api")]
    body = lambda n: client.V1Eviction(metadata=client.V1ObjectMeta(name=n, namespace="default"))
    api.create_namespaced_pod_eviction(first, "default", body(first))
    with pytest.raises(ApiException) as e:
        api.create_namespaced_pod_eviction(second, "default", body(second))
    assert e.value.status == 429
    status = json.loads(e.value.body)
    assert status["reason"] == "TooManyRequests"
    assert status["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert status["details"]["causes"][0]["reason"] == "DisruptionBudget"
    # How many it has depends on whether the controller saw the first pod go yet.
    assert re.fullmatch(r"The disruption budget api needs 1 healthy pods and has [12] currently", status["details"]["causes"][0]["message"])
    # The first one went; its replacement restores the budget, and the second one may go then.
    pdbs = client.PolicyV1Api(config.new_client_from_config(config_file=cluster["KUBECONFIG"]))
    assert eventually(lambda: pdbs.read_namespaced_pod_disruption_budget("api", "default").status.disruptions_allowed == 1, 90)
    api.create_namespaced_pod_eviction(second, "default", body(second))


def test_replication_controller_scales_with_kubectl(cluster):
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "legacy"},
          "spec": {"replicas": 1, "selector": {"app": "legacy"},
                   "template": {"metadata": {"labels": {"app": "legacy"}},
                                "spec": {"tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}],
                                         "containers": [{"name": "nginx", "image": "nginx:alpine"}]}}}}
    apply(cluster, rc)
    assert eventually(lambda: len([p for p in pods(cluster, "app=legacy") if ready(p)]) == 1)
    kubectl(cluster, "scale", "rc", "legacy", "--replicas=3")
    assert eventually(lambda: len([p for p in pods(cluster, "app=legacy") if ready(p)]) == 3)

    def columns():
        lines = kubectl(cluster, "get", "rc", "legacy").split("\n")
        return lines[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"] and lines[1].split()[:4] == ["legacy", "3", "3", "3"]
    assert eventually(columns), kubectl(cluster, "get", "rc", "legacy")
    owner = pods(cluster, "app=legacy")[0]["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "ReplicationController" and owner["name"] == "legacy"
    kubectl(cluster, "scale", "rc", "legacy", "--replicas=0")
    assert eventually(lambda: pods(cluster, "app=legacy") == [])


def test_resource_quota_counts_and_refuses_pods_past_it(cluster):
    kubectl(cluster, "create", "namespace", "quota")
    kubectl(cluster, "create", "quota", "q", "-n", "quota", "--hard=pods=2,count/configmaps=4")

    def used():
        return json.loads(kubectl(cluster, "get", "quota", "q", "-n", "quota", "-o", "json")).get("status", {}).get("used", {})
    # kube-root-ca.crt is a configmap of every namespace.
    assert eventually(lambda: used() == {"pods": "0", "count/configmaps": "1"}), used()
    for name in ("p1", "p2"):
        kubectl(cluster, "run", name, "-n", "quota", "--image=nginx:alpine")
    p = subprocess.run(["kubectl", "run", "p3", "-n", "quota", "--image=nginx:alpine"], env=cluster, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert ('Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, '
            'limited: pods=2') in p.stderr, p.stderr
    assert eventually(lambda: used().get("pods") == "2")
    # A pod that goes frees its share.
    kubectl(cluster, "delete", "pod", "p1", "-n", "quota", "--wait=false")
    assert eventually(lambda: used().get("pods") == "1", 60), used()
