"""Real nodes (`skiff create cluster`, runtime containerd): each node's network namespace and address on the
cluster bridge, its own containerd with the pause image, `load image-archive` into every node, and a
`delete cluster` that leaves nothing behind — even a container and a pod namespace it was not told about.

Needs root and the host packages scripts/install-deps.sh installs. The cluster is created with `--wait 0s`
(kind's default: return once each containerd serves and the API server answers); the nodes then become Ready."""
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import uuid

import pytest

from conftest import SKIFF

NAME = "realnodes"
NODES = [f"{NAME}-control-plane", f"{NAME}-worker"]

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("containerd") is None or shutil.which("ip") is None,
    reason="real nodes need root, containerd and iproute2")


def sock(node):
    return f"/run/skiff/{NAME}/{node}/containerd.sock"


def ctr(node, *args, check=True):
    p = subprocess.run(["ctr", "--address", sock(node), "--namespace", "k8s.io", *args],
                       capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"ctr {' '.join(args)} on {node}: {p.stdout}\n{p.stderr}")
    return p.stdout


def busybox_layer():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for d in ("bin", "tmp"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            t.addfile(info)
        with open(shutil.which("busybox") or "/bin/busybox", "rb") as f:
            data = f.read()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        t.addfile(info, io.BytesIO(data))
        for applet in ("sh", "sleep"):
            info = tarfile.TarInfo("bin/" + applet)
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            t.addfile(info)
    return buf.getvalue()


def image_config(layer):
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
                       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}}).encode()


def add(t, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))


def write_oci_archive(path, ref):
    """An OCI layout archive as skopeo writes it (the full reference in org.opencontainers.image.ref.name)."""
    layer = busybox_layer()
    config = image_config(layer)
    blob = lambda d: ("sha256:" + hashlib.sha256(d).hexdigest(), d)
    (ld, _), (cd, _) = blob(layer), blob(config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": len(layer)}]}).encode()
    md, _ = blob(manifest)
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
                        "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": ref}}]}).encode()
    with tarfile.open(path, "w") as t:
        add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add(t, "index.json", index)
        for digest, data in (blob(layer), blob(config), blob(manifest)):
            add(t, "blobs/sha256/" + digest.split(":")[1], data)


def write_docker_archive(path, tag):
    """A `docker save` archive: manifest.json naming the config and layer files."""
    layer = busybox_layer()
    config = image_config(layer)
    cid = hashlib.sha256(config).hexdigest()
    lid = hashlib.sha256(layer).hexdigest()
    with tarfile.open(path, "w") as t:
        add(t, f"{cid}.json", config)
        add(t, f"{lid}/layer.tar", layer)
        add(t, "manifest.json", json.dumps([{"Config": f"{cid}.json", "RepoTags": [tag], "Layers": [f"{lid}/layer.tar"]}]).encode())


@pytest.fixture(scope="module")
def cluster():
    d = tempfile.mkdtemp(prefix="skiff-nodes-")
    env = dict(os.environ, SKIFF_HOME=os.path.join(d, "home"), KUBECONFIG=os.path.join(d, "kubeconfig"))
    start = time.time()
    out = subprocess.run([SKIFF, "create", "cluster", "--name", NAME, "--nodes", "2", "--wait", "0s"], env=env,
                         capture_output=True, text=True, timeout=180)
    created_in = time.time() - start
    try:
        assert out.returncode == 0, out.stdout + out.stderr
        yield {"env": env, "dir": d, "created_in": created_in}
    finally:
        subprocess.run([SKIFF, "delete", "cluster", "--name", NAME], env=env, capture_output=True, timeout=180)
        shutil.rmtree(d, ignore_errors=True)


