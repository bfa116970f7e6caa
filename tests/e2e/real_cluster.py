"""What the e2e files that need real nodes share: the offline images, a `skiff create cluster` under a temporary
SKIFF_HOME that is always deleted, and the real kubectl run against it."""
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import ROOT, SKIFF


def images_dir():
    """The tutorial's offline images (built once with the shared script, cached between runs)."""
    d = os.environ.get("SKIFF_TEST_IMAGES", "/var/cache/skiff-test-images")
    script = os.path.join(ROOT, "..", "shared", "images", "build-images.sh")
    if not all(os.path.exists(os.path.join(d, f)) for f in ("busybox.oci.tar", "nginx-alpine.oci.tar")):
        subprocess.run(["bash", script, d], check=True, capture_output=True, timeout=600)
    return d


@contextlib.contextmanager
def real_cluster(name, nodes=1, images=("busybox.oci.tar", "nginx-alpine.oci.tar"), timeout=400, create_args=()):
    """A cluster of `nodes` real nodes with `images` loaded; yields the environment kubectl and skiff use for it.
    `create_args` go to `skiff create cluster` too (`--port`, `--config`).
    Skips unless root (nodes are network namespaces with their own containerd)."""
    if os.geteuid() != 0:
        pytest.skip("real nodes need root")
    imgs = images_dir()
    with tempfile.TemporaryDirectory(prefix=f"skiff-{name}-") as d:
        env = dict(os.environ, SKIFF_HOME=os.path.join(d, "home"), KUBECONFIG=os.path.join(d, "kubeconfig"))
        out = subprocess.run([SKIFF, "create", "cluster", "--name", name, "--nodes", str(nodes), *create_args], env=env,
                             capture_output=True, text=True, timeout=timeout)
        assert out.returncode == 0, out.stdout + out.stderr
        try:
            if images:
                out = subprocess.run([SKIFF, "load", "image-archive", *[os.path.join(imgs, i) for i in images], "--name", name],
                                     env=env, capture_output=True, text=True, timeout=180)
                assert out.returncode == 0, out.stdout + out.stderr
            yield env
        finally:
            keep = os.environ.get("SKIFF_E2E_LOGS")
            if keep and os.path.isdir(os.path.join(d, "home", "clusters", name)):
                # For a failure's post-mortem: every component's and containerd's log, before deletion removes them.
                shutil.copytree(os.path.join(d, "home", "clusters", name), os.path.join(keep, name), dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("pki", "*.sock", "*.db*", "rootfs", "io.containerd*", "snapshots"),
                                ignore_dangling_symlinks=True, symlinks=True)
            subprocess.run([SKIFF, "delete", "cluster", "--name", name], env=env, capture_output=True, timeout=180)


@contextlib.contextmanager
def simulated_cluster(name, timeout=300, create_args=()):
    """A cluster of simulated nodes (no root, no containers) under a temporary SKIFF_HOME, always deleted;
    yields the environment kubectl and skiff use for it."""
    with tempfile.TemporaryDirectory(prefix=f"skiff-{name}-") as d:
        env = dict(os.environ, SKIFF_HOME=os.path.join(d, "home"), KUBECONFIG=os.path.join(d, "kubeconfig"))
        out = subprocess.run([SKIFF, "create", "cluster", "--name", name, "--runtime", "simulated", *create_args], env=env,
                             capture_output=True, text=True, timeout=timeout)
        assert out.returncode == 0, out.stdout + out.stderr
        try:
            yield env
        finally:
            subprocess.run([SKIFF, "delete", "cluster", "--name", name], env=env, capture_output=True, timeout=180)


def can_i(env, *args):
    """`kubectl auth can-i`'s answer: "yes" or "no"."""
    p = subprocess.run(["kubectl", "auth", "can-i", *args], env=env, capture_output=True, text=True, timeout=30)
    return p.stdout.strip()


def kubectl(env, *args, check=True, input=None, timeout=60):
    p = subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {p.stdout}\n{p.stderr}")
    return p.stdout


def apply(env, obj):
    kubectl(env, "apply", "-f", "-", input=json.dumps(obj))


def eventually(fn, timeout=60, interval=0.3):
    """`fn()`'s first truthy value within `timeout` seconds (its last value otherwise); a check that raises
    counts as not yet."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except (AssertionError, KeyError, IndexError, json.JSONDecodeError):
            pass
        time.sleep(interval)
    return last


def host_link_device(env, name):
    """The host's end of cluster `name`'s own link (`skiffhK`, docs/networking.md)."""
    with open(os.path.join(env["SKIFF_HOME"], "clusters", name, "cluster.json")) as f:
        return f"skiffh{json.load(f)['hostLink']['index']}"


def route_device(addr):
    """The device `ip route get` sends `addr` through from the host."""
    out = subprocess.run(["ip", "-o", "route", "get", addr], capture_output=True, text=True).stdout
    m = re.search(r"\bdev (\S+)", out)
    return m.group(1) if m else None


def assert_routed_to_cluster(env, name, addr):
    """Before any packet goes from the host to a cluster address: it must leave through the cluster's own
    link, never the default route."""
    dev = route_device(addr)
    assert dev == host_link_device(env, name), f"{addr} would leave through {dev}, not the cluster's {host_link_device(env, name)}"
