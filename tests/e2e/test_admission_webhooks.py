"""Admission webhooks on a real one-node cluster with the real kubectl: a ValidatingWebhookConfiguration whose
webhook is served over HTTPS by a pod behind a Service (nginx terminating TLS with a certificate for
`deny-webhook.webhook-system.svc` from the test's own CA, busybox httpd answering the AdmissionReview from a
CGI script). It refuses a labelled ConfigMap with upstream's message and lets others through; with its pod
down, `failurePolicy: Ignore` lets requests through and `Fail` refuses them with upstream's 500."""
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from real_cluster import apply, eventually, kubectl, real_cluster

NAME = "e2ewebhook"
SERVICE_HOST = "deny-webhook.webhook-system.svc"

# The webhook: reads the AdmissionReview, refuses objects labelled webhook-e2e=deny, allows everything else.
# The review's request uid comes first in upstream's field order ("request":{"uid":...).
CGI = r'''#!/bin/sh
body=$(head -c "${CONTENT_LENGTH:-0}")
uid=$(printf '%s' "$body" | sed -n 's/.*"request":{"uid":"\([^"]*\)".*/\1/p')
printf 'Content-Type: application/json\r\n\r\n'
case "$body" in
  *'"object":{'*'"webhook-e2e":"deny"'*'"oldObject":'*)
    printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"%s","allowed":false,"status":{"code":403,"reason":"Forbidden","message":"configmaps labelled webhook-e2e=deny are refused"}}}' "$uid" ;;
  *)
    printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"%s","allowed":true}}' "$uid" ;;
esac
'''

NGINX = '''worker_processes 1;
error_log /dev/stderr;
pid /tmp/nginx.pid;
events {}
http {
  access_log /dev/stdout;
  client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy; fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi;
  server {
    listen 8443 ssl;
    ssl_certificate /tls/tls.crt;
    ssl_certificate_key /tls/tls.key;
    location / { proxy_pass http://127.0.0.1:8080/cgi-bin/; }
  }
}
'''


@pytest.fixture(scope="module")
def cluster():
    if not shutil.which("openssl"):
        pytest.skip("openssl makes the webhook's certificate")
    with real_cluster(NAME, nodes=1) as env:
        yield env


def certificates():
    """A CA and a serving certificate for the webhook Service's DNS name, as a webhook's operator makes them."""
    with tempfile.TemporaryDirectory() as d:
        def run(*args):
            subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
            "-subj", "/CN=webhook-e2e-ca")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj", f"/CN={SERVICE_HOST}")
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write(f"subjectAltName=DNS:{SERVICE_HOST}\nextendedKeyUsage=serverAuth\n")
        run("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tls.crt",
            "-days", "1", "-extfile", "ext.cnf")
        read = lambda n: open(os.path.join(d, n), "rb").read()
        return read("ca.crt"), read("tls.crt"), read("tls.key")


def deploy_webhook(env, cert, key):
    kubectl(env, "create", "namespace", "webhook-system")
    b64 = lambda b: base64.b64encode(b).decode()
    apply(env, {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                "metadata": {"name": "deny-webhook-tls", "namespace": "webhook-system"},
                "data": {"tls.crt": b64(cert), "tls.key": b64(key)}})
    apply(env, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "deny-webhook", "namespace": "webhook-system"},
                "data": {"validate": CGI, "nginx.conf": NGINX}})
    apply(env, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "deny-webhook", "namespace": "webhook-system"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "deny-webhook"}},
                 "template": {"metadata": {"labels": {"app": "deny-webhook"}}, "spec": {
                     "terminationGracePeriodSeconds": 1,
                     "containers": [
                         {"name": "tls", "image": "nginx:alpine",
                          "command": ["nginx", "-c", "/config/nginx.conf", "-g", "daemon off;"],
                          "ports": [{"containerPort": 8443}],
                          "readinessProbe": {"tcpSocket": {"port": 8443}, "periodSeconds": 1},
                          "volumeMounts": [{"name": "config", "mountPath": "/config"}, {"name": "tls", "mountPath": "/tls"}]},
                         {"name": "review", "image": "busybox:1.35",
                          "command": ["httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/www"],
                          "volumeMounts": [{"name": "cgi", "mountPath": "/www/cgi-bin"}]},
                     ],
                     "volumes": [
                         {"name": "config", "configMap": {"name": "deny-webhook", "items": [{"key": "nginx.conf", "path": "nginx.conf"}]}},
                         {"name": "cgi", "configMap": {"name": "deny-webhook", "defaultMode": 0o755,
                                                       "items": [{"key": "validate", "path": "validate"}]}},
                         {"name": "tls", "secret": {"secretName": "deny-webhook-tls"}},
                     ]}}}})
    kubectl(env, "create", "service", "clusterip", "deny-webhook", "-n", "webhook-system", "--tcp=443:8443")
    kubectl(env, "rollout", "status", "deployment/deny-webhook", "-n", "webhook-system", "--timeout=120s", timeout=150)


