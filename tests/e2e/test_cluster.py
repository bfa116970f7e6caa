"""`skiff create cluster` with simulated nodes, driven by the real kubectl: the cluster tool, TLS and
authentication, the scheduler and the controller manager working together."""
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
import ssl

import pytest

from conftest import SKIFF


@contextlib.contextmanager
def simulated_cluster(name):
    """A three-node simulated cluster (a control plane and two workers) in its own SKIFF_HOME, deleted on exit."""
    with tempfile.TemporaryDirectory(prefix="skiff-cluster-") as d:
        env = dict(os.environ, SKIFF_HOME=os.path.join(d, "home"), KUBECONFIG=os.path.join(d, "kubeconfig"))
        cfg = os.path.join(d, "kind.yaml")
        with open(cfg, "w") as f:
            f.write("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n- role: worker\n")
        out = subprocess.run([SKIFF, "create", "cluster", "--name", name, "--runtime", "simulated", "--config", cfg], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        try:
            yield env
        finally:
            subprocess.run([SKIFF, "delete", "cluster", "--name", name], env=env, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def cluster():
    with simulated_cluster("e2e") as env:
        yield env


def kubectl(env, *args, check=True, input=None):
    p = subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=60, input=input)
    if check and p.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {p.stdout}\n{p.stderr}")
    return p.stdout


def eventually(fn, timeout=60):
    end = time.time() + timeout
    while True:
        try:
            if fn():
                return True
        except AssertionError:
            pass
        if time.time() > end:
            return False
        time.sleep(0.2)


def test_nodes_named_like_kind_and_ready(cluster):
    lines = kubectl(cluster, "get", "nodes", "--no-headers").splitlines()
    names = sorted(l.split()[0] for l in lines)
    assert names == ["e2e-control-plane", "e2e-worker", "e2e-worker2"]
    assert all(l.split()[1] == "Ready" for l in lines)
    taints = json.loads(kubectl(cluster, "get", "node", "e2e-control-plane", "-o", "json"))["spec"].get("taints", [])
    assert {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"} in taints
    assert kubectl(cluster, "config", "current-context").strip() == "skiff-e2e"


def test_deployment_spreads_over_schedulable_nodes(cluster):
    kubectl(cluster, "create", "deployment", "spread", "--image=nginx:alpine", "--replicas=30")
    assert eventually(lambda: kubectl(cluster, "get", "deploy", "spread", "-o", "jsonpath={.status.readyReplicas}") == "30")
    nodes = kubectl(cluster, "get", "pods", "-l", "app=spread", "-o", "jsonpath={.items[*].spec.nodeName}").split()
    assert len(nodes) == 30 and set(nodes) == {"e2e-worker", "e2e-worker2"}
    assert min(nodes.count("e2e-worker"), nodes.count("e2e-worker2")) >= 10


def test_unfit_pod_stays_pending_with_the_reason(cluster):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
           "spec": {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "500"}}}]}}
    kubectl(cluster, "create", "-f", "-", input=json.dumps(pod))

    def reason():
        out = kubectl(cluster, "get", "events", "--field-selector", "involvedObject.name=huge,reason=FailedScheduling",
                      "-o", "jsonpath={.items[*].message}")
        return "0/3 nodes are available:" in out and "Insufficient cpu" in out
    assert eventually(reason, 30)
    assert kubectl(cluster, "get", "pod", "huge", "-o", "jsonpath={.status.phase}") == "Pending"


