"""`skiff create cluster` with simulated nodes, driven by the real kubectl: the cluster tool, TLS and
authentication, the scheduler and the controller manager working together."""
import json
import os
import subprocess
import tempfile
import time
import urllib.request
import ssl

import pytest

from conftest import SKIFF


@pytest.fixture(scope="module")
def cluster():
    with tempfile.TemporaryDirectory(prefix="skiff-cluster-") as d:
        env = dict(os.environ, SKIFF_HOME=os.path.join(d, "home"), KUBECONFIG=os.path.join(d, "kubeconfig"))
        cfg = os.path.join(d, "kind.yaml")
        with open(cfg, "w") as f:
            f.write("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n- role: worker\n")
        out = subprocess.run([SKIFF, "create", "cluster", "--name", "e2e", "--runtime", "simulated", "--config", cfg], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        try:
            yield env
        finally:
            subprocess.run([SKIFF, "delete", "cluster", "--name", "e2e"], env=env, capture_output=True, timeout=120)


def kubectl(env, *args, check=True, input=None):
    p = subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=60, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {p.stdout}\n{p.stderr}")
    return p.stdout


def eventually(fn, timeout=60):
    end = time.time() + timeout
    while True:
        try:
            if fn():
                return True
        except AssertionError:
            pass
        if time.time() > end:
            return False
        time.sleep(0.2)


def test_nodes_named_like_kind_and_ready(cluster):
    lines = kubectl(cluster, "get", "nodes", "--no-headers").splitlines()
    names = sorted(l.split()[0] for l in lines)
    assert names == ["e2e-control-plane", "e2e-worker", "e2e-worker2"]
    assert all(l.split()[1] == "Ready" for l in lines)
    taints = json.loads(kubectl(cluster, "get", "node", "e2e-control-plane", "-o", "json"))["spec"].get("taints", [])
    assert {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"} in taints
    assert kubectl(cluster, "config", "current-context").strip() == "skiff-e2e"


def test_deployment_spreads_over_schedulable_nodes(cluster):
    kubectl(cluster, "create", "deployment", "spread", "--image=nginx:alpine", "--replicas=30")
    assert eventually(lambda: kubectl(cluster, "get", "deploy", "spread", "-o", "jsonpath={.status.readyReplicas}") == "30")
    nodes = kubectl(cluster, "get", "pods", "-l", "app=spread", "-o", "jsonpath={.items[*].spec.nodeName}").split()
    assert len(nodes) == 30 and set(nodes) == {"e2e-worker", "e2e-worker2"}
    assert min(nodes.count("e2e-worker"), nodes.count("e2e-worker2")) >= 10


def test_unfit_pod_stays_pending_with_the_reason(cluster):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
           "spec": {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "500"}}}]}}
    kubectl(cluster, "create", "-f", "-", input=json.dumps(pod))

    def reason():
        out = kubectl(cluster, "get", "events", "--field-selector", "involvedObject.name=huge,reason=FailedScheduling",
                      "-o", "jsonpath={.items[*].message}")
        return "0/3 nodes are available:" in out and "Insufficient cpu" in out
    assert eventually(reason, 30)
    assert kubectl(cluster, "get", "pod", "huge", "-o", "jsonpath={.status.phase}") == "Pending"


def test_rollout_and_undo(cluster):
    kubectl(cluster, "create", "deployment", "roll", "--image=nginx:alpine", "--replicas=3")
    kubectl(cluster, "rollout", "status", "deployment/roll", "--timeout=60s")
    kubectl(cluster, "set", "image", "deployment/roll", "nginx=nginx:1.27")
    kubectl(cluster, "rollout", "status", "deployment/roll", "--timeout=60s")
    assert kubectl(cluster, "get", "deploy", "roll", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx:1.27"
    kubectl(cluster, "rollout", "undo", "deployment/roll")
    kubectl(cluster, "rollout", "status", "deployment/roll", "--timeout=60s")
    assert kubectl(cluster, "get", "deploy", "roll", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx:alpine"
    kubectl(cluster, "delete", "deployment", "roll")
    assert eventually(lambda: kubectl(cluster, "get", "rs,pods", "-l", "app=roll", "--no-headers") == "", 30)


def test_anonymous_requests_get_401(cluster):
    server = json.loads(kubectl(cluster, "config", "view", "--raw", "-o", "json"))["clusters"][0]["cluster"]["server"]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server + "/api/v1/pods", context=ctx, timeout=10)
    assert e.value.code == 401


def test_get_kubeconfig_works_from_a_fresh_shell(cluster, tmp_path):
    text = subprocess.run([SKIFF, "get", "kubeconfig", "--name", "e2e"], env=cluster, capture_output=True, text=True, check=True).stdout
    path = tmp_path / "fresh"
    path.write_text(text)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "KUBECONFIG": str(path)}
    assert "e2e-control-plane" in kubectl(env, "get", "nodes")
