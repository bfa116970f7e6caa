"""Real nodes: a one-node `skiff create cluster` (containerd, runc, CNI in the node's network namespace) driven
by the real kubectl — pods run real containers, crash loops back off, bad images and OOM kills are reported
as upstream reports them, probes gate readiness and restart containers, a restarted kubelet adopts what
runs instead of restarting it, and pods find their service account's credentials where in-cluster clients
look for them."""
import base64
import json
import os
import select
import signal
import subprocess
import time

import pytest

from conftest import SKIFF
from real_cluster import apply, eventually, kubectl, real_cluster

NAME = "e2enodes"
NODE = f"{NAME}-control-plane"
NETNS = f"skiff-{NODE}"


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME) as env:
        yield env


def pod(name, image, command=None, **container):
    c = {"name": "c", "image": image, **container}
    if command:
        c["command"] = command
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"test": name}},
            "spec": {"terminationGracePeriodSeconds": 1, "containers": [c]}}


def status(env, name):
    return json.loads(kubectl(env, "get", "pod", name, "-o", "json"))["status"]


def test_node_reports_the_runtime_and_its_images(cluster):
    node = json.loads(kubectl(cluster, "get", "node", NODE, "-o", "json"))
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    names = lambda: [n for i in json.loads(kubectl(cluster, "get", "node", NODE, "-o", "json"))["status"].get("images", [])
                     for n in i["names"]]
    assert eventually(lambda: any("nginx:alpine" in n for n in names()), 30), names()


def test_nginx_runs_and_serves_on_its_pod_ip(cluster):
    apply(cluster, pod("web", "nginx:alpine"))
    ip = eventually(lambda: status(cluster, "web").get("phase") == "Running" and status(cluster, "web")["podIP"])
    assert ip and ip.startswith("10.244.0."), status(cluster, "web")
    page = subprocess.run(["ip", "netns", "exec", NETNS, "wget", "-qO-", f"http://{ip}/"], capture_output=True, text=True, timeout=10)
    assert "Welcome to nginx!" in page.stdout


def test_crash_loop_backs_off_with_growing_delays(cluster):
    apply(cluster, pod("crash", "busybox:1.35", ["sh", "-c", "echo bye; exit 1"]))

    def backing_off():
        c = status(cluster, "crash")["containerStatuses"][0]
        w = c["state"].get("waiting", {})
        return c["restartCount"] >= 2 and w.get("reason") == "CrashLoopBackOff" and "back-off 20s" in w.get("message", "") and c
    c = eventually(backing_off, 60)
    assert c, status(cluster, "crash")
    assert c["lastState"]["terminated"]["exitCode"] == 1 and c["lastState"]["terminated"]["reason"] == "Error"


def test_missing_image_is_err_image_pull_then_back_off(cluster):
    apply(cluster, pod("noimage", "skiff.invalid/none:1.0"))
    seen = set()

    def both():
        w = status(cluster, "noimage")["containerStatuses"][0]["state"].get("waiting", {})
        if w.get("reason") in ("ErrImagePull", "ImagePullBackOff"):
            seen.add(w["reason"])
            assert "skiff.invalid/none:1.0" in w.get("message", "")
        return "ImagePullBackOff" in seen
    assert eventually(both, 60), status(cluster, "noimage")


def test_container_over_its_memory_limit_is_oom_killed_and_restarted(cluster):
    apply(cluster, pod("oom", "busybox:1.35", ["sh", "-c", "x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while true; do x=$x$x; done"],
                       resources={"limits": {"memory": "32Mi"}}))

    def oom():
        c = status(cluster, "oom")["containerStatuses"][0]
        return c["restartCount"] >= 1 and c["lastState"].get("terminated", {}).get("reason") == "OOMKilled"
    assert eventually(oom, 60), status(cluster, "oom")


