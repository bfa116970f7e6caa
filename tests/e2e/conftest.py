"""Fixtures that start a real `skiff apiserver` and point the real kubectl and Python client at it."""
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SKIFF = os.environ.get("SKIFF", os.path.join(ROOT, ".build", "debug", "skiff"))


class APIServer:
    """One `skiff apiserver` process on a free loopback port, stopped by PID."""

    def __init__(self, data_dir, storage="memory", extra=()):
        self.data_dir = data_dir
        self.storage = storage
        self.extra = list(extra)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(data_dir, "apiserver.log")

    def start(self, port=0, timeout=20):
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        log = open(self.log_path, "ab")
        args = [SKIFF, "apiserver", "--storage", self.storage, "--data-dir", self.data_dir,
                "--port", str(port), *self.extra]
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                found = re.findall(rb"serving on http://[0-9.]+:(\d+)", f.read())
            if found:
                self.port = int(found[-1])
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("apiserver exited: " + open(self.log_path).read()[-2000:])
            time.sleep(0.02)
        raise RuntimeError("apiserver did not start")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def write_kubeconfig(path, url):
    with open(path, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters:
- cluster:
    server: {url}
  name: skiff-test
contexts:
- context:
    cluster: skiff-test
    user: skiff-test
    namespace: default
  name: skiff-test
current-context: skiff-test
users:
- name: skiff-test
  user: {{}}
""")


@pytest.fixture(scope="module")
def server():
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-") as d:
        s = APIServer(d).start()
        try:
            yield s
        finally:
            s.stop()


@pytest.fixture(scope="module")
def kubeconfig(server, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("kube") / "config")
    write_kubeconfig(path, server.url)
    return path


class Kubectl:
    def __init__(self, kubeconfig, cache_dir):
        self.env = dict(os.environ, KUBECONFIG=kubeconfig, KUBECACHEDIR=cache_dir)
        self.cache_dir = cache_dir

    def run(self, *args, input=None, check=True, timeout=60):
        p = subprocess.run(["kubectl", "--cache-dir", self.cache_dir, *args], input=input, capture_output=True,
                           text=True, env=self.env, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    def out(self, *args, **kw):
        return self.run(*args, **kw).stdout


@pytest.fixture(scope="module")
def kubectl(kubeconfig, tmp_path_factory):
    return Kubectl(kubeconfig, str(tmp_path_factory.mktemp("kubecache")))


@pytest.fixture(scope="module")
def client(kubeconfig):
    from kubernetes import client as k8s_client, config as k8s_config
    api_client = k8s_config.new_client_from_config(config_file=kubeconfig)
    yield api_client
    api_client.close()
