"""Resource metrics and autoscaling on a real node: the kubelet measures its containers (CRI stats), the API
server serves metrics.k8s.io from its scrapes, the real `kubectl top` prints nodes, pods and containers, and the
horizontal pod autoscaler scales a Deployment with a CPU-burning pod up within a minute, then down again once
its (here shortened) scale-down stabilization window has passed."""
import json
import re
import tempfile
import time

import pytest

from real_cluster import apply, kubectl, real_cluster
from real_cluster import eventually as _eventually


def eventually(fn, timeout=90, interval=1):
    return _eventually(fn, timeout, interval)


NAME = "mte2e"


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=1, images=("busybox.oci.tar",)) as env, tempfile.TemporaryDirectory() as cache:
        # A discovery cache of its own: another cluster once served on the same address without the group.
        yield dict(env, KUBECACHEDIR=cache)


def deployment(name, command, cpu_request="100m", cpu_limit="200m"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"terminationGracePeriodSeconds": 1,
                                           "containers": [{"name": "main", "image": "busybox:1.35", "command": ["sh", "-c", command],
                                                           "resources": {"requests": {"cpu": cpu_request, "memory": "16Mi"},
                                                                         "limits": {"cpu": cpu_limit}}}]}}}}


def table(out):
    lines = [l.split() for l in out.strip().split("\n") if l.strip()]
    return lines[0], lines[1:]


def millicores(text):
    m = re.fullmatch(r"(\d+)m", text)
    return int(m.group(1)) if m else int(text) * 1000


def test_top_prints_measured_figures(cluster):
    apply(cluster, deployment("burn", "while :; do :; done"))
    apply(cluster, deployment("idle", "sleep 3600"))
    kubectl(cluster, "rollout", "status", "deployment/burn", "--timeout=120s", timeout=130)
    kubectl(cluster, "rollout", "status", "deployment/idle", "--timeout=120s", timeout=130)

    # The API server serves the group and its APIService, as metrics-server's installation shows them.
    assert "metrics.k8s.io/v1beta1" in kubectl(cluster, "api-versions").split()
    svc = json.loads(kubectl(cluster, "get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json"))
    assert svc["spec"]["group"] == "metrics.k8s.io"

    nodes = eventually(lambda: kubectl(cluster, "top", "nodes", check=False))
    header, rows = table(nodes)
    assert header == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"], nodes
    assert rows and rows[0][0] == f"{NAME}-control-plane", nodes
    # The node holds a container burning its 200m limit.
    assert millicores(rows[0][1]) >= 100 and rows[0][2].endswith("%") and rows[0][3].endswith("Mi"), nodes

    def burning():
        out = kubectl(cluster, "top", "pods", "-A", check=False)
        header, rows = table(out)
        burn = [r for r in rows if r[1].startswith("burn-")]
        return burn and millicores(burn[0][2]) >= 100 and (header, rows)
    got = eventually(burning)
    assert got, kubectl(cluster, "top", "pods", "-A", check=False)
    header, rows = got
    assert header == ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    idle = [r for r in rows if r[1].startswith("idle-")]
    assert idle and idle[0][0] == "default" and millicores(idle[0][2]) < 20, rows

    out = kubectl(cluster, "top", "pods", "--containers", "-l", "app=burn")
    header, rows = table(out)
    assert header == ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"], out
    assert rows[0][0].startswith("burn-") and rows[0][1] == "main" and rows[0][3].endswith("Mi"), out

    # The kubelet's own endpoints, through the API server's node proxy are not served; the raw API is.
    raw = json.loads(kubectl(cluster, "get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"))
    assert raw["kind"] == "PodMetricsList"
    burn = [i for i in raw["items"] if i["metadata"]["labels"].get("app") == "burn"][0]
    assert re.fullmatch(r"\d+(\.\d+)?m?s", burn["window"]) and burn["containers"][0]["name"] == "main"


def test_autoscaler_scales_a_cpu_burner_up_and_back_down(cluster):
    start = time.time()
    kubectl(cluster, "autoscale", "deployment", "burn", "--cpu-percent=50", "--min=1", "--max=3")

    def replicas():
        d = json.loads(kubectl(cluster, "get", "deployment", "burn", "-o", "json"))
        return d["spec"]["replicas"]
    assert eventually(lambda: replicas() >= 2, timeout=75), kubectl(cluster, "describe", "hpa", "burn")
    assert time.time() - start < 75
    events = kubectl(cluster, "get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler", "-o", "json")
    messages = [(e["reason"], e["message"], e["source"].get("component")) for e in json.loads(events)["items"]]
    assert any(r == "SuccessfulRescale" and re.fullmatch(r"New size: [23]; reason: cpu resource utilization \(percentage of request\) above target", m)
               and c == "horizontal-pod-autoscaler" for r, m, c in messages), messages

    out = eventually(lambda: (lambda o: "<unknown>" not in o and o)(kubectl(cluster, "get", "hpa", "burn")))
    header, rows = table(out)
    assert header == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], out
    assert rows[0][:3] == ["burn", "Deployment/burn", "cpu:"] and re.fullmatch(r"\d+%/50%", rows[0][3]), out
    assert rows[0][4:6] == ["1", "3"], out

    # A target the burner can never reach, with a 10 s scale-down window: back to 1 once it has passed.
    hpa = json.loads(kubectl(cluster, "get", "hpa.v2.autoscaling", "burn", "-o", "json"))
    hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = 5000
    hpa["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 10}}
    for k in ("resourceVersion", "managedFields"):
        hpa["metadata"].pop(k, None)
    hpa.pop("status", None)
    apply(cluster, hpa)
    assert eventually(lambda: replicas() == 1, timeout=90), kubectl(cluster, "describe", "hpa", "burn")
    status = json.loads(kubectl(cluster, "get", "hpa.v2.autoscaling", "burn", "-o", "json"))["status"]
    assert {c["type"] for c in status["conditions"]} == {"AbleToScale", "ScalingActive", "ScalingLimited"}
    kubectl(cluster, "delete", "hpa", "burn")
    kubectl(cluster, "delete", "deployment", "burn", "idle")
