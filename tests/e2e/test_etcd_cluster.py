"""`skiff create cluster --store etcd` (simulated nodes, its own SKIFF_HOME): the supervisor runs an etcd member
whose log `skiff logs etcd` prints and which kube-system shows as `etcd-<node>`, the API server keeps the
cluster's objects in it (through `skiff stop cluster` and `start cluster` too) over TLS with a client certificate from etcd's own CA (etcdctl with that certificate
finds them; without it, or with the admin's, etcd refuses), etcd killed with SIGKILL is restarted with its data,
and `skiff delete cluster` stops it and removes its data."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import SKIFF

NAME = "etcdstore"
NODE = f"{NAME}-control-plane"


@pytest.fixture(scope="module")
def cluster():
    assert shutil.which("etcd") and shutil.which("etcdctl"), "etcd is not installed (scripts/install-deps.sh)"
    with tempfile.TemporaryDirectory(prefix="skiff-etcd-cluster-") as d:
        env = dict(os.environ, SKIFF_HOME=os.path.join(d, "home"), KUBECONFIG=os.path.join(d, "kubeconfig"))
        out = subprocess.run([SKIFF, "create", "cluster", "--name", NAME, "--runtime", "simulated", "--store", "etcd"],
                             env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stdout + out.stderr
        try:
            yield env
        finally:
            subprocess.run([SKIFF, "delete", "cluster", "--name", NAME], env=env, capture_output=True, timeout=120)


def root(env):
    return os.path.join(env["SKIFF_HOME"], "clusters", NAME)


def kubectl(env, *args, check=True):
    p = subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {p.stdout}\n{p.stderr}")
    return p


def etcdctl(env, *args, client_certificate=True, check=True):
    """etcdctl with the etcd CA and, unless told otherwise, the API server's etcd client certificate."""
    with open(os.path.join(root(env), "cluster.json")) as f:
        port = json.load(f)["etcdPorts"]["client"]
    pki = os.path.join(root(env), "pki")
    tls = [f"--cacert={pki}/etcd/ca.crt"]
    if client_certificate:
        tls += [f"--cert={pki}/apiserver-etcd-client.crt", f"--key={pki}/apiserver-etcd-client.key"]
    # A refused client would retry until its command timeout: 3 s is patience enough on loopback.
    p = subprocess.run(["etcdctl", f"--endpoints=https://127.0.0.1:{port}", f"--command-timeout={'10s' if check else '3s'}", *tls, *args],
                       capture_output=True, text=True, timeout=30, env=dict(os.environ, ETCDCTL_API="3"))
    if check and p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, p.args, p.stdout, p.stderr)
    return p.stdout if check else p


def etcd_pid(env):
    with open(os.path.join(root(env), "run", "etcd.pid")) as f:
        return int(f.read().strip())


def eventually(fn, timeout=60):
    end = time.time() + timeout
    while True:
        try:
            if fn():
                return True
        except (AssertionError, subprocess.CalledProcessError):
            pass
        if time.time() > end:
            return False
        time.sleep(0.2)


def test_the_etcd_member_is_supervised_logged_and_shown_in_kube_system(cluster):
    log = subprocess.run([SKIFF, "logs", "etcd", "--name", NAME], env=cluster, capture_output=True, text=True, check=True).stdout
    assert "ready to serve client requests" in log
    assert os.path.isdir(os.path.join(root(cluster), "etcd", "member"))
    readyz = kubectl(cluster, "get", "--raw", "/readyz?verbose").stdout
    assert "[+]etcd ok\n" in readyz and "[+]etcd-readiness ok\n" in readyz
    assert eventually(lambda: kubectl(cluster, "get", "pod", "-n", "kube-system", f"etcd-{NODE}", "-o",
                                      "jsonpath={.status.phase}").stdout == "Running")


def test_the_api_server_keeps_the_clusters_objects_in_etcd(cluster):
    kubectl(cluster, "create", "configmap", "settings", "--from-literal=color=blue")
    stored = json.loads(etcdctl(cluster, "get", "/registry/configmaps/default/settings", "--print-value-only"))
    assert stored["metadata"]["name"] == "settings" and stored["data"] == {"color": "blue"}
    kubectl(cluster, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    assert "/registry/namespaces/kube-system" in etcdctl(cluster, "get", "/registry/namespaces/", "--prefix", "--keys-only")
    # Only the API server's certificate opens etcd: without one, or with the cluster admin's, it is refused.
    assert etcdctl(cluster, "get", "/registry/configmaps/default/settings", client_certificate=False, check=False).returncode != 0
    pki = os.path.join(root(cluster), "pki")
    admin = subprocess.run(["etcdctl", f"--endpoints=https://127.0.0.1:{json.load(open(os.path.join(root(cluster), 'cluster.json')))['etcdPorts']['client']}",
                            "--command-timeout=3s", f"--cacert={pki}/etcd/ca.crt", f"--cert={pki}/admin.crt", f"--key={pki}/admin.key",
                            "get", "/registry/configmaps/default/settings"],
                           capture_output=True, text=True, timeout=30, env=dict(os.environ, ETCDCTL_API="3"))
    assert admin.returncode != 0, admin.stdout
    # The controller manager and scheduler work on it: the deployment's pods come up on the simulated node.
    assert eventually(lambda: kubectl(cluster, "get", "deployment", "web", "-o",
                                      "jsonpath={.status.readyReplicas}").stdout == "2", timeout=120)


def test_a_killed_etcd_is_restarted_with_its_data(cluster):
    old = etcd_pid(cluster)
    os.kill(old, signal.SIGKILL)
    assert eventually(lambda: os.path.exists(os.path.join(root(cluster), "run", "etcd.pid")) and etcd_pid(cluster) != old)
    assert eventually(lambda: kubectl(cluster, "get", "--raw", "/readyz", check=False).stdout == "ok")
    assert kubectl(cluster, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}").stdout == "2"
    kubectl(cluster, "create", "configmap", "after-etcd-restart", "--from-literal=k=v")


def test_stop_and_start_keep_everything_in_etcd(cluster):
    kubectl(cluster, "create", "configmap", "before-stop", "--from-literal=k=v")
    for verb in ("stop", "start"):
        out = subprocess.run([SKIFF, verb, "cluster", "--name", NAME], env=cluster, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stdout + out.stderr
    assert kubectl(cluster, "get", "configmap", "before-stop", "-o", "jsonpath={.data.k}").stdout == "v"
    assert "[+]etcd ok\n" in kubectl(cluster, "get", "--raw", "/readyz?verbose").stdout


def test_delete_cluster_stops_etcd_and_removes_its_data(cluster):
    pid = etcd_pid(cluster)
    out = subprocess.run([SKIFF, "delete", "cluster", "--name", NAME], env=cluster, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not os.path.exists(os.path.join(root(cluster), "etcd"))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