def test_failing_liveness_probe_restarts_the_container(cluster):
    apply(cluster, pod("live", "busybox:1.35", ["sh", "-c", "touch /tmp/ok; sleep 2; rm /tmp/ok; sleep 3600"],
                       livenessProbe={"exec": {"command": ["cat", "/tmp/ok"]}, "periodSeconds": 1, "failureThreshold": 2}))
    assert eventually(lambda: status(cluster, "live")["containerStatuses"][0]["restartCount"] >= 1, 60), status(cluster, "live")


def test_pod_that_is_not_ready_is_left_out_of_its_service(cluster):
    for name, path in (("ready-yes", "/"), ("ready-no", "/missing")):
        p = pod(name, "nginx:alpine", readinessProbe={"httpGet": {"path": path, "port": 80}, "periodSeconds": 1})
        p["metadata"]["labels"]["app"] = "readiness"
        apply(cluster, p)
    apply(cluster, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "readiness"},
                    "spec": {"selector": {"app": "readiness"}, "ports": [{"port": 80}]}})
    good = eventually(lambda: status(cluster, "ready-yes").get("podIP"))
    bad = eventually(lambda: status(cluster, "ready-no").get("podIP"))
    ready = lambda: kubectl(cluster, "get", "endpoints", "readiness", "-o", "jsonpath={.subsets[*].addresses[*].ip}").split()
    assert eventually(lambda: ready() == [good], 30), ready()
    # The signal that "ready-no" was probed and failed again and again (rather than a grace period):
    # the kubelet's Unhealthy event about it, counted up to 3.
    assert eventually(lambda: unhealthy_count(cluster, "ready-no") >= 3, 30), kubectl(cluster, "get", "events", "-o", "yaml")
    assert ready() == [good] and bad not in ready()
    assert status(cluster, "ready-no")["containerStatuses"][0]["ready"] is False


def pod_events(env, name):
    out = kubectl(env, "get", "events", "--field-selector", f"involvedObject.kind=Pod,involvedObject.name={name}", "-o", "json")
    return json.loads(out)["items"]


