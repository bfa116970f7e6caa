"""`skiff apiserver --storage etcd` against a real etcd (Debian's etcd-server) on loopback: /readyz and /livez
report etcd as upstream's do, an object created with kubectl is in etcd under the API server's key (etcdctl finds
it), etcd going away makes /readyz fail on `[-]etcd` and requests answer 503, and the API server carries on when
etcd comes back; a restarted API server finds everything in etcd. etcd and the API server are started and stopped
by PID, in a temporary directory."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from conftest import APIServer, Kubectl, write_kubeconfig

ETCD = shutil.which("etcd")
ETCDCTL = shutil.which("etcdctl")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Etcd:
    """One etcd member on loopback ports, its data in `directory`, stopped by PID."""

    def __init__(self, directory):
        self.directory = directory
        self.client_port, self.peer_port = free_port(), free_port()
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.client_port}"

    def start(self, timeout=30):
        peer = f"http://127.0.0.1:{self.peer_port}"
        log_path = os.path.join(self.directory, "etcd.log")
        offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [ETCD, "--name", "e2e", "--data-dir", os.path.join(self.directory, "etcd"),
             "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", f"e2e={peer}"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(log_path, "rb") as f:
                f.seek(offset)
                if b"ready to serve client requests" in f.read():
                    return self
            if self.proc.poll() is not None:
                raise RuntimeError("etcd exited: " + open(log_path).read()[-2000:])
            time.sleep(0.05)
        raise RuntimeError("etcd did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def ctl(self, *args):
        return subprocess.run([ETCDCTL, f"--endpoints={self.url}", *args], capture_output=True, text=True, check=True,
                              env=dict(os.environ, ETCDCTL_API="3")).stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    assert ETCD and ETCDCTL, "etcd and etcdctl are not installed (scripts/install-deps.sh installs etcd-server and etcd-client)"
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-etcd-") as d:
        etcd = Etcd(d).start()
        server = APIServer(d, storage="etcd", extra=["--etcd-servers", etcd.url])
        try:
            server.start(timeout=60)
            kubeconfig = str(tmp_path_factory.mktemp("kube") / "config")
            write_kubeconfig(kubeconfig, server.url)
            yield etcd, server, Kubectl(kubeconfig, str(tmp_path_factory.mktemp("kubecache")))
        finally:
            server.stop()
            etcd.stop()


def health(server, path):
    try:
        with urllib.request.urlopen(f"{server.url}{path}", timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def eventually(fn, timeout=60, interval=0.2):
    deadline = time.time() + timeout
    while True:
        if fn():
            return True
        if time.time() > deadline:
            return False
        time.sleep(interval)


def test_readyz_and_livez_list_etcd(env):
    _, server, _ = env
    status, body = health(server, "/readyz?verbose")
    assert status == 200, body
    assert "[+]etcd ok\n" in body and "[+]etcd-readiness ok\n" in body and body.endswith("readyz check passed\n")
    status, body = health(server, "/livez?verbose")
    assert status == 200, body
    assert "[+]etcd ok\n" in body and body.endswith("livez check passed\n")
    assert health(server, "/readyz/etcd") == (200, "ok")


def test_etcdctl_finds_the_object_under_the_api_servers_key(env):
    etcd, _, kubectl = env
    kubectl.run("run", "nginx-pod", "--image=nginx:1.27")
    stored = json.loads(etcd.ctl("get", "/registry/pods/default/nginx-pod", "--print-value-only"))
    assert stored["kind"] == "Pod" and stored["metadata"]["name"] == "nginx-pod"
    served = json.loads(kubectl.out("get", "pod", "nginx-pod", "-o", "json"))
    assert served["metadata"]["uid"] == stored["metadata"]["uid"]
    # The store's revisions are etcd's minus one (a new etcd is at revision 1 before its first write).
    revision = json.loads(etcd.ctl("get", "/registry/pods/default/nginx-pod", "-w", "json"))["kvs"][0]["mod_revision"]
    assert int(served["metadata"]["resourceVersion"]) == revision - 1


def test_etcd_down_fails_readyz_and_requests_then_both_recover(env):
    etcd, server, kubectl = env
    etcd.stop()
    status, body = health(server, "/readyz?verbose")
    assert status == 500
    assert "[-]etcd failed: reason withheld\n" in body and body.endswith("readyz check failed\n")
    failed = kubectl.run("get", "pods", check=False)
    assert failed.returncode != 0 and "ServiceUnavailable" in failed.stderr, failed.stderr
    etcd.start()
    assert eventually(lambda: health(server, "/readyz")[0] == 200)
    kubectl.run("create", "configmap", "after-etcd-came-back", "--from-literal=k=v")
    assert "nginx-pod" in kubectl.out("get", "pods", "-o", "name")


def test_a_restarted_api_server_finds_everything_in_etcd(env):
    _, server, kubectl = env
    kubectl.run("create", "configmap", "before-restart", "--from-literal=k=v")
    server.stop()
    server.start(port=server.port, timeout=60)
    assert json.loads(kubectl.out("get", "configmap", "before-restart", "-o", "json"))["data"] == {"k": "v"}