def test_rollout_and_undo(cluster):
    kubectl(cluster, "create", "deployment", "roll", "--image=nginx:alpine", "--replicas=3")
    kubectl(cluster, "rollout", "status", "deployment/roll", "--timeout=60s")
    kubectl(cluster, "set", "image", "deployment/roll", "nginx=nginx:1.27")
    kubectl(cluster, "rollout", "status", "deployment/roll", "--timeout=60s")
    assert kubectl(cluster, "get", "deploy", "roll", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx:1.27"
    kubectl(cluster, "rollout", "undo", "deployment/roll")
    kubectl(cluster, "rollout", "status", "deployment/roll", "--timeout=60s")
    assert kubectl(cluster, "get", "deploy", "roll", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx:alpine"
    kubectl(cluster, "delete", "deployment", "roll")
    assert eventually(lambda: kubectl(cluster, "get", "rs,pods", "-l", "app=roll", "--no-headers") == "", 30)


def test_anonymous_requests_read_only_public_info(cluster):
    """Upstream's defaults: system:public-info-viewer lets anyone read /version and the health endpoints;
    anything else is 403 for system:anonymous, and a token that authenticates nobody is 401."""
    server = json.loads(kubectl(cluster, "config", "view", "--raw", "-o", "json"))["clusters"][0]["cluster"]["server"]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(server + "/version", context=ctx, timeout=10) as r:
        assert r.status == 200 and json.load(r)["major"] == "1"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server + "/api/v1/pods", context=ctx, timeout=10)
    assert e.value.code == 403
    assert json.load(e.value)["message"] == ('pods is forbidden: User "system:anonymous" cannot list resource "pods" '
                                             'in API group "" at the cluster scope')
    bad = urllib.request.Request(server + "/api/v1/pods", headers={"Authorization": "Bearer nonsense"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad, context=ctx, timeout=10)
    assert e.value.code == 401


def test_get_kubeconfig_works_from_a_fresh_shell(cluster, tmp_path):
    text = subprocess.run([SKIFF, "get", "kubeconfig", "--name", "e2e"], env=cluster, capture_output=True, text=True, check=True).stdout
    path = tmp_path / "fresh"
    path.write_text(text)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "KUBECONFIG": str(path)}
    assert "e2e-control-plane" in kubectl(env, "get", "nodes")


# --- Failures: a silent node, killed control-plane processes, two controller managers ---------------------------
#
# These disturb the cluster, so they get their own (`faults`), leaving the one above undisturbed.


@pytest.fixture(scope="module")
def faults():
    with simulated_cluster("faults") as env:
        yield env


def cluster_dir(env, name="faults"):
    return os.path.join(env["SKIFF_HOME"], "clusters", name)


def component_pid(env, component):
    """The PID the cluster's supervisor recorded for `component` (`run/<component>.pid`)."""
    with open(os.path.join(cluster_dir(env), "run", component + ".pid")) as f:
        return int(f.read().strip())


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid):
    """Running (or stopped), not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def signal_component(env, component, sig):
    """Signals the supervisor's process for `component`, after checking the PID really is that process."""
    pid = component_pid(env, component)
    assert cluster_dir(env) in cmdline(pid) and component.split("-")[0] in cmdline(pid), f"pid {pid} is not {component}: {cmdline(pid)!r}"
    os.kill(pid, sig)
    return pid


def skiff(env, *args):
    out = subprocess.run([SKIFF, *args], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def lease_holder(env, name):
    return kubectl(env, "get", "lease", "-n", "kube-system", name, "-o", "jsonpath={.spec.holderIdentity}", check=False).strip()


def lease_spec(env, name):
    return json.loads(kubectl(env, "get", "lease", "-n", "kube-system", name, "-o", "json"))["spec"]


def micro_time(value):
    """Seconds since the epoch of a MicroTime (`2026-12-06T20:31:05.123456Z`)."""
    import datetime
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def pods(env, selector):
    return json.loads(kubectl(env, "get", "pods", "-l", selector, "-o", "json"))["items"]


def is_ready(pod):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


def ready_replicas(env, deployment):
    return int(kubectl(env, "get", "deploy", deployment, "-o", "jsonpath={.status.readyReplicas}") or 0)


def node_ready_status(env, node):
    conds = json.loads(kubectl(env, "get", "node", node, "-o", "json"))["status"].get("conditions", [])
    return next((c["status"] for c in conds if c["type"] == "Ready"), None)


def test_a_silent_node_goes_unreachable_and_its_pods_are_replaced_on_the_others(faults):
    """A node whose kubelet stops heartbeating is marked Unknown and tainted unreachable, and the pods
    there are evicted and replaced on the remaining worker.

    The node is taken down with `skiff pause node`, as `docker pause` takes a kind node down: a killed
    kubelet would simply be restarted by the cluster's supervisor (as kind's node keeps its kubelet running
    under systemd), while a paused node is still part of the cluster and silent to the API server — exactly
    a hung or partitioned node. The node simulator keeps running the other nodes meanwhile, and `skiff
    unpause node` brings it back in teardown.

    Time: the controller manager's default `--node-monitor-grace-period` (40 s) decides when the node is
    marked; the pods say how long they tolerate an unreachable node (`tolerationSeconds: 2` instead of
    the 300 s the API server would add), as a user who wants fast failover writes them."""
    env = faults
    tolerations = [{"key": k, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 2}
                   for k in ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")]
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "failover"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "failover"}},
                 "template": {"metadata": {"labels": {"app": "failover"}},
                              "spec": {"tolerations": tolerations, "containers": [{"name": "c", "image": "nginx:alpine"}]}}}}
    kubectl(env, "apply", "-f", "-", input=json.dumps(deployment))
    assert eventually(lambda: ready_replicas(env, "failover") == 4, 60)
    placed = [p["spec"]["nodeName"] for p in pods(env, "app=failover")]
    victim = max(("faults-worker", "faults-worker2"), key=placed.count)
    survivor = "faults-worker2" if victim == "faults-worker" else "faults-worker"
    on_victim = {p["metadata"]["name"] for p in pods(env, "app=failover") if p["spec"]["nodeName"] == victim}
    assert on_victim

    skiff(env, "pause", "node", "--name", "faults", victim)
    try:
        stopped = time.time()

        def unreachable():
            node = json.loads(kubectl(env, "get", "node", victim, "-o", "json"))
            taints = {(t["key"], t["effect"]) for t in node["spec"].get("taints", [])}
            return (node_ready_status(env, victim) == "Unknown"
                    and ("node.kubernetes.io/unreachable", "NoExecute") in taints
                    and ("node.kubernetes.io/unreachable", "NoSchedule") in taints)
        assert eventually(unreachable, 70), kubectl(env, "get", "node", victim, "-o", "yaml")
        marked = time.time() - stopped
        assert marked > 30, f"marked unreachable {marked:.0f}s after its kubelet went silent, before the grace period"
        assert "NotReady" in kubectl(env, "get", "node", victim, "--no-headers")

        def replaced():
            current = pods(env, "app=failover")
            live = [p for p in current if not p["metadata"].get("deletionTimestamp")]
            return (len(live) == 4 and all(p["spec"].get("nodeName") == survivor and is_ready(p) for p in live)
                    and ready_replicas(env, "failover") == 4)
        assert eventually(replaced, 30), kubectl(env, "get", "pods", "-l", "app=failover", "-o", "wide")
        # The originals were evicted by the taint manager (the frozen kubelet cannot confirm their end, so
        # they stay Terminating there, as upstream's do on an unreachable node).
        for p in pods(env, "app=failover"):
            if p["metadata"]["name"] in on_victim:
                assert p["metadata"].get("deletionTimestamp")
                assert any(c["type"] == "DisruptionTarget" and c["reason"] == "DeletionByTaintManager"
                           for c in p["status"]["conditions"])
        assert "TaintManagerEviction" in kubectl(env, "get", "events", "--field-selector", "reason=TaintManagerEviction")
    finally:
        skiff(env, "unpause", "node", "--name", "faults", victim)
    # Back: the kubelet heartbeats again, the node is Ready and untainted, and it finishes the evicted pods.
    assert eventually(lambda: node_ready_status(env, victim) == "True" and not any(
        t["key"] == "node.kubernetes.io/unreachable"
        for t in json.loads(kubectl(env, "get", "node", victim, "-o", "json"))["spec"].get("taints", [])), 60)
    assert eventually(lambda: {p["metadata"]["name"] for p in pods(env, "app=failover")}.isdisjoint(on_victim), 30)
    kubectl(env, "delete", "deployment", "failover")


