"""Services across a 3-node real cluster: kube-proxy (nftables in each node's namespace) and the cluster DNS,
driven by the real kubectl. A client pod on every node reaches a Service whose endpoints sit on all nodes,
by name and by ClusterIP, every endpoint gets a share, a Service scaled to nothing fails fast, a NodePort
answers on every node's address, and busybox's nslookup finds Services and a headless Service's pods."""
import json
import subprocess
import time

import pytest

from real_cluster import eventually, kubectl, real_cluster

NAME = "e2esvc"
NODES = [f"{NAME}-control-plane", f"{NAME}-worker", f"{NAME}-worker2"]
TOLERATE = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=3, images=("busybox.oci.tar",)) as env:
        setup(env)
        yield env


def pod(name, node, command, labels=None):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"nodeName": node, "tolerations": TOLERATE, "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "c", "image": "busybox:1.35", "command": command}]}}


def setup(env):
    # One web server per node, each answering with its own name; one client per node.
    objs = [pod(f"web-{i}", n, ["sh", "-c", "mkdir /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www"], {"app": "web"})
            for i, n in enumerate(NODES)]
    objs += [pod(f"client-{i}", n, ["sleep", "3600"]) for i, n in enumerate(NODES)]
    objs += [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-np"},
         "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "nodePort": 30080}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-headless"},
         "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nothing"},
         "spec": {"selector": {"app": "nothing"}, "ports": [{"port": 80}]}},
    ]
    for o in objs:
        kubectl(env, "apply", "-f", "-", input=json.dumps(o))
    ready = lambda: kubectl(env, "get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}").split()
    assert eventually(lambda: len(ready()) == 3, 90), ready()
    assert eventually(lambda: all(kubectl(env, "get", "pod", f"client-{i}", "-o", "jsonpath={.status.phase}") == "Running"
                                  for i in range(3)), 60)


def in_pod(env, name, script, timeout=60):
    p = subprocess.run(["kubectl", "exec", name, "--", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def test_every_node_reaches_the_service_by_name_and_ip_with_every_endpoint_sharing(cluster):
    ip = kubectl(cluster, "get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
    for i in range(3):
        for target in ("web", ip):
            rc, out = in_pod(cluster, f"client-{i}", f"for n in $(seq 30); do busybox timeout 5 wget -qO- http://{target}/; done")
            served = [l for l in out.splitlines() if l.startswith("web-")]
            assert rc == 0 and len(served) == 30, out
            assert set(served) == {"web-0", "web-1", "web-2"}, served


def test_service_without_endpoints_fails_fast(cluster):
    start = time.time()
    rc, out = in_pod(cluster, "client-1", "busybox timeout 10 wget -qO- http://nothing/")
    assert rc != 0 and time.time() - start < 5, out


def test_node_port_answers_on_every_node(cluster):
    for i in range(3):
        rc, out = in_pod(cluster, "client-0", f"busybox timeout 5 wget -qO- http://172.30.0.{i + 2}:30080/")
        assert rc == 0 and out.startswith("web-"), out


def test_nslookup_finds_services_and_headless_pods(cluster):
    for name in ("kubernetes.default", "web", "web.default.svc.cluster.local"):
        rc, out = in_pod(cluster, "client-2", f"nslookup {name}")
        assert "Address" in out and "10.96." in out, (name, out)
    rc, out = in_pod(cluster, "client-2", "nslookup web-headless.default.svc.cluster.local")
    ips = kubectl(cluster, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}").split()
    assert all(ip in out for ip in ips), out


def test_scaling_to_zero_makes_requests_fail_fast(cluster):
    kubectl(cluster, "delete", "pod", "web-0", "web-1", "web-2", "--wait=false")
    assert eventually(lambda: kubectl(cluster, "get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}") == "", 60)
    # Stays: kube-proxy writes its rules after the Endpoints change, in its own namespace, with nothing the
    # test can watch; a second covers its sync.
    time.sleep(1)
    start = time.time()
    rc, out = in_pod(cluster, "client-0", "busybox timeout 10 wget -qO- http://web/")
    assert rc != 0 and time.time() - start < 5, out