def test_each_node_runs_its_own_containerd(cluster):
    for node in NODES:
        out = subprocess.run(["ctr", "--address", sock(node), "version"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and "Server:" in out.stdout, out.stderr
    logs = subprocess.run([SKIFF, "logs", "containerd", "--name", NAME, "--node", NODES[1]], env=cluster["env"],
                          capture_output=True, text=True, timeout=30).stdout
    assert "containerd successfully booted" in logs


def test_node_namespaces_addresses_and_routes(cluster):
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for ns in [f"skiff-{NAME}"] + [f"skiff-{n}" for n in NODES]:
        assert ns in namespaces
    for i, node in enumerate(NODES):
        addr = subprocess.run(["ip", "-n", f"skiff-{node}", "-4", "-o", "addr", "show", "eth0"], capture_output=True, text=True).stdout
        assert f"172.30.0.{i + 2}/24" in addr
        routes = subprocess.run(["ip", "-n", f"skiff-{node}", "route"], capture_output=True, text=True).stdout
        other = 1 - i
        assert f"10.244.{other}.0/24 via 172.30.0.{other + 2}" in routes
        assert "default" not in routes
    ping = ["ping"] if shutil.which("ping") else ["busybox", "ping"]
    p = subprocess.run(["ip", "netns", "exec", f"skiff-{NODES[0]}", *ping, "-c1", "-W1", "172.30.0.3"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def test_pause_image_is_in_every_node(cluster):
    for node in NODES:
        assert "registry.k8s.io/pause:3.10" in ctr(node, "images", "ls", "-q").split()


def test_create_is_fast(cluster):
    # The pause image may be compiled on the first run; the rest is namespaces and two containerds.
    assert cluster["created_in"] < 10, f"create cluster took {cluster['created_in']:.1f}s"


def test_load_image_archive_into_every_node(cluster, tmp_path):
    oci, docker = str(tmp_path / "busybox.oci.tar"), str(tmp_path / "busybox.docker.tar")
    write_oci_archive(oci, "docker.io/library/busybox:1.35")
    write_docker_archive(docker, "skiff.test/busybox:docker")
    out = subprocess.run([SKIFF, "load", "image-archive", oci, docker, "--name", NAME], env=cluster["env"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f'Image: "docker.io/library/busybox:1.35"' in out.stdout and f'loaded into node "{NODES[1]}"' in out.stdout
    for node in NODES:
        images = ctr(node, "images", "ls", "-q").split()
        assert "docker.io/library/busybox:1.35" in images
        assert "skiff.test/busybox:docker" in images
    bad = subprocess.run([SKIFF, "load", "image-archive", oci, "--name", NAME, "--nodes", "nope"], env=cluster["env"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "unknown node: nope" in bad.stderr


def test_nodes_become_ready(cluster):
    env = cluster["env"]
    end = time.time() + 30
    while time.time() < end:
        p = subprocess.run(["kubectl", "get", "nodes", "--no-headers"], env=env, capture_output=True, text=True, timeout=30)
        if p.returncode == 0 and len([l for l in p.stdout.splitlines() if " Ready " in l]) == 2:
            return
        time.sleep(0.5)
    raise AssertionError("nodes not Ready")


def leftovers():
    found = []
    found += [l for l in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines()
              if l.split()[0] in [f"skiff-{NAME}"] + [f"skiff-{n}" for n in NODES]]
    if os.path.exists(f"/run/skiff/{NAME}"):
        found.append(f"/run/skiff/{NAME}")
    for ctrl in os.listdir("/sys/fs/cgroup"):
        if os.path.exists(f"/sys/fs/cgroup/{ctrl}/skiff/{NAME}"):
            found.append(f"/sys/fs/cgroup/{ctrl}/skiff/{NAME}")
    with open("/proc/self/mountinfo") as f:
        found += [l for l in f if NAME in l]
    me = os.getpid()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(pid) != me and NAME in cmd:
            found.append(f"process {pid}: {cmd}")
    return found


def test_delete_leaves_nothing_even_after_a_crash(cluster):
    """A container the cluster tool never heard of (its own cgroup under the node's, its own pod namespace),
    and the supervisor and one containerd killed with SIGKILL: the sweep still finds and removes it all."""
    env, node = cluster["env"], NODES[1]
    if "docker.io/library/busybox:1.35" not in ctr(node, "images", "ls", "-q").split():
        write_oci_archive(os.path.join(cluster["dir"], "bb.tar"), "docker.io/library/busybox:1.35")
        ctr(node, "images", "import", os.path.join(cluster["dir"], "bb.tar"))
    pod_ns = f"cni-{uuid.uuid4()}"
    subprocess.run(["ip", "netns", "add", pod_ns], check=True)
    try:
        ctr(node, "run", "-d", "--cgroup", f"/skiff/{NAME}/{node}/podtest/c1", "--runc-root", f"/run/skiff/{NAME}/{node}/runc",
            "--with-ns", f"network:/run/netns/{pod_ns}", "docker.io/library/busybox:1.35", f"{NAME}-c1", "sleep", "3600")
        assert os.path.exists(f"/sys/fs/cgroup/pids/skiff/{NAME}/{node}/podtest/c1")
        run = os.path.join(env["SKIFF_HOME"], "clusters", NAME, "run")
        for who in ("supervisor", f"containerd-{node}"):
            with open(os.path.join(run, who + ".pid")) as f:
                os.kill(int(f.read().strip()), 9)
        # Stays: lets the kernel reap the killed processes before delete looks for them.
        time.sleep(0.3)
        out = subprocess.run([SKIFF, "delete", "cluster", "--name", NAME], env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stdout + out.stderr
        assert not os.path.exists(os.path.join(env["SKIFF_HOME"], "clusters", NAME))
        assert leftovers() == []
        assert not os.path.exists(f"/run/netns/{pod_ns}")
    finally:
        if os.path.exists(f"/run/netns/{pod_ns}"):
            subprocess.run(["ip", "netns", "del", pod_ns])
