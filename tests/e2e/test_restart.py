"""A cluster stopped and started again — with `skiff stop cluster`, and after a simulated reboot (every process
of the cluster killed at once, its network namespaces, mounts, cgroups and /run files gone) — keeps every object,
and the seed's Deployment (3 nginx replicas) and Service serve again: the pods are started afresh on their node
and `wget nginx-service` from a pod answers. Each start prints how long it took until then."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import SKIFF
from real_cluster import apply, eventually, kubectl, real_cluster

NAME = "e2erestart"
NODE = f"{NAME}-control-plane"
# How long a start may take before the test gives up. The goal is under 10 s (the figure is printed); this
# is only patience for a slow, shared machine.
PATIENCE = 90

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx-deployment", "labels": {"app": "nginx"}},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
             "template": {"metadata": {"labels": {"app": "nginx"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:alpine", "ports": [{"containerPort": 80}]}]}}},
}
SERVICE = {
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx-service"},
    "spec": {"selector": {"app": "nginx"}, "ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}]},
}
CLIENT = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "test-pod"},
    "spec": {"terminationGracePeriodSeconds": 1,
             "containers": [{"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"]}]},
}


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME) as env:
        apply(env, DEPLOYMENT)
        apply(env, SERVICE)
        apply(env, CLIENT)
        assert eventually(lambda: serving(env, set()), PATIENCE), kubectl(env, "get", "pods", "-o", "wide")
        yield env


def skiff(env, *args, timeout=300):
    return subprocess.run([SKIFF, *args], env=env, capture_output=True, text=True, timeout=timeout)


def container_ids(env):
    """Every container ID the API shows, by pod name."""
    pods = json.loads(kubectl(env, "get", "pods", "-o", "json"))["items"]
    return {p["metadata"]["name"]: {c.get("containerID") for c in p["status"].get("containerStatuses", [])} for p in pods}


def serving(env, old_ids):
    """The seed's end state, reached again: 3 nginx pods and the client Running and ready with containers
    none of which is one of `old_ids` (the API still shows the old pods as Running until their kubelet says
    otherwise), and `wget nginx-service` from the client printing nginx's page."""
    pods = json.loads(kubectl(env, "get", "pods", "-o", "json", timeout=5))["items"]
    def fresh(p):
        statuses = p["status"].get("containerStatuses", [])
        return (p["status"].get("phase") == "Running" and statuses and all(c.get("ready") for c in statuses)
                and not {c.get("containerID") for c in statuses} & old_ids)
    nginx = [p for p in pods if p["metadata"].get("labels", {}).get("app") == "nginx" and fresh(p)]
    client = [p for p in pods if p["metadata"]["name"] == "test-pod" and fresh(p)]
    if len(nginx) != 3 or not client:
        return False
    page = subprocess.run(["kubectl", "exec", "test-pod", "--", "busybox", "timeout", "2", "wget", "-qO-", "http://nginx-service/"],
                          env=env, capture_output=True, text=True, timeout=10)
    return "Welcome to nginx!" in page.stdout


def objects(env):
    """What must survive a restart: each object's uid and the Service's cluster IP."""
    pods = json.loads(kubectl(env, "get", "pods", "-o", "json"))["items"]
    dep = json.loads(kubectl(env, "get", "deployment", "nginx-deployment", "-o", "json"))
    svc = json.loads(kubectl(env, "get", "service", "nginx-service", "-o", "json"))
    return {"pods": sorted((p["metadata"]["name"], p["metadata"]["uid"]) for p in pods),
            "deployment": dep["metadata"]["uid"], "service": (svc["metadata"]["uid"], svc["spec"]["clusterIP"])}


def start_and_time(env, old_ids):
    """`skiff start cluster`, then the seconds from its start until the seed serves again."""
    began = time.monotonic()
    out = skiff(env, "start", "cluster", "--name", NAME)
    assert out.returncode == 0, out.stdout + out.stderr
    command = time.monotonic() - began
    assert eventually(lambda: serving(env, old_ids), PATIENCE, interval=0.1), kubectl(env, "get", "pods", "-o", "wide")
    total = time.monotonic() - began
    print(f"\nskiff start cluster returned after {command:.1f}s; 3 nginx pods Running and wget nginx-service answering "
          f"{total:.1f}s after the start")
    return total


def cluster_paths(env):
    return os.path.join(env["SKIFF_HOME"], "clusters", NAME) + "/", f"/run/skiff/{NAME}/"


def cluster_processes(env):
    """Every process of the cluster: its supervisor (`skiff supervise --name C`), whatever names its
    directories (components, containerd shims) and whatever is in its cgroups (the pods' processes)."""
    root, run = cluster_paths(env)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            args = open(f"/proc/{entry}/cmdline", "rb").read().decode(errors="replace").split("\0")
            groups = open(f"/proc/{entry}/cgroup").read()
        except OSError:
            continue
        supervisor = os.path.basename(args[0]) == "skiff" and args[1:4] == ["supervise", "--name", NAME]
        if supervisor or any(root in a or run in a for a in args) or f"/skiff/{NAME}/" in groups:
            found.append(int(entry))
    return found