def webhook_configuration(ca, policy):
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "deny-labelled-configmaps"},
            "webhooks": [{
                "name": "deny.webhook-e2e.skiff.dev", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                "failurePolicy": policy, "timeoutSeconds": 5,
                "clientConfig": {"service": {"namespace": "webhook-system", "name": "deny-webhook", "path": "/validate"},
                                 "caBundle": base64.b64encode(ca).decode()},
                "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]}],
                # Only the test's namespace: the cluster's own ConfigMaps never wait on the test's webhook.
                "namespaceSelector": {"matchLabels": {"webhook-e2e": "on"}},
            }]}


def create_configmap(env, name, label=None):
    cmd = ["kubectl", "create", "configmap", name, "-n", "guarded", "--from-literal=k=v", "-o", "json", "--dry-run=client"]
    obj = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout)
    if label:
        obj["metadata"]["labels"] = {"webhook-e2e": label}
    return subprocess.run(["kubectl", "create", "-f", "-"], env=env, capture_output=True, text=True, timeout=60,
                          input=json.dumps(obj))


def test_a_webhook_served_by_a_pod_refuses_labelled_configmaps(cluster):
    ca, cert, key = certificates()
    deploy_webhook(cluster, cert, key)
    kubectl(cluster, "create", "namespace", "guarded")
    kubectl(cluster, "label", "namespace", "guarded", "webhook-e2e=on")
    apply(cluster, webhook_configuration(ca, "Fail"))

    refused = create_configmap(cluster, "refused", label="deny")
    assert refused.returncode != 0
    assert ('Error from server (Forbidden): error when creating "STDIN": admission webhook "deny.webhook-e2e.skiff.dev" '
            'denied the request: configmaps labelled webhook-e2e=deny are refused') in refused.stderr, refused.stderr
    assert kubectl(cluster, "get", "configmap", "refused", "-n", "guarded", check=False).strip() == ""

    allowed = create_configmap(cluster, "allowed", label="ok")
    assert allowed.returncode == 0, allowed.stderr
    plain = create_configmap(cluster, "plain")
    assert plain.returncode == 0, plain.stderr
    # Labelling an existing ConfigMap is an UPDATE the webhook sees and refuses too.
    relabel = subprocess.run(["kubectl", "label", "configmap", "plain", "-n", "guarded", "webhook-e2e=deny"], env=cluster,
                             capture_output=True, text=True, timeout=60)
    assert relabel.returncode != 0 and "denied the request" in relabel.stderr, relabel.stderr

    # With the webhook's pod gone, Fail refuses every matching request with upstream's internal error...
    kubectl(cluster, "scale", "deployment/deny-webhook", "-n", "webhook-system", "--replicas=0")
    eventually(lambda: kubectl(cluster, "get", "pods", "-n", "webhook-system", "-o", "name").strip() == "", timeout=60)
    down = create_configmap(cluster, "while-down-fail")
    assert down.returncode != 0
    assert ('Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook '
            '"deny.webhook-e2e.skiff.dev": failed to call webhook: Post '
            '"https://deny-webhook.webhook-system.svc:443/validate?timeout=5s": ') in down.stderr, down.stderr

    # ... and Ignore lets them through, labelled or not.
    apply(cluster, webhook_configuration(ca, "Ignore"))
    through = create_configmap(cluster, "while-down-ignore", label="deny")
    assert through.returncode == 0, through.stderr
    assert kubectl(cluster, "get", "configmap", "while-down-ignore", "-n", "guarded", "-o", "jsonpath={.metadata.labels}") \
        == '{"webhook-e2e":"deny"}'

    # Back up, the webhook refuses again.
    kubectl(cluster, "scale", "deployment/deny-webhook", "-n", "webhook-system", "--replicas=1")
    kubectl(cluster, "rollout", "status", "deployment/deny-webhook", "-n", "webhook-system", "--timeout=120s", timeout=150)
    attempts = itertools.count()

    def refused_again():
        p = create_configmap(cluster, f"again-{next(attempts)}", label="deny")
        return p if p.returncode != 0 else None
    again = eventually(refused_again, timeout=30)
    assert again and "denied the request" in again.stderr, again and again.stderr
