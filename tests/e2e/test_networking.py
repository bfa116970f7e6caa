"""Networking past ClusterIP on a 2-node real cluster (docs/networking.md), with the real kubectl:
`--port` and `extraPortMappings` publish node ports on the host's loopback, a NodePort answers at every
node's address from inside another node, a pod's hostPort answers (CNI portmap), and a LoadBalancer
Service gets an address from the cluster's pool that the host reaches through the cluster's own route —
checked with `ip route get` before any packet is sent — including externalTrafficPolicy: Local and
loadBalancerSourceRanges; NetworkPolicies are enforced in the nodes (default deny, labelled clients, egress DNS).
Deleting the cluster leaves no route, device or address of it on the host."""
import json
import os
import re
import socket
import subprocess
import tempfile

import pytest

from conftest import SKIFF
from real_cluster import apply, eventually, host_link_device, kubectl, real_cluster, route_device

NAME = "hnet"
CP, WORKER = f"{NAME}-control-plane", f"{NAME}-worker"
CP_IP, WORKER_IP = "172.30.0.2", "172.30.0.3"
NODE_PORT, HOST_PORT_IN_POD = 30080, 18088


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORTS = {"flag": free_port(), "config": free_port(), "hostport": free_port()}


@pytest.fixture(scope="module")
def cluster():
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        # kind's format: the control plane publishes the NodePort, the worker the pod's hostPort.
        f.write(f"""kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  extraPortMappings:
  - containerPort: {NODE_PORT}
    hostPort: {PORTS["config"]}
- role: worker
  extraPortMappings:
  - containerPort: {HOST_PORT_IN_POD}
    hostPort: {PORTS["hostport"]}
    protocol: TCP
""")
        config = f.name
    try:
        with real_cluster(NAME, nodes=2, create_args=("--config", config, "--port", f"{PORTS['flag']}:{NODE_PORT}")) as env:
            setup(env)
            yield env
    finally:
        os.unlink(config)


def setup(env):
    objs = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "nginx", "image": "nginx:alpine",
                                                        "ports": [{"containerPort": 80, "hostPort": HOST_PORT_IN_POD}]}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-np"},
         "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "nodePort": NODE_PORT}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-lb"},
         "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
         "spec": {"terminationGracePeriodSeconds": 0,
                  "containers": [{"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"]}]}},
    ]
    for o in objs:
        apply(env, o)
    ready = lambda: kubectl(env, "get", "endpoints", "web-np", "-o", "jsonpath={.subsets[*].addresses[*].ip}").split()
    assert eventually(lambda: len(ready()) == 1, 120), ready()
    assert eventually(lambda: kubectl(env, "get", "pod", "client", "-o", "jsonpath={.status.phase}") == "Running", 90)


def spec_of(env):
    with open(os.path.join(env["SKIFF_HOME"], "clusters", NAME, "cluster.json")) as f:
        return json.load(f)


def host_device(env):
    return host_link_device(env, NAME)


def curl_from_host(env, url, timeout=5):
    """curl from the root namespace, only after `ip route get` shows the cluster's own device."""
    host = re.match(r"https?://([^/:]+)", url).group(1)
    if not host.startswith("127."):
        dev = route_device(host)
        assert dev == host_device(env), f"{host} would leave through {dev}, not the cluster's {host_device(env)}"
    return subprocess.run(["curl", "-sS", "--max-time", str(timeout), url], capture_output=True, text=True)


def in_node(node, *argv, timeout=20):
    return subprocess.run(["ip", "netns", "exec", f"skiff-{node}", *argv], capture_output=True, text=True, timeout=timeout)


