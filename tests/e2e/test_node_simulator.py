"""Issue 20 item 1: simulated nodes at kwok's scale. One `skiff node-simulator` process runs every simulated node
of a cluster; a thousand of them come up in one `skiff create cluster`, cost less than 200 MB together, and can
be added, removed, paused; node counts beyond the address plans are refused before anything is made; and
simulated nodes join a cluster of real ones."""
import json
import os
import subprocess
import tempfile

import pytest

from conftest import SKIFF
from real_cluster import can_i, eventually, kubectl, real_cluster, simulated_cluster


def skiff(env, *args, timeout=120):
    out = subprocess.run([SKIFF, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def nodes(env):
    return json.loads(kubectl(env, "get", "nodes", "-o", "json", timeout=120))["items"]


def is_ready(node):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", []))


def run_dir(env, name):
    return os.path.join(env["SKIFF_HOME"], "clusters", name, "run")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def test_a_thousand_simulated_nodes_in_one_process(tmp_path):
    name = "k1000"
    with simulated_cluster(name, create_args=("--nodes", "1000")) as env:
        all_nodes = nodes(env)
        assert len(all_nodes) == 1000 and all(is_ready(n) for n in all_nodes)
        # Past the 256 /24s of 10.244.0.0/16: the large plan, a distinct range each.
        cidrs = {n["spec"]["podCIDR"] for n in all_nodes}
        assert len(cidrs) == 1000 and all(c.startswith("10.1") for c in cidrs), sorted(cidrs)[:3]
        # One process runs them all, with a port of its own per node.
        pid_files = os.listdir(run_dir(env, name))
        assert "node-simulator.pid" in pid_files and not any(f.startswith("kubelet-") for f in pid_files), pid_files
        ports = {n["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] for n in all_nodes}
        assert len(ports) == 1000
        with open(os.path.join(run_dir(env, name), "node-simulator.pid")) as f:
            simulator = int(f.read())
        assert rss_bytes(simulator) < 200 * 1024 * 1024, f"node simulator RSS {rss_bytes(simulator) / 2**20:.0f} MiB"

        # A pod on the last node runs there with an address of its range.
        last = f"{name}-worker999"
        kubectl(env, "run", "far", "--image=busybox", "--restart=Never", "--overrides",
                json.dumps({"spec": {"nodeSelector": {"kubernetes.io/hostname": last}}}))
        pod = eventually(lambda: (lambda p: p if p["status"].get("phase") == "Running" else None)(
            json.loads(kubectl(env, "get", "pod", "far", "-o", "json"))), 60)
        assert pod and pod["spec"]["nodeName"] == last
        assert pod["status"]["podIP"].startswith("10.131.231."), pod["status"]

        # One more, from the same plan; then it goes again.
        out = skiff(env, "add", "node", "--name", name)
        assert f'Added node "{name}-worker1000"' in out, out
        added = json.loads(kubectl(env, "get", "node", f"{name}-worker1000", "-o", "json"))
        assert added["spec"]["podCIDR"] == "10.131.232.0/24"
        skiff(env, "delete", "node", "--name", name, f"{name}-worker1000")
        assert eventually(lambda: f"{name}-worker1000" not in kubectl(env, "get", "nodes", "-o", "name"), 30)
        with open(os.path.join(env["SKIFF_HOME"], "clusters", name, "cluster.json")) as f:
            assert len(json.load(f)["nodes"]) == 1000


def test_node_counts_beyond_the_plans_are_refused_before_anything_is_made(tmp_path):
    env = dict(os.environ, SKIFF_HOME=str(tmp_path / "home"), KUBECONFIG=str(tmp_path / "kubeconfig"))
    for args, message in [
        (["--runtime", "simulated", "--nodes", "40000"], "more than the pod address plan holds: at most 32768 nodes"),
        (["--runtime", "containerd", "--nodes", "300"], "at most 251 real nodes fit the node network 172.30.0.0/24"),
    ]:
        out = subprocess.run([SKIFF, "create", "cluster", "--name", "toomany", *args], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0 and message in out.stderr + out.stdout, out.stdout + out.stderr
        assert not os.path.exists(tmp_path / "home" / "clusters" / "toomany")


def test_a_simulated_node_pauses_and_resumes(tmp_path):
    name = "hpause"
    with simulated_cluster(name, create_args=("--nodes", "2")) as env:
        worker = f"{name}-worker"
        renew = lambda: kubectl(env, "get", "lease", "-n", "kube-node-lease", worker, "-o", "jsonpath={.spec.renewTime}")
        skiff(env, "pause", "node", "--name", name, worker)
        frozen = renew()
        # The other node keeps renewing (every 10 s) while the paused one does not.
        other = lambda: kubectl(env, "get", "lease", "-n", "kube-node-lease", f"{name}-control-plane", "-o", "jsonpath={.spec.renewTime}")
        before = other()
        assert eventually(lambda: other() != before, 30)
        assert renew() == frozen
        skiff(env, "unpause", "node", "--name", name, worker)
        assert eventually(lambda: renew() != frozen, 30)
        logs = skiff(env, "logs", "kubelet", "--name", name, "--node", worker)
        assert f"node={worker}" in logs and f"node={name}-control-plane" not in logs
        # The simulator is what a kubelet is (system:node), for every node at once, and no more.
        who = ("--as", "system:skiff:node-simulator")
        for verb, resource, *sub in (("create", "nodes"), ("patch", "nodes", "--subresource=status"),
                                     ("update", "leases.coordination.k8s.io"), ("list", "pods"),
                                     ("patch", "pods", "--subresource=status"), ("create", "events")):
            assert can_i(env, verb, resource, *sub, "-A", *who) == "yes", (verb, resource, sub)
        for verb, resource in (("create", "deployments.apps"), ("delete", "namespaces"), ("create", "clusterrolebindings")):
            assert can_i(env, verb, resource, "-A", *who) == "no", (verb, resource)


def test_simulated_nodes_join_a_cluster_of_real_ones():
    name = "hmix"
    with real_cluster(name, nodes=1) as env:
        out = skiff(env, "add", "node", "--name", name, "--simulated")
        simulated = f"{name}-worker"
        assert f'Added node "{simulated}"' in out, out
        by_name = {n["metadata"]["name"]: n for n in nodes(env)}
        assert is_ready(by_name[simulated]) and is_ready(by_name[f"{name}-control-plane"])
        assert by_name[simulated]["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("simulated://")
        assert by_name[f"{name}-control-plane"]["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
        # The real node keeps its own kubelet process; the simulated one is the simulator's.
        pid_files = os.listdir(run_dir(env, name))
        assert f"kubelet-{name}-control-plane.pid" in pid_files and "node-simulator.pid" in pid_files, pid_files
        # A pod pinned to the simulated node runs there, one pinned to the real node in a real container.
        for pod, node in (("sim", simulated), ("real", f"{name}-control-plane")):
            kubectl(env, "run", pod, "--image=busybox:1.35", "--restart=Never", "--overrides",
                    json.dumps({"spec": {"nodeSelector": {"kubernetes.io/hostname": node}}}), "--", "sleep", "3600")
        assert eventually(lambda: all(json.loads(kubectl(env, "get", "pod", p, "-o", "json"))["status"].get("phase") == "Running"
                                      for p in ("sim", "real")), 90)
        assert json.loads(kubectl(env, "get", "pod", "sim", "-o", "json"))["status"]["podIP"].startswith("10.244.1.")
        assert "hello" in kubectl(env, "exec", "real", "--", "echo", "hello")
        # Real nodes cannot be removed this way; the simulated one can, and its pods go with it.
        refused = subprocess.run([SKIFF, "delete", "node", "--name", name, f"{name}-control-plane"], env=env,
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "is a real node" in refused.stderr, refused.stderr
        skiff(env, "delete", "node", "--name", name, simulated)
        assert eventually(lambda: simulated not in kubectl(env, "get", "nodes", "-o", "name"), 30)
        # The pod garbage collector removes pods of a node gone for its 40 s quarantine.
        pods = lambda: [line.removeprefix("pod/") for line in kubectl(env, "get", "pods", "-o", "name").split()]
        assert "sim" in pods()
        assert eventually(lambda: "sim" not in pods(), 120), pods()
        assert "real" in pods()
