"""Secrets encrypted at rest (`--encryption-provider-config`, as kube-apiserver's): neither the SQLite
store nor its write-ahead log ever holds a Secret's value or its base64, kubectl still reads it, keys
rotate by rewriting every Secret, and a configuration that does not validate stops the server."""
import base64
import glob
import os
import secrets
import stat
import subprocess
import tempfile

import yaml

from conftest import SKIFF, APIServer, Kubectl, write_kubeconfig


def encryption_config(path, *keys, identity=False):
    """An EncryptionConfiguration for Secrets: one aesgcm provider with `keys` ((name, 32 bytes) pairs, the
    first writing), then identity when asked."""
    listed = "\n".join(f"          - name: {name}\n            secret: {base64.b64encode(raw).decode()}" for name, raw in keys)
    text = f"""apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aesgcm:
          keys:
{listed}
"""
    if identity:
        text += "      - identity: {}\n"
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def store_bytes(data_dir):
    """Everything the store has on disk: the database, its WAL and shared-memory index."""
    files = sorted(glob.glob(os.path.join(data_dir, "state.db*")))
    assert any(f.endswith("state.db") for f in files), files
    out = b""
    for f in files:
        with open(f, "rb") as fh:
            out += fh.read()
    return out


class EncryptedServer:
    """A `skiff apiserver` on SQLite in its own directory with an encryption configuration there, and a
    kubectl pointed at it."""

    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "data")
        os.makedirs(self.data)
        self.config = os.path.join(root, "encryption-config.yaml")
        self.server = APIServer(self.data, storage="sqlite", extra=["--encryption-provider-config", self.config])

    def start(self):
        self.server.start(port=0)
        kubeconfig = os.path.join(self.root, "kubeconfig")
        write_kubeconfig(kubeconfig, self.server.url)
        cache = os.path.join(self.root, "kubecache")
        os.makedirs(cache, exist_ok=True)
        self.kubectl = Kubectl(kubeconfig, cache)
        return self

    def stop(self):
        self.server.stop()

    def password(self, name="db"):
        out = self.kubectl.out("get", "secret", name, "-o", "jsonpath={.data.password}")
        return base64.b64decode(out).decode()


def test_secret_values_never_reach_the_store_files():
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-encryption-") as root:
        s = EncryptedServer(root)
        encryption_config(s.config, ("key1", secrets.token_bytes(32)))
        s.start()
        try:
            value = "skiff-e2e-secret-" + secrets.token_hex(8)
            visible = "skiff-e2e-configmap-" + secrets.token_hex(8)
            s.kubectl.run("create", "secret", "generic", "db", f"--from-literal=password={value}")
            s.kubectl.run("create", "configmap", "plain", f"--from-literal=v={visible}")
            assert s.password() == value

            on_disk = store_bytes(s.data)
            assert value.encode() not in on_disk
            assert base64.b64encode(value.encode()) not in on_disk
            assert b"k8s:enc:aesgcm:v1:key1:" in on_disk
            # The grep itself works: a ConfigMap (not configured for encryption) is found in the clear.
            assert visible.encode() in on_disk

            # The key comes from the file, so a restarted server reads what it wrote.
            s.stop()
            s.start()
            assert s.password() == value
            assert value.encode() not in store_bytes(s.data)
        finally:
            s.stop()


def test_rotation_by_replacing_every_secret():
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-encryption-rotate-") as root:
        key1, key2 = ("key1", secrets.token_bytes(32)), ("key2", secrets.token_bytes(32))
        s = EncryptedServer(root)
        encryption_config(s.config, key1)
        s.start()
        try:
            value = "skiff-e2e-rotate-" + secrets.token_hex(8)
            s.kubectl.run("create", "secret", "generic", "db", f"--from-literal=password={value}")
            assert b"k8s:enc:aesgcm:v1:key2:" not in store_bytes(s.data)

            # 1. The new key first, the old one still listed: old values read, writes use the new key.
            s.stop()
            encryption_config(s.config, key2, key1)
            s.start()
            assert s.password() == value
            # 2. Rewrite every Secret (upstream's documented step); an unchanged replace still writes.
            listed = s.kubectl.out("get", "secrets", "-A", "-o", "json")
            s.kubectl.run("replace", "-f", "-", input=listed)
            on_disk = store_bytes(s.data)
            assert b"k8s:enc:aesgcm:v1:key2:" in on_disk
            assert value.encode() not in on_disk

            # 3. The old key dropped: the rewritten Secret still reads.
            s.stop()
            encryption_config(s.config, key2)
            s.start()
            assert s.password() == value
        finally:
            s.stop()