def external_ip(env, svc="web-lb"):
    return kubectl(env, "get", "svc", svc, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")


def test_port_flag_and_config_mappings_reach_the_node_port_on_loopback(cluster):
    for which in ("flag", "config"):
        r = eventually(lambda: (lambda p: p if p.returncode == 0 else None)(curl_from_host(cluster, f"http://127.0.0.1:{PORTS[which]}/")), 30)
        assert r and "Welcome to nginx" in r.stdout, (which, r)


def test_node_port_answers_at_every_node_address_from_another_node(cluster):
    for node, other_ip in ((CP, WORKER_IP), (WORKER, CP_IP), (CP, CP_IP)):
        r = in_node(node, "curl", "-sS", "--max-time", "5", f"http://{other_ip}:{NODE_PORT}/")
        assert r.returncode == 0 and "Welcome to nginx" in r.stdout, (node, other_ip, r.stderr)
    # And from a pod, at every node's address.
    for ip in (CP_IP, WORKER_IP):
        out = kubectl(cluster, "exec", "client", "--", "busybox", "timeout", "5", "wget", "-qO-", f"http://{ip}:{NODE_PORT}/")
        assert "Welcome to nginx" in out


def test_host_port_answers_at_the_node_and_through_a_mapping(cluster):
    node = kubectl(cluster, "get", "pod", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")
    assert node == WORKER
    r = in_node(CP, "curl", "-sS", "--max-time", "5", f"http://{WORKER_IP}:{HOST_PORT_IN_POD}/")
    assert r.returncode == 0 and "Welcome to nginx" in r.stdout, r.stderr
    r = eventually(lambda: (lambda p: p if p.returncode == 0 else None)(curl_from_host(cluster, f"http://127.0.0.1:{PORTS['hostport']}/")), 30)
    assert r and "Welcome to nginx" in r.stdout, r


def test_load_balancer_gets_an_address_the_host_reaches_through_the_clusters_route(cluster):
    ip = eventually(lambda: external_ip(cluster), 60)
    assert ip, kubectl(cluster, "get", "svc", "web-lb", "-o", "yaml")
    link = spec_of(cluster)["hostLink"]["index"]
    assert ip.startswith(f"172.31.{link}.")
    table = kubectl(cluster, "get", "svc", "web-lb")
    header, row = table.splitlines()[:2]
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert row.split()[3] == ip and "<pending>" not in row
    assert kubectl(cluster, "get", "svc", "web-lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ipMode}") == "VIP"
    assert route_device(ip) == host_device(cluster)
    r = eventually(lambda: (lambda p: p if p.returncode == 0 else None)(curl_from_host(cluster, f"http://{ip}/")), 30)
    assert r and "Welcome to nginx" in r.stdout, r


def test_local_policy_is_served_by_the_node_with_the_endpoint_only(cluster):
    kubectl(cluster, "patch", "svc", "web-lb", "-p", '{"spec":{"externalTrafficPolicy":"Local"}}')
    ip = external_ip(cluster)

    def announced(node):
        return ip in in_node(node, "ip", "-o", "addr", "show", "dev", "skiff-lb").stdout

    # The endpoint is on the worker: only the worker answers for the address.
    assert eventually(lambda: announced(WORKER) and not announced(CP), 30)
    r = eventually(lambda: (lambda p: p if p.returncode == 0 else None)(curl_from_host(cluster, f"http://{ip}/")), 30)
    assert r and "Welcome to nginx" in r.stdout, r
    # The client's address is kept: nginx logs the host's end of the link, not a node's.
    host_addr = f"172.31.{spec_of(cluster)['hostLink']['index']}.1"
    logs = kubectl(cluster, "logs", "deployment/web")
    assert host_addr in logs, logs[-2000:]
    kubectl(cluster, "patch", "svc", "web-lb", "-p", '{"spec":{"externalTrafficPolicy":"Cluster"}}')
    assert eventually(lambda: announced(WORKER) and announced(CP), 30)


def test_source_ranges_admit_only_the_listed_clients(cluster):
    ip = external_ip(cluster)
    kubectl(cluster, "patch", "svc", "web-lb", "-p", '{"spec":{"loadBalancerSourceRanges":["10.0.0.0/8"]}}')
    assert eventually(lambda: curl_from_host(cluster, f"http://{ip}/", timeout=2).returncode != 0, 30)
    link = spec_of(cluster)["hostLink"]["index"]
    kubectl(cluster, "patch", "svc", "web-lb", "-p", json.dumps({"spec": {"loadBalancerSourceRanges": [f"172.31.{link}.0/30"]}}))
    r = eventually(lambda: (lambda p: p if p.returncode == 0 else None)(curl_from_host(cluster, f"http://{ip}/")), 30)
    assert r and "Welcome to nginx" in r.stdout, r


def wget_rc(env, ns, pod, url, timeout=3):
    p = subprocess.run(["kubectl", "-n", ns, "exec", pod, "--", "busybox", "timeout", str(timeout), "wget", "-qO-", url],
                       env=env, capture_output=True, text=True, timeout=60)
    return p.returncode


def test_network_policies_default_deny_then_allow_labelled_clients_and_egress_dns(cluster):
    kubectl(cluster, "create", "namespace", "pol")
    objs = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "pol", "labels": {"app": "nginx"}},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:alpine", "ports": [{"name": "http", "containerPort": 80}]}]}}]
    objs += [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "pol", "labels": {"access": access}},
              "spec": {"terminationGracePeriodSeconds": 0, "containers": [{"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"]}]}}
             for name, access in (("yes", "true"), ("no", "false"))]
    for o in objs:
        apply(cluster, o)
    assert eventually(lambda: all(kubectl(cluster, "-n", "pol", "get", "pod", n, "-o", "jsonpath={.status.phase}") == "Running"
                                  for n in ("nginx", "yes", "no")), 120)
    ip = kubectl(cluster, "-n", "pol", "get", "pod", "nginx", "-o", "jsonpath={.status.podIP}")
    url = f"http://{ip}/"
    assert eventually(lambda: wget_rc(cluster, "pol", "yes", url) == 0 and wget_rc(cluster, "pol", "no", url) == 0, 30)

    apply(cluster, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "pol"},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    assert eventually(lambda: wget_rc(cluster, "pol", "yes", url) != 0 and wget_rc(cluster, "pol", "no", url) != 0, 20)

    apply(cluster, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "allow-access", "namespace": "pol"},
                    "spec": {"podSelector": {"matchLabels": {"app": "nginx"}},
                             "ingress": [{"from": [{"podSelector": {"matchLabels": {"access": "true"}}}], "ports": [{"port": "http"}]}]}})
    assert eventually(lambda: wget_rc(cluster, "pol", "yes", url) == 0, 20)
    assert wget_rc(cluster, "pol", "no", url) != 0

    def dns_rc():
        p = subprocess.run(["kubectl", "-n", "pol", "exec", "yes", "--", "busybox", "timeout", "4", "nslookup", "kubernetes.default.svc.cluster.local"],
                           env=cluster, capture_output=True, text=True, timeout=60)
        return p.returncode

    assert eventually(lambda: dns_rc() == 0, 20)
    apply(cluster, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "no-egress", "namespace": "pol"},
                    "spec": {"podSelector": {}, "policyTypes": ["Egress"]}})
    assert eventually(lambda: dns_rc() != 0, 20)
    apply(cluster, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "dns", "namespace": "pol"},
                    "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                             "egress": [{"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]}})
    assert eventually(lambda: dns_rc() == 0, 20)
    kubectl(cluster, "delete", "namespace", "pol", "--wait=false")


def test_zz_delete_leaves_no_route_device_or_address(cluster):
    dev = host_device(cluster)
    link = spec_of(cluster)["hostLink"]["index"]
    assert os.path.exists(f"/sys/class/net/{dev}")
    out = subprocess.run([SKIFF, "delete", "cluster", "--name", NAME], env=cluster, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not os.path.exists(f"/sys/class/net/{dev}")
    routes = subprocess.run(["ip", "-o", "-4", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    addrs = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    assert f"172.31.{link}." not in routes and dev not in routes, routes
    assert f"172.31.{link}." not in addrs, addrs
    # Nothing listens on the published ports any more.
    for port in PORTS.values():
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
