"""Issue 19 item 4: every component serves its own /metrics under upstream's names. A simulated cluster records
each component's loopback metrics port in cluster.json (`metricsPorts`); the scheduler's and the controller
manager's /metrics count the work a Deployment causes, and the kubelet's /metrics (on its HTTPS port, behind the
cluster CA's client certificate) counts its running pods. On real nodes (root) the DNS's and each proxy's ports are
recorded too, and their /metrics count the queries asked and the rule syncs made."""
import json
import os
import re
import ssl
import subprocess
import urllib.request

import pytest

from real_cluster import apply, eventually, kubectl, real_cluster, simulated_cluster

NAME = "cmet"
REAL = "cmetr"


@pytest.fixture(scope="module")
def cluster():
    with simulated_cluster(NAME) as env:
        yield env


def spec(env, name=NAME):
    with open(os.path.join(env["SKIFF_HOME"], "clusters", name, "cluster.json")) as f:
        return json.load(f)


def scrape(url, context=None):
    with urllib.request.urlopen(url, timeout=10, context=context) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def sample(text, metric, **labels):
    """The value of the first series `metric` whose labels include `labels` (None when there is none)."""
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != metric:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None


def deploy_web(env):
    """Three nginx pods (idempotent: `kubectl apply`)."""
    apply(env, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                         "template": {"metadata": {"labels": {"app": "web"}},
                                      "spec": {"containers": [{"name": "nginx", "image": "nginx:alpine"}]}}}})


def test_cluster_json_records_loopback_metrics_ports(cluster):
    ports = spec(cluster)["metricsPorts"]
    assert set(ports) >= {"scheduler", "controllerManager"}
    assert ports["scheduler"] != ports["controllerManager"]
    for component in ("scheduler", "controllerManager"):
        with urllib.request.urlopen(f"http://127.0.0.1:{ports[component]}/healthz", timeout=10) as r:
            assert r.status == 200 and r.read() == b"ok"


def test_scheduler_and_controller_manager_count_a_deployments_work(cluster):
    ports = spec(cluster)["metricsPorts"]
    scheduler = f"http://127.0.0.1:{ports['scheduler']}/metrics"
    manager = f"http://127.0.0.1:{ports['controllerManager']}/metrics"
    before = sample(scrape(scheduler), "scheduler_schedule_attempts_total", result="scheduled", profile="default-scheduler") or 0
    deploy_web(cluster)
    assert eventually(lambda: (sample(scrape(scheduler), "scheduler_schedule_attempts_total",
                                      result="scheduled", profile="default-scheduler") or 0) >= before + 3)
    text = scrape(scheduler)
    assert "# TYPE scheduler_scheduling_attempt_duration_seconds histogram" in text
    assert sample(text, "scheduler_pending_pods", queue="active") is not None
    assert (sample(text, "scheduler_pod_scheduling_attempts_count") or 0) >= 3

    assert eventually(lambda: (sample(scrape(manager), "workqueue_adds_total", name="deployment") or 0) >= 1
                      and (sample(scrape(manager), "workqueue_adds_total", name="replicaset") or 0) >= 1)
    text = scrape(manager)
    for metric in ("workqueue_depth", "workqueue_retries_total", "workqueue_longest_running_processor_seconds",
                   "workqueue_unfinished_work_seconds", "workqueue_queue_duration_seconds_count",
                   "workqueue_work_duration_seconds_count"):
        assert sample(text, metric, name="deployment") is not None, metric


def test_kubelet_metrics_behind_the_cluster_ca(cluster):
    node = spec(cluster)["nodes"][0]
    pki = os.path.join(cluster["SKIFF_HOME"], "clusters", NAME, "pki")
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
    context.check_hostname = False
    url = f"https://127.0.0.1:{node['kubeletPort']}/metrics"
    with pytest.raises(Exception):
        scrape(url, context)  # no client certificate: refused in the handshake
    context.load_cert_chain(os.path.join(pki, "apiserver-kubelet-client.crt"), os.path.join(pki, "apiserver-kubelet-client.key"))
    # One node, untainted as kind leaves it: the Deployment's three pods run here.
    deploy_web(cluster)
    assert eventually(lambda: (sample(scrape(url, context), "kubelet_running_pods") or 0) >= 3)
    assert (sample(scrape(url, context), "kubelet_running_containers", container_state="running") or 0) >= 3
    assert eventually(lambda: (sample(scrape(url, context), "kubelet_pod_start_duration_seconds_count") or 0) >= 3)
    assert sample(scrape(url, context), "kubelet_node_name", node=node["name"]) == 1
    assert "# TYPE kubelet_pod_start_duration_seconds histogram" in scrape(url, context)


DNS_QUERY = r"""
import socket, struct, sys
name, qtype = sys.argv[1], int(sys.argv[2])
packet = struct.pack(">HHHHHH", 0x4d45, 0x0100, 1, 0, 0, 0)
packet += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", qtype, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(packet, ("172.30.0.2", 53))
print(s.recv(4096)[3] & 15)
"""


def test_real_nodes_dns_and_proxy_metrics():
    with real_cluster(REAL, images=()) as env:
        ports = spec(env, REAL)["metricsPorts"]
        node = spec(env, REAL)["nodes"][0]["name"]
        assert set(ports) == {"scheduler", "controllerManager", "dns", "proxy"}
        assert set(ports["proxy"]) == {node}
        assert len({ports["scheduler"], ports["controllerManager"], ports["dns"], ports["proxy"][node]}) == 4

        proxy = f"http://127.0.0.1:{ports['proxy'][node]}/metrics"
        assert eventually(lambda: (sample(scrape(proxy), "kubeproxy_sync_proxy_rules_duration_seconds_count") or 0) >= 1)
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['proxy'][node]}/healthz", timeout=10) as r:
            assert r.status == 200

        dns = f"http://127.0.0.1:{ports['dns']}/metrics"
        before = sample(scrape(dns), "coredns_dns_requests_total", proto="udp", type="A") or 0
        # Asked from the node's namespace, where the cluster DNS listens (172.30.0.2:53), as a pod's resolver would.
        ask = lambda name, qtype: subprocess.run(["ip", "netns", "exec", f"skiff-{node}", "python3", "-c", DNS_QUERY, name, str(qtype)],
                                                 capture_output=True, text=True, timeout=30).stdout.strip()
        assert ask("kubernetes.default.svc.cluster.local", 1) == "0"
        assert ask("nosuch.default.svc.cluster.local", 1) == "3"
        text = scrape(dns)
        assert sample(text, "coredns_dns_requests_total", server="dns://:53", zone=".", proto="udp", family="1", type="A") == before + 2
        assert (sample(text, "coredns_dns_responses_total", rcode="NXDOMAIN", plugin="kubernetes") or 0) >= 1
        assert (sample(text, "coredns_dns_request_duration_seconds_count", server="dns://:53") or 0) >= before + 2