@pytest.mark.parametrize("component,lease", [("scheduler", "kube-scheduler"), ("controller-manager", "kube-controller-manager")])
def test_a_killed_control_plane_process_is_restarted_and_the_cluster_converges(faults, component, lease):
    """kill -9 of the scheduler or the controller manager: the supervisor starts a new process, which
    waits out the dead one's Lease (it was not released), takes it, and the cluster converges."""
    env = faults
    name = "after-" + component
    kubectl(env, "create", "deployment", name, "--image=nginx:alpine", "--replicas=1")
    assert eventually(lambda: ready_replicas(env, name) == 1, 60)
    assert eventually(lambda: lease_holder(env, lease) != "", 30)
    old_holder = lease_holder(env, lease)

    old = signal_component(env, component, signal.SIGKILL)
    assert eventually(lambda: not alive(old), 10)

    def restarted():
        pid = component_pid(env, component)
        return pid != old and alive(pid) and f" {component} " in cmdline(pid) + " "
    assert eventually(restarted, 20)

    kubectl(env, "scale", "deployment", name, "--replicas=4")
    assert eventually(lambda: ready_replicas(env, name) == 4, 60), kubectl(env, "get", "pods", "-l", "app=" + name, "-o", "wide")
    holder = lease_holder(env, lease)
    assert holder not in ("", old_holder)
    kubectl(env, "delete", "deployment", name)


