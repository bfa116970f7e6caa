"""The API server's audit log (`--audit-policy-file`, `--audit-log-path`, as kube-apiserver's): a cluster made by
`skiff create cluster` audits every request at the Metadata level into logs/audit.log, one audit.k8s.io/v1
Event a line, private to root; `skiff logs audit` prints it. A policy that does not validate stops the server."""
import json
import os
import stat
import subprocess
import tempfile

from conftest import SKIFF
from real_cluster import eventually, kubectl, real_cluster

NAME = "e2eaudit"


def events(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def first(path, match):
    return eventually(lambda: next((e for e in events(path) if match(e)), None), timeout=30)


def test_a_cluster_audits_every_request():
    with real_cluster(NAME, images=()) as env:
        root = os.path.join(env["SKIFF_HOME"], "clusters", NAME)
        log = os.path.join(root, "logs", "audit.log")
        assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
        with open(os.path.join(root, "run", "apiserver.pid")) as f:
            with open(f"/proc/{f.read().strip()}/cmdline", "rb") as c:
                cmdline = c.read().split(b"\0")
        assert cmdline[cmdline.index(b"--audit-policy-file") + 1] == os.path.join(root, "audit-policy.yaml").encode()
        assert cmdline[cmdline.index(b"--audit-log-path") + 1] == log.encode()

        kubectl(env, "create", "deployment", "audit-web", "--image=nginx:alpine")
        kubectl(env, "get", "pods")
        denied = subprocess.run(["kubectl", "get", "pods", "--as=someone"], env=env, capture_output=True, text=True, timeout=60)
        assert denied.returncode != 0 and "forbidden" in denied.stderr, denied.stderr

        created = first(log, lambda e: e["verb"] == "create" and e.get("objectRef", {}).get("resource") == "deployments")
        assert created, "no create of the deployment in the audit log"
        assert created["kind"] == "Event" and created["apiVersion"] == "audit.k8s.io/v1" and created["level"] == "Metadata"
        assert created["stage"] == "ResponseComplete"
        assert created["requestURI"].startswith("/apis/apps/v1/namespaces/default/deployments?"), created
        assert created["user"]["username"] == "kubernetes-admin"
        assert "127.0.0.1" in created["sourceIPs"] and created["userAgent"].startswith("kubectl")
        assert created["objectRef"] == {"resource": "deployments", "namespace": "default", "name": "audit-web",
                                        "apiGroup": "apps", "apiVersion": "v1"}, created
        assert created["responseStatus"] == {"metadata": {}, "code": 201}
        assert created["annotations"]["authorization.k8s.io/decision"] == "allow"
        # Metadata level: no bodies (a Secret's value never reaches this log).
        assert "requestObject" not in created and "responseObject" not in created

        listed = first(log, lambda e: e["verb"] == "list" and e["requestURI"] == "/api/v1/namespaces/default/pods?limit=500"
                       and e["user"]["username"] == "kubernetes-admin" and "impersonatedUser" not in e)
        assert listed and listed["responseStatus"]["code"] == 200, listed

        # kubectl --as also reads discovery as someone; the list of pods is the refused request.
        forbidden = first(log, lambda e: e.get("impersonatedUser", {}).get("username") == "someone"
                          and e["requestURI"] == "/api/v1/namespaces/default/pods?limit=500")
        assert forbidden, "no event of the impersonated request"
        assert forbidden["verb"] == "list" and forbidden["user"]["username"] == "kubernetes-admin"
        status = forbidden["responseStatus"]
        assert status["code"] == 403 and status["reason"] == "Forbidden" and status["status"] == "Failure"
        assert status["message"] == ('pods is forbidden: User "someone" cannot list resource "pods" in API group "" '
                                     'in the namespace "default"'), status
        assert forbidden["annotations"] == {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""}

        # Credentials that do not authenticate: one event with no user, as the 401 starts (upstream's
        # failed-authentication audit).
        server = kubectl(env, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
        bogus = subprocess.run(["kubectl", "get", "pods", "--server", server, "--token", "not-a-token",
                                "--certificate-authority", os.path.join(root, "pki", "ca.crt")],
                               env=dict(env, KUBECONFIG=os.devnull), capture_output=True, text=True, timeout=60)
        assert bogus.returncode != 0 and "Unauthorized" in bogus.stderr, bogus.stderr
        refused = first(log, lambda e: e.get("responseStatus", {}).get("code") == 401)
        assert refused and refused["user"] == {} and refused["stage"] == "ResponseStarted", refused
        assert refused["responseStatus"]["reason"] == "Unauthorized" and "annotations" not in refused

        # The cluster's policy leaves out RequestReceived; the components' watches get ResponseStarted.
        all_events = events(log)
        assert not [e for e in all_events if e["stage"] == "RequestReceived"]
        assert first(log, lambda e: e["verb"] == "watch" and e["stage"] == "ResponseStarted")
        # Health probes are not audited.
        assert not [e for e in all_events if e["requestURI"].startswith(("/readyz", "/livez", "/healthz"))]

        out = subprocess.run([SKIFF, "logs", "audit", "--name", NAME], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        printed = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        assert forbidden["auditID"] in {e["auditID"] for e in printed}
        assert all(e["kind"] == "Event" for e in printed)


def test_an_invalid_policy_stops_the_server():
    with tempfile.TemporaryDirectory(prefix="skiff-e2e-audit-invalid-") as root:
        bad = os.path.join(root, "policy.yaml")
        with open(bad, "w") as f:
            f.write("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n")
        p = subprocess.run([SKIFF, "apiserver", "--storage", "memory", "--data-dir", root, "--port", "0",
                            "--audit-policy-file", bad, "--audit-log-path", os.path.join(root, "audit.log")],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode != 0
        assert ('loading audit policy file: rules[0].level: Unsupported value: "Everything": supported values: '
                f'"None", "Metadata", "Request", "RequestResponse": from file {bad}') in p.stderr, p.stderr