def unhealthy_count(env, name):
    return sum(e.get("count", 1) for e in pod_events(env, name)
               if e["reason"] == "Unhealthy" and e["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 404")


def described_events(env, name):
    """The rows of `kubectl describe pod`'s Events table: (type, reason, from, message)."""
    text = kubectl(env, "describe", "pod", name)
    rows = []
    in_events = False
    for line in text.splitlines():
        if line.startswith("Events:"):
            in_events = True
            continue
        if in_events and line.strip() and not line.strip().startswith(("Type", "----")):
            parts = line.split(None, 4)
            if len(parts) == 5:
                rows.append((parts[0], parts[1], parts[3], parts[4]))
    return rows


def test_describe_pod_shows_what_the_scheduler_and_the_kubelet_did(cluster):
    apply(cluster, pod("described", "nginx:alpine"))
    assert eventually(lambda: status(cluster, "described").get("phase") == "Running", 60), status(cluster, "described")
    want = [
        ("Normal", "Scheduled", "default-scheduler", f"Successfully assigned default/described to {NODE}"),
        ("Normal", "Pulled", "kubelet", 'Container image "nginx:alpine" already present on machine'),
        ("Normal", "Created", "kubelet", "Created container c"),
        ("Normal", "Started", "kubelet", "Started container c"),
    ]
    assert eventually(lambda: described_events(cluster, "described") == want, 20), described_events(cluster, "described")
    started = next(e for e in pod_events(cluster, "described") if e["reason"] == "Started")
    assert started["involvedObject"]["fieldPath"] == "spec.containers{c}"
    assert started["source"] == {"component": "kubelet", "host": NODE}
    kubectl(cluster, "delete", "pod", "described", "--wait=true")
    assert eventually(lambda: any(e["reason"] == "Killing" and e["message"] == "Stopping container c"
                                  for e in pod_events(cluster, "described")), 20)


def test_the_nodes_events_tell_how_it_started(cluster):
    def node_events():
        out = kubectl(cluster, "get", "events", "-A", "--field-selector", f"involvedObject.kind=Node,involvedObject.name={NODE}", "-o", "json")
        return {(e["reason"], e["source"].get("component", ""), e["message"]) for e in json.loads(out)["items"]}
    want = {
        ("Starting", "kubelet", "Starting kubelet."),
        ("NodeHasSufficientMemory", "kubelet", f"Node {NODE} status is now: NodeHasSufficientMemory"),
        ("NodeHasNoDiskPressure", "kubelet", f"Node {NODE} status is now: NodeHasNoDiskPressure"),
        ("NodeHasSufficientPID", "kubelet", f"Node {NODE} status is now: NodeHasSufficientPID"),
        ("NodeAllocatableEnforced", "kubelet", "Updated Node Allocatable limit across pods"),
        ("NodeReady", "kubelet", f"Node {NODE} status is now: NodeReady"),
        ("RegisteredNode", "node-controller", f"Node {NODE} event: Registered Node {NODE} in Controller"),
        ("Starting", "kube-proxy", ""),
    }
    assert eventually(lambda: want <= node_events(), 30), node_events()
    # Node events are in the default namespace, as upstream puts events about cluster-scoped objects.
    listed = kubectl(cluster, "get", "events", "-n", "default", "--field-selector", "reason=RegisteredNode", "-o", "name")
    assert listed.strip()


def test_lifecycle_hooks_run_after_start_and_before_stop(cluster, tmp_path):
    data = tmp_path / "hooks"
    p = pod("hooks", "busybox:1.35", ["sleep", "3600"],
            volumeMounts=[{"name": "data", "mountPath": "/data"}],
            lifecycle={"postStart": {"exec": {"command": ["sh", "-c", "echo started > /data/poststart"]}},
                       "preStop": {"exec": {"command": ["sh", "-c", "echo stopping > /data/prestop"]}}})
    p["spec"]["volumes"] = [{"name": "data", "hostPath": {"path": str(data), "type": "DirectoryOrCreate"}}]
    apply(cluster, p)
    assert eventually(lambda: (data / "poststart").exists(), 60), status(cluster, "hooks")
    assert not (data / "prestop").exists()
    kubectl(cluster, "delete", "pod", "hooks", "--wait=true", timeout=90)
    assert (data / "prestop").read_text() == "stopping\n"

    failing = pod("hook-fails", "busybox:1.35", ["sleep", "3600"], lifecycle={"preStop": {"exec": {"command": ["false"]}}})
    running(cluster, "hook-fails", failing)
    kubectl(cluster, "delete", "pod", "hook-fails", "--wait=true", timeout=90)
    assert eventually(lambda: any(e["reason"] == "FailedPreStopHook" and e["message"] == "PreStopHook failed"
                                  and e["type"] == "Warning" for e in pod_events(cluster, "hook-fails")), 20)


def test_restarted_kubelet_adopts_running_containers(cluster):
    apply(cluster, pod("steady", "busybox:1.35", ["sleep", "3600"]))
    before = eventually(lambda: status(cluster, "steady")["containerStatuses"][0].get("state", {}).get("running")
                        and status(cluster, "steady")["containerStatuses"][0]["containerID"])
    assert before
    pid_file = os.path.join(cluster["SKIFF_HOME"], "clusters", NAME, "run", f"kubelet-{NODE}.pid")
    pid = int(open(pid_file).read().strip())
    os.kill(pid, signal.SIGKILL)
    # The supervisor starts a new kubelet; it must find the container, not start another.
    assert eventually(lambda: int(open(pid_file).read().strip()) != pid, 30)
    # Stays: a grace period for a wrong restart to show up. A kubelet that finds the container fine writes
    # nothing, so there is no signal of its first sync to wait for instead.
    time.sleep(3)
    c = status(cluster, "steady")["containerStatuses"][0]
    assert c["containerID"] == before and c["restartCount"] == 0 and "running" in c["state"]


def test_port_forward_reaches_the_pod(cluster):
    apply(cluster, pod("fwd", "nginx:alpine"))
    assert eventually(lambda: status(cluster, "fwd").get("phase") == "Running", 60), status(cluster, "fwd")
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fwd = subprocess.Popen(["kubectl", "port-forward", "pod/fwd", f"{port}:80"], env=cluster,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "Forwarding from" in fwd.stdout.readline()
        import urllib.request
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert "Welcome to nginx!" in page
    finally:
        fwd.terminate()
        fwd.wait(timeout=10)


SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def token_only_kubeconfig(cluster, path, ca_pem):
    """A kubeconfig with the cluster's address and the given CA, and no credentials of its own."""
    server = kubectl(cluster, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
    ca = base64.b64encode(ca_pem.encode()).decode()
    with open(path, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters:
- cluster: {{server: "{server}", certificate-authority-data: {ca}}}
  name: c
contexts:
- context: {{cluster: c, user: nobody, namespace: default}}
  name: c
current-context: c
users:
- name: nobody
  user: {{}}
""")
    return dict(cluster, KUBECONFIG=path)


def test_pod_token_authenticates_as_its_service_account_until_the_pod_is_deleted(cluster, tmp_path):
    apply(cluster, pod("satoken", "busybox:1.35", ["sleep", "3600"]))
    assert eventually(lambda: status(cluster, "satoken").get("phase") == "Running", 60), status(cluster, "satoken")
    spec = json.loads(kubectl(cluster, "get", "pod", "satoken", "-o", "json"))["spec"]
    assert spec["serviceAccountName"] == "default"
    volume = next(v for v in spec["volumes"] if v["name"].startswith("kube-api-access-"))
    assert spec["containers"][0]["volumeMounts"] == [{"mountPath": SA_DIR, "name": volume["name"], "readOnly": True}]

    read = lambda f: kubectl(cluster, "exec", "satoken", "--", "cat", f"{SA_DIR}/{f}")
    token, ca, namespace = read("token"), read("ca.crt"), read("namespace")
    assert namespace == "default"
    with open(os.path.join(cluster["SKIFF_HOME"], "clusters", NAME, "pki", "ca.crt")) as f:
        assert ca == f.read()
    claims = jwt_claims(token)
    assert claims["sub"] == "system:serviceaccount:default:default"
    assert claims["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert claims["kubernetes.io"]["pod"]["name"] == "satoken"
    assert claims["kubernetes.io"]["node"]["name"] == NODE

    # From the host, with nothing but the pod's CA and token.
    env = token_only_kubeconfig(cluster, str(tmp_path / "token.conf"), ca)
    # It authenticates; RBAC gives the default service account no access to pods.
    denied = subprocess.run(["kubectl", f"--token={token}", "get", "pods", "-o", "name"], env=env, capture_output=True, text=True, timeout=30)
    assert denied.returncode != 0 and 'User "system:serviceaccount:default:default" cannot list resource "pods"' in denied.stderr, denied.stderr
    who = json.loads(kubectl(env, f"--token={token}", "auth", "whoami", "-o", "json"))
    info = who["status"]["userInfo"]
    assert info["username"] == "system:serviceaccount:default:default"
    assert set(info["groups"]) == {"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}
    assert info["extra"]["authentication.kubernetes.io/pod-name"] == ["satoken"]

    kubectl(cluster, "delete", "pod", "satoken", "--wait=true", timeout=90)
    refused = subprocess.run(["kubectl", f"--token={token}", "get", "pods"], env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "Unauthorized" in refused.stderr, refused.stderr


def test_opted_out_pod_gets_no_token(cluster):
    p = pod("notoken", "busybox:1.35", ["sleep", "3600"])
    p["spec"]["automountServiceAccountToken"] = False
    apply(cluster, p)
    spec = json.loads(kubectl(cluster, "get", "pod", "notoken", "-o", "json"))["spec"]
    assert spec["serviceAccountName"] == "default" and "volumes" not in spec
    assert eventually(lambda: status(cluster, "notoken").get("phase") == "Running", 60), status(cluster, "notoken")
    listing = subprocess.run(["kubectl", "exec", "notoken", "--", "ls", SA_DIR], env=cluster, capture_output=True, text=True, timeout=30)
    assert listing.returncode != 0


def test_every_namespace_has_the_root_ca(cluster):
    kubectl(cluster, "create", "namespace", "ca-check")
    got = eventually(lambda: kubectl(cluster, "get", "configmap", "kube-root-ca.crt", "-n", "ca-check",
                                     "-o", "jsonpath={.data.ca\\.crt}"), 30)
    with open(os.path.join(cluster["SKIFF_HOME"], "clusters", NAME, "pki", "ca.crt")) as f:
        assert got == f.read()


def test_token_requests_from_kubectl_and_the_python_client(cluster, tmp_path):
    token = kubectl(cluster, "create", "token", "default", "--duration", "10m", "--audience", "https://kubernetes.default.svc.cluster.local").strip()
    claims = jwt_claims(token)
    assert claims["exp"] - claims["iat"] == 600 and claims["sub"] == "system:serviceaccount:default:default"
    # Too short: upstream's validation message.
    short = subprocess.run(["kubectl", "create", "token", "default", "--duration", "5m"], env=cluster, capture_output=True, text=True, timeout=30)
    assert short.returncode != 0 and "may not specify a duration less than 10 minutes" in short.stderr

    from kubernetes import client as k8s, config as k8s_config
    api_client = k8s_config.new_client_from_config(config_file=cluster["KUBECONFIG"])
    try:
        body = k8s.AuthenticationV1TokenRequest(spec=k8s.V1TokenRequestSpec(audiences=["vault"], expiration_seconds=3600))
        tr = k8s.CoreV1Api(api_client).create_namespaced_service_account_token("default", "default", body)
        assert tr.spec.audiences == ["vault"] and tr.status.expiration_timestamp is not None
        assert jwt_claims(tr.status.token)["aud"] == ["vault"]
    finally:
        api_client.close()
    # Meant for vault, not for the API server.
    ca = open(os.path.join(cluster["SKIFF_HOME"], "clusters", NAME, "pki", "ca.crt")).read()
    env = token_only_kubeconfig(cluster, str(tmp_path / "vault.conf"), ca)
    refused = subprocess.run(["kubectl", f"--token={tr.status.token}", "get", "pods"], env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "Unauthorized" in refused.stderr
    # kubectl's own token is for the API server: it works from the host.
    who = json.loads(kubectl(env, f"--token={token}", "auth", "whoami", "-o", "json"))
    assert who["status"]["userInfo"]["username"] == "system:serviceaccount:default:default"


def running(env, name, obj):
    apply(env, obj)
    assert eventually(lambda: status(env, name).get("phase") == "Running", 60), status(env, name)


def test_exec_stdin_ends_and_exit_codes_pass_through(cluster):
    """The kubelet speaks SPDY/3.1 to containerd: kubectl's end of stdin is a FIN on the stdin stream, so
    commands that read stdin to its end finish; 1 MiB crosses the 64 KiB windows; exit codes come back."""
    running(cluster, "shell", pod("shell", "busybox:1.35", ["sleep", "3600"]))
    data = bytes(range(256)) * 256 + b"the end\n"
    p = subprocess.run(["kubectl", "exec", "-i", "shell", "--", "cat"], env=cluster, input=data, capture_output=True, timeout=60)
    assert p.returncode == 0 and p.stdout == data, p.stderr
    p = subprocess.run(["kubectl", "exec", "-i", "shell", "--", "wc", "-c"], env=cluster, input=os.urandom(1 << 20),
                       capture_output=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == b"1048576", p.stderr
    p = subprocess.run(["kubectl", "exec", "-i", "shell", "--", "sh"], env=cluster, input=b"echo from-a-script\nexit 7\n",
                       capture_output=True, timeout=60)
    assert p.returncode == 7 and p.stdout == b"from-a-script\n", p.stderr
    p = subprocess.run(["kubectl", "exec", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 3"], env=cluster,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 3 and p.stdout == "out\n" and "err\n" in p.stderr


def test_exec_with_a_terminal_and_its_size(cluster):
    running(cluster, "term", pod("term", "busybox:1.35", ["sleep", "3600"]))
    # script gives kubectl a terminal of 30 rows and 100 columns, which reaches the container as a resize.
    p = subprocess.run(["script", "-qec", "stty rows 30 cols 100; kubectl exec -it term -- sh", "/dev/null"], env=cluster,
                       input="stty size; echo $((6*7))\nexit\n", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "30 100" in p.stdout and "42" in p.stdout, p.stdout


def test_attach_relays_stdin_and_its_end(cluster):
    p = pod("att", "busybox:1.35", ["sh"], stdin=True, stdinOnce=True)
    p["spec"]["restartPolicy"] = "Never"
    running(cluster, "att", p)
    out = subprocess.run(["kubectl", "attach", "-i", "att"], env=cluster, input="echo attached-$((1+1))\n",
                         capture_output=True, text=True, timeout=60)
    assert "attached-2" in out.stdout, out.stdout + out.stderr
    # stdin's end closed the shell's stdin (stdinOnce): the container has finished.
    assert eventually(lambda: status(cluster, "att")["containerStatuses"][0]["state"].get("terminated"), 30), status(cluster, "att")


def test_run_rm_i_prints_the_whole_output_of_short_and_longer_commands(cluster):
    """`kubectl run --rm -i` attaches once the pod runs; a short command has often written everything by then.
    The first attach to a stdinOnce container gets what it wrote so far, so nothing is lost."""
    for i in range(5):
        p = subprocess.run(["kubectl", "run", f"quick{i}", "--image=busybox:1.35", "--restart=Never", "--rm", "-i", "--",
                            "echo", f"hello-{i}"], env=cluster, capture_output=True, text=True, timeout=90)
        assert p.returncode == 0 and p.stdout.count(f"hello-{i}") == 1, (i, p.stdout, p.stderr)
    p = subprocess.run(["kubectl", "run", "slow", "--image=busybox:1.35", "--restart=Never", "--rm", "-i", "--",
                        "sh", "-c", "echo started; sleep 2; echo done"], env=cluster, capture_output=True, text=True, timeout=90)
    assert p.returncode == 0 and p.stdout.splitlines()[:2] == ["started", "done"], (p.stdout, p.stderr)


def test_a_deleted_mirror_pod_is_created_again_for_its_running_component(cluster):
    name = f"kube-scheduler-{NODE}"
    before = json.loads(kubectl(cluster, "get", "pod", "-n", "kube-system", name, "-o", "json"))["metadata"]["uid"]
    kubectl(cluster, "delete", "pod", "-n", "kube-system", name, "--wait=false")

    def replaced():
        p = json.loads(kubectl(cluster, "get", "pod", "-n", "kube-system", name, "-o", "json"))
        return p["metadata"]["uid"] != before and "deletionTimestamp" not in p["metadata"] and p["status"].get("phase") == "Running"
    assert eventually(replaced, 10), kubectl(cluster, "get", "pod", "-n", "kube-system", name, "-o", "yaml", check=False)


def test_kubectl_logs_of_a_component_pod_is_the_components_log(cluster):
    kubectl(cluster, "create", "configmap", "logged-probe", "--from-literal=k=v")
    pod_name = f"kube-apiserver-{NODE}"
    out = kubectl(cluster, "logs", "-n", "kube-system", pod_name, "--tail=50")
    assert "/configmaps" in out and len(out.splitlines()) == 50, out
    stamped = kubectl(cluster, "logs", "-n", "kube-system", pod_name, "--tail=3", "--timestamps").splitlines()
    assert len(stamped) == 3 and all(line[:4].isdigit() and line[19:30] == ".000000000Z" for line in stamped), stamped
    assert kubectl(cluster, "logs", "-n", "kube-system", pod_name, "--since=1h", "--tail=1").strip()
    by_label = kubectl(cluster, "logs", "-n", "kube-system", "-l", "component=kube-scheduler", "--tail=2")
    assert len(by_label.splitlines()) == 2, by_label
    # -f keeps the stream open and shows what comes next.
    f = subprocess.Popen(["kubectl", "logs", "-f", "-n", "kube-system", pod_name, "--tail=0"], env=cluster,
                         stdout=subprocess.PIPE)
    try:
        seen, end = b"", time.time() + 20
        while b"followed-probe" not in seen and time.time() < end:
            # Asked again each round: the first ask may come before kubectl's stream has begun (--tail=0).
            kubectl(cluster, "get", "configmap", "followed-probe", check=False)
            if select.select([f.stdout], [], [], 1)[0]:
                seen += os.read(f.stdout.fileno(), 65536)
        assert b"followed-probe" in seen, seen[-2000:]
    finally:
        f.kill()
        f.wait()


def test_skiff_exec_runs_inside_the_node(cluster):
    ip = kubectl(cluster, "get", "node", NODE, "-o", "jsonpath={.status.addresses[0].address}")
    out = subprocess.run([SKIFF, "exec", NODE, "--", "ip", "-4", "addr"], env=cluster, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and f"inet {ip}/" in out.stdout, out.stdout + out.stderr
    out = subprocess.run([SKIFF, "exec", NODE, "--", "hostname"], env=cluster, capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == NODE, out.stdout + out.stderr
    # ctr reaches the node's containerd and the kubelet's namespace there, which holds the images loaded.
    out = subprocess.run([SKIFF, "exec", NODE, "--", "ctr", "images", "ls", "-q"], env=cluster, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "docker.io/library/busybox:1.35" in out.stdout.split(), out.stdout + out.stderr
    # The seed's step 5 typed the kind way: the kubelet's log through journalctl inside the node.
    out = subprocess.run([SKIFF, "exec", NODE, "--", "journalctl", "-u", "kubelet", "-n", "5"], env=cluster, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 5 and "kubelet" in out.stdout, out.stdout + out.stderr
    # A shell reads its commands from standard input, and the exit code comes back.
    out = subprocess.run([SKIFF, "exec", "-i", NODE], env=cluster, input="echo in-$(hostname)\nexit 4\n", capture_output=True, text=True, timeout=30)
    assert out.returncode == 4 and out.stdout.strip() == f"in-{NODE}", out.stdout + out.stderr
    out = subprocess.run([SKIFF, "exec", "no-such-node", "--", "true"], env=cluster, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "no node \"no-such-node\"" in out.stderr, out.stderr


def test_a_cluster_whose_processes_died_is_started_again_with_its_objects(cluster):
    """Last in this module: it kills the cluster's processes as a reboot would, then brings it back."""
    kubectl(cluster, "create", "configmap", "survivor", "--from-literal=k=v")
    home = cluster["SKIFF_HOME"]
    run = os.path.join(home, "clusters", NAME, "run")
    pids = []
    for f in sorted(os.listdir(run)):
        if f.endswith(".pid"):
            try:
                pids.append(int(open(os.path.join(run, f)).read().strip()))
            except (ValueError, OSError):
                pass
    # The supervisor first, so it restarts nothing; then every component it ran.
    sup = int(open(os.path.join(run, "supervisor.pid")).read().strip())
    os.kill(sup, signal.SIGKILL)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    out = subprocess.run([SKIFF, "create", "cluster", "--name", NAME], env=cluster, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and f"skiff start cluster --name {NAME}" in out.stderr, out.stdout + out.stderr
    out = subprocess.run([SKIFF, "start", "cluster", "--name", NAME], env=cluster, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert kubectl(cluster, "get", "configmap", "survivor", "-o", "jsonpath={.data.k}") == "v"
    running(cluster, "after-start", pod("after-start", "busybox:1.35", ["sleep", "3600"]))
    out = subprocess.run([SKIFF, "start", "cluster", "--name", NAME], env=cluster, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "already running" in out.stderr, out.stdout + out.stderr