def test_of_two_controller_managers_only_the_lease_holder_acts(faults, tmp_path):
    """A second `skiff controller-manager` with the cluster's controller-manager credentials waits while
    the supervised one holds kube-system/kube-controller-manager (no controller of it starts), takes over
    once the first is frozen, and the cluster converges under it; the first, thawed, finds the Lease
    taken and stops leading instead of acting beside it."""
    env = faults
    lease = "kube-controller-manager"
    assert eventually(lambda: lease_holder(env, lease) != "", 30)
    first = lease_holder(env, lease)
    first_pid = component_pid(env, "controller-manager")
    kubeconfig = os.path.join(cluster_dir(env), "pki", "controller-manager.conf")
    assert os.path.exists(kubeconfig)
    log_path = tmp_path / "second-controller-manager.log"
    with open(log_path, "wb") as log:
        # As the cluster runs its own: each controller as its service account (the manager's identity alone
        # holds no controller's rights).
        second = subprocess.Popen([SKIFF, "controller-manager", "--kubeconfig", kubeconfig, "--log-level", "debug",
                                   "--use-service-account-credentials=true"],
                                  stdout=log, stderr=subprocess.STDOUT)
    frozen = None

    def log_text():
        return log_path.read_text(errors="replace")
    try:
        assert eventually(lambda: "controller manager starting (identity " in log_text(), 20), log_text()
        identity = log_text().split("controller manager starting (identity ", 1)[1].split(")", 1)[0]
        assert eventually(lambda: f"new leader elected: {first}" in log_text(), 20), log_text()
        assert "attempting to acquire leader lease kube-system/kube-controller-manager" in log_text()

        # The first still acts; the second's controllers never start.
        kubectl(env, "create", "deployment", "two-managers", "--image=nginx:alpine", "--replicas=2")
        assert eventually(lambda: ready_replicas(env, "two-managers") == 2, 60)
        # Stays: sampling the Lease for 5 s (two renewals, two of the second's retries) is the check itself:
        # it must not change hands while the first renews.
        for _ in range(10):
            assert lease_holder(env, lease) == first
            time.sleep(0.5)
        assert second.poll() is None, log_text()
        assert "successfully acquired lease" not in log_text() and "caches synced" not in log_text(), log_text()

        # Freeze the first (the supervisor would restart a killed one): the second takes over once the
        # lease has run out 15 s after the second last saw it renewed — which it sees up to one jittered
        # retry (4.4 s) late, and it notices the expiry up to one retry late too.
        frozen = signal_component(env, "controller-manager", signal.SIGSTOP)
        assert frozen == first_pid
        last_renewal = lease_spec(env, lease)
        assert last_renewal["holderIdentity"] == first
        assert eventually(lambda: lease_holder(env, lease) == identity, 35), log_text()
        # Not before the lease ran out: read on the Lease's own clock (the times its holders wrote), not the test's.
        taken = lease_spec(env, lease)
        expires = micro_time(last_renewal["renewTime"]) + last_renewal["leaseDurationSeconds"]
        assert micro_time(taken["acquireTime"]) >= expires, (last_renewal, taken)
        assert taken["leaseTransitions"] == last_renewal.get("leaseTransitions", 0) + 1, (last_renewal, taken)
        assert eventually(lambda: "replicaset controller: caches synced" in log_text(), 20), log_text()

        kubectl(env, "scale", "deployment", "two-managers", "--replicas=5")
        assert eventually(lambda: ready_replicas(env, "two-managers") == 5, 60)

        # Thawed, the first finds the Lease held by the second and stops leading (its process exits and
        # the supervisor starts a fresh one, which waits); the second keeps the Lease.
        first_log_path = os.path.join(cluster_dir(env), "logs", "controller-manager.log")

        def first_log():
            with open(first_log_path, errors="replace") as f:
                return f.read()
        followers_before = first_log().count("attempting to acquire leader lease")
        os.kill(frozen, signal.SIGCONT)
        frozen = None
        assert eventually(lambda: not alive(first_pid), 20)
        (tmp_path / "first-controller-manager.log").write_text(first_log())
        # At its first renewal, seeing the new holder — not after retrying for its 10 s renew deadline, which
        # would log "failed to renew lease" instead.
        assert f"kube-system/kube-controller-manager is now held by {identity}: stopping leading" in first_log()
        assert "failed to renew lease" not in first_log(), f"log in {tmp_path}"
        assert eventually(lambda: component_pid(env, "controller-manager") != first_pid, 20)
        # The restarted one has read the Lease and waits as a follower: the second keeps leading.
        assert eventually(lambda: first_log().count("attempting to acquire leader lease") > followers_before
                          and f"new leader elected: {identity}" in first_log().split("attempting to acquire leader lease")[-1], 20)
        assert lease_holder(env, lease) == identity
        assert second.poll() is None, log_text()
        kubectl(env, "scale", "deployment", "two-managers", "--replicas=3")
        assert eventually(lambda: len([p for p in pods(env, "app=two-managers") if not p["metadata"].get("deletionTimestamp")]) == 3, 30)
    finally:
        if frozen is not None:
            os.kill(frozen, signal.SIGCONT)
        second.terminate()
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait()
    # Released on SIGTERM: the supervised controller manager takes the Lease back at once.
    assert eventually(lambda: lease_holder(env, lease) not in ("", identity), 20)
    kubectl(env, "delete", "deployment", "two-managers")