def cluster_mounts(env):
    """Mount points under the cluster's directories, deepest first."""
    root, run = cluster_paths(env)
    points = []
    for line in open("/proc/self/mountinfo"):
        mp = line.split(" ")[4].replace("\\040", " ")
        if (mp + "/").startswith(root) or (mp + "/").startswith(run):
            points.append(mp)
    return sorted(points, key=lambda p: -p.count("/"))


def cluster_namespaces():
    return sorted(n for n in os.listdir("/run/netns") if n == f"skiff-{NAME}" or n.startswith(f"skiff-{NAME}-"))


def simulate_reboot(env):
    """What a reboot does to the cluster, without the cluster's help: every process of it gone at once (stopped
    first so none restarts another), then the network namespaces (the nodes', the cluster's and the pods'),
    the mounts, /run/skiff/C (tmpfs) and the cgroups."""
    pod_netns = set()
    for _ in range(10):
        victims = cluster_processes(env)
        if not victims:
            break
        for pid in victims:
            try:
                pod_netns.add(os.stat(f"/proc/{pid}/ns/net").st_ino)
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        eventually(lambda: not set(victims) & set(cluster_processes(env)), 10, interval=0.05)
    assert not cluster_processes(env)
    pods = [n for n in os.listdir("/run/netns") if n.startswith("cni-") and os.stat(f"/run/netns/{n}").st_ino in pod_netns]
    for ns in pods + cluster_namespaces()[::-1]:
        subprocess.run(["ip", "netns", "del", ns], check=True)
    for mp in cluster_mounts(env):
        subprocess.run(["umount", "-l", mp], check=True)
    subprocess.run(["rm", "-rf", f"/run/skiff/{NAME}"], check=True)
    for hierarchy in os.listdir("/sys/fs/cgroup"):
        top = f"/sys/fs/cgroup/{hierarchy}/skiff/{NAME}"
        for d, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
            os.rmdir(d)
    assert not cluster_namespaces() and not cluster_mounts(env)


def test_stop_leaves_nothing_running_and_start_brings_the_seed_back(cluster):
    before = objects(cluster)
    old = set().union(*container_ids(cluster).values())
    out = skiff(cluster, "stop", "cluster", "--name", NAME)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f'Stopped cluster "{NAME}"' in out.stdout, out.stdout
    assert cluster_processes(cluster) == [] and cluster_namespaces() == [] and cluster_mounts(cluster) == []
    assert not os.path.exists(f"/run/skiff/{NAME}")
    wide = skiff(cluster, "get", "clusters", "-o", "wide").stdout.splitlines()
    assert wide[0].split() == ["NAME", "STATUS", "RUNTIME", "NODES"] and [NAME, "Stopped", "containerd", "1"] in [l.split() for l in wide], wide
    assert skiff(cluster, "get", "clusters").stdout.split() == [NAME]
    again = skiff(cluster, "stop", "cluster", "--name", NAME)
    assert again.returncode != 0 and "not running" in again.stderr, again.stdout + again.stderr
    # Nothing answers while it is stopped.
    assert subprocess.run(["kubectl", "get", "pods", "--request-timeout=2s"], env=cluster, capture_output=True).returncode != 0

    start_and_time(cluster, old)
    assert objects(cluster) == before
    wide = skiff(cluster, "get", "clusters", "-o", "wide").stdout
    assert [NAME, "Running", "containerd", "1"] in [l.split() for l in wide.splitlines()], wide
    again = skiff(cluster, "start", "cluster", "--name", NAME, timeout=60)
    assert again.returncode != 0 and "already running" in again.stderr, again.stdout + again.stderr


def test_after_a_reboot_start_brings_the_seed_back(cluster):
    before = objects(cluster)
    old = set().union(*container_ids(cluster).values())
    simulate_reboot(cluster)
    wide = skiff(cluster, "get", "clusters", "-o", "wide").stdout
    assert [NAME, "Stopped", "containerd", "1"] in [l.split() for l in wide.splitlines()], wide

    start_and_time(cluster, old)
    assert objects(cluster) == before
    # What containerd still held of the pods from before the reboot (their sandboxes and containers, whose
    # processes died with it) is gone: every container it holds runs — the 4 pods' pause and app containers.
    containers = skiff(cluster, "exec", NODE, "--", "ctr", "containers", "ls", "-q", timeout=30).stdout.split()
    running = [line.split()[0] for line in skiff(cluster, "exec", NODE, "--", "ctr", "tasks", "ls", timeout=30).stdout.splitlines()[1:]
               if line.split()[-1] == "RUNNING"]
    assert len(containers) == 8 and sorted(containers) == sorted(running), (containers, running)