def test_secrets_stored_before_encryption_read_through_identity():
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-encryption-identity-") as root:
        s = EncryptedServer(root)
        s.server.extra = []
        s.start()
        try:
            value = "skiff-e2e-before-" + secrets.token_hex(8)
            s.kubectl.run("create", "secret", "generic", "db", f"--from-literal=password={value}")
            s.stop()
            # Encryption turned on with identity last: the plaintext Secret still reads; new ones are encrypted.
            encryption_config(s.config, ("key1", secrets.token_bytes(32)), identity=True)
            s.server.extra = ["--encryption-provider-config", s.config]
            s.start()
            assert s.password() == value
            later = "skiff-e2e-after-" + secrets.token_hex(8)
            s.kubectl.run("create", "secret", "generic", "later", f"--from-literal=password={later}")
            assert s.password("later") == later
            assert later.encode() not in store_bytes(s.data)
        finally:
            s.stop()


def test_an_invalid_configuration_stops_the_server():
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-encryption-invalid-") as root:
        bad = encryption_config(os.path.join(root, "bad.yaml"), ("short", b"0123456789"))
        p = subprocess.run([SKIFF, "apiserver", "--storage", "memory", "--data-dir", root, "--port", "0",
                            "--encryption-provider-config", bad], capture_output=True, text=True, timeout=60)
        assert p.returncode != 0
        assert ('error while parsing file: resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: '
                '"REDACTED": secret is not of the expected length, got 10, expected one of [16 24 32]') in p.stderr, p.stderr
        assert base64.b64encode(b"0123456789").decode() not in p.stderr + p.stdout


def test_a_created_cluster_encrypts_secrets_with_its_own_key():
    """`skiff create cluster` writes a private aesgcm key and its API server encrypts Secrets with it."""
    name = "encsim"
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-encsim-") as d:
        env = dict(os.environ, SKIFF_HOME=os.path.join(d, "home"), KUBECONFIG=os.path.join(d, "kubeconfig"))
        out = subprocess.run([SKIFF, "create", "cluster", "--name", name, "--runtime", "simulated", "--wait", "0s"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        try:
            root = os.path.join(env["SKIFF_HOME"], "clusters", name)
            config = os.path.join(root, "pki", "encryption-config.yaml")
            assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
            with open(config) as f:
                doc = yaml.safe_load(f)
            assert doc["kind"] == "EncryptionConfiguration" and doc["resources"][0]["resources"] == ["secrets"]
            key = doc["resources"][0]["providers"][0]["aesgcm"]["keys"][0]
            assert len(base64.b64decode(key["secret"])) == 32
            with open(os.path.join(root, "run", "apiserver.pid")) as f:
                with open(f"/proc/{f.read().strip()}/cmdline", "rb") as c:
                    assert b"--encryption-provider-config\0" + config.encode() in c.read()

            value = "skiff-e2e-cluster-" + secrets.token_hex(8)
            p = subprocess.run(["kubectl", "create", "secret", "generic", "db", f"--from-literal=password={value}"],
                               env=env, capture_output=True, text=True, timeout=60)
            assert p.returncode == 0, p.stdout + p.stderr
            p = subprocess.run(["kubectl", "get", "secret", "db", "-o", "jsonpath={.data.password}"],
                               env=env, capture_output=True, text=True, timeout=60)
            assert base64.b64decode(p.stdout).decode() == value, p.stderr
            on_disk = store_bytes(os.path.join(root, "data"))
            assert value.encode() not in on_disk
            assert base64.b64encode(value.encode()) not in on_disk
            assert f"k8s:enc:aesgcm:v1:{key['name']}:".encode() in on_disk
        finally:
            subprocess.run([SKIFF, "delete", "cluster", "--name", name], env=env, capture_output=True, timeout=180)
