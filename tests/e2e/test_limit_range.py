"""LimitRanger admission on a real one-node cluster with the real kubectl: a LimitRange's defaults land in a
pod created without resources (with upstream's `kubernetes.io/limit-ranger` annotation) and reach the running
container's cgroup; a pod over the maximum is refused with upstream's 403 message; `kubectl describe
limitrange` renders the LimitRange; an inverted LimitRange is refused with upstream's 422 message."""
import json
import subprocess

import pytest

from real_cluster import apply, eventually, kubectl, real_cluster

NAME = "e2elimits"
NS = "limits"
TOLERATE_CONTROL_PLANE = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=1, images=("busybox.oci.tar",)) as env:
        kubectl(env, "create", "namespace", NS)
        apply(env, {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "defaults", "namespace": NS},
                    "spec": {"limits": [{"type": "Container",
                                         "default": {"cpu": "500m", "memory": "64Mi"},
                                         "defaultRequest": {"cpu": "100m", "memory": "32Mi"},
                                         "max": {"cpu": "1", "memory": "128Mi"}}]}})
        yield env


def sleeper(name, resources=None):
    container = {"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"]}
    if resources is not None:
        container["resources"] = resources
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NS},
            "spec": {"terminationGracePeriodSeconds": 0, "tolerations": TOLERATE_CONTROL_PLANE, "containers": [container]}}


def test_a_pod_without_resources_gets_the_defaults_and_the_annotation(cluster):
    apply(cluster, sleeper("plain"))
    pod = json.loads(kubectl(cluster, "get", "pod", "plain", "-n", NS, "-o", "json"))
    assert pod["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "64Mi"}, "requests": {"cpu": "100m", "memory": "32Mi"}}, pod["spec"]
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == \
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c"
    assert pod["status"]["qosClass"] == "Burstable"

    def running():
        p = json.loads(kubectl(cluster, "get", "pod", "plain", "-n", NS, "-o", "json"))
        return p["status"].get("phase") == "Running"
    assert eventually(running, 120), kubectl(cluster, "describe", "pod", "plain", "-n", NS)
    # The defaulted limit is the container's: 64Mi in its memory cgroup (v2 or v1).
    limit = kubectl(cluster, "exec", "plain", "-n", NS, "--", "sh", "-c",
                    "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert limit.strip() == str(64 * 1024 * 1024)


def test_a_pod_over_the_maximum_is_refused_with_upstreams_message(cluster):
    pod = sleeper("greedy", {"limits": {"cpu": "2"}})
    p = subprocess.run(["kubectl", "apply", "-f", "-"], input=json.dumps(pod), env=cluster, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert 'Error from server (Forbidden): error when creating "STDIN": pods "greedy" is forbidden: ' \
           'maximum cpu usage per Container is 1, but limit is 2' in p.stderr, p.stderr
    assert kubectl(cluster, "get", "pod", "greedy", "-n", NS, "--ignore-not-found") == ""


def test_kubectl_describe_limitrange(cluster):
    out = kubectl(cluster, "describe", "limitrange", "defaults", "-n", NS)
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "Name: defaults" in lines and f"Namespace: {NS}" in lines, out
    assert "Type Resource Min Max Default Request Default Limit Max Limit/Request Ratio" in lines, out
    assert "Container cpu - 1 100m 500m -" in lines, out
    assert "Container memory - 128Mi 32Mi 64Mi -" in lines, out


def test_an_inverted_limit_range_is_refused_with_upstreams_message(cluster):
    bad = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "inverted", "namespace": NS},
           "spec": {"limits": [{"type": "Pod", "min": {"cpu": "2"}, "max": {"cpu": "1"}}]}}
    p = subprocess.run(["kubectl", "create", "-f", "-"], input=json.dumps(bad), env=cluster, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert ('The LimitRange "inverted" is invalid: spec.limits[0].min[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount'
            '{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: min value 2 is greater '
            'than max value 1') in p.stderr, p.stderr
