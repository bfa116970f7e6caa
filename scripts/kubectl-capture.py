#!/usr/bin/env python3
"""A fake API server on 127.0.0.1 that records the request bodies kubectl sends.

Used to capture the protobuf bodies in SwiftTests/APIMachineryTests (KubeProtobuf fixtures). It answers
/version and minimal discovery for the kinds below, saves every POST/PUT/PATCH body to OUT_DIR as
NNN-METHOD-<path>.bin (with the Content-Type in NNN-METHOD-<path>.txt), and answers the write with a
small JSON object so kubectl prints success.

    python3 scripts/kubectl-capture.py 18123 /tmp/capture &
    # kubeconfig: clusters[0].cluster.server = http://127.0.0.1:18123
    kubectl.1.32 --kubeconfig /tmp/capture/kubeconfig create configmap c --from-literal=k=v
"""

import json
import os
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CORE = [("configmaps", "ConfigMap", True), ("secrets", "Secret", True), ("namespaces", "Namespace", False),
        ("services", "Service", True), ("pods", "Pod", True), ("serviceaccounts", "ServiceAccount", True),
        ("resourcequotas", "ResourceQuota", True), ("nodes", "Node", False)]
GROUPS = {
    "apps/v1": [("deployments", "Deployment", True), ("deployments/scale", "Scale", True)],
    "batch/v1": [("jobs", "Job", True), ("cronjobs", "CronJob", True)],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    "rbac.authorization.k8s.io/v1": [("roles", "Role", True), ("rolebindings", "RoleBinding", True),
                                     ("clusterroles", "ClusterRole", False)],
    "networking.k8s.io/v1": [("ingresses", "Ingress", True)],
    "scheduling.k8s.io/v1": [("priorityclasses", "PriorityClass", False)],
}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def resource_list(gv, resources):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
        {"name": n, "singularName": "", "namespaced": ns, "kind": k, "verbs": VERBS} for n, k, ns in resources]}


def envelope_type(body):
    """apiVersion and kind from a k8s protobuf body's runtime.Unknown typeMeta, else ("", "")."""
    if not body.startswith(b"k8s\0"):
        try:
            obj = json.loads(body)
            return obj.get("apiVersion", ""), obj.get("kind", "")
        except ValueError:
            return "", ""

    def fields(buf):
        i = 0
        while i < len(buf):
            key, i = varint(buf, i)
            if key & 7 != 2:
                return
            n, i = varint(buf, i)
            yield key >> 3, buf[i:i + n]
            i += n

    def varint(buf, i):
        r = s = 0
        while True:
            c = buf[i]
            i += 1
            r |= (c & 0x7F) << s
            s += 7
            if c < 0x80:
                return r, i

    for num, v in fields(body[4:]):
        if num == 1:
            meta = dict(fields(v))
            return meta.get(1, b"").decode(), meta.get(2, b"").decode()
    return "", ""


class Handler(BaseHTTPRequestHandler):
    counter = 0

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/version":
            return self.reply(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0"})
        if path == "/api":
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            groups = [{"name": gv.split("/")[0], "versions": [{"groupVersion": gv, "version": gv.split("/")[1]}],
                       "preferredVersion": {"groupVersion": gv, "version": gv.split("/")[1]}} for gv in GROUPS]
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if path == "/api/v1":
            return self.reply(200, resource_list("v1", CORE))
        for gv, res in GROUPS.items():
            if path == "/apis/" + gv:
                return self.reply(200, resource_list(gv, res))
        named = self.named_object(path)
        if named:
            return self.reply(200, named)
        self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})

    def named_object(self, path):
        """A minimal stored object for GET .../<resource>/<name>[/scale], so `kubectl scale` goes on to write."""
        parts = path.strip("/").split("/")
        gv = "v1" if parts[0] == "api" else "/".join(parts[1:3])
        rest = parts[2:] if parts[0] == "api" else parts[3:]
        if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) > 2:
            rest = rest[2:]
        resources = CORE if gv == "v1" else GROUPS.get(gv, [])
        if len(rest) < 2:
            return None
        resource = rest[0] + ("/" + rest[2] if len(rest) > 2 else "")
        for name, kind, _ in resources:
            if name == resource:
                obj = {"metadata": {"name": rest[1], "namespace": "default", "resourceVersion": "7", "uid": "u1"},
                       "spec": {"replicas": 1}}
                if kind == "Scale":
                    return dict(obj, apiVersion="autoscaling/v1", kind="Scale", status={"replicas": 1})
                return dict(obj, apiVersion=gv, kind=kind)
        return None

    def save(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Handler.counter += 1
        stem = "%03d-%s-%s" % (Handler.counter, self.command, self.path.split("?")[0].strip("/").replace("/", "_"))
        with open(os.path.join(OUT, stem + ".bin"), "wb") as f:
            f.write(body)
        with open(os.path.join(OUT, stem + ".txt"), "w") as f:
            f.write("%s %s\nContent-Type: %s\n" % (self.command, self.path, self.headers.get("Content-Type")))
        api_version, kind = envelope_type(body)
        self.reply(201, {"apiVersion": api_version, "kind": kind, "metadata": {"name": "captured"}})

    do_POST = do_PUT = do_PATCH = save

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.path))


if __name__ == "__main__":
    port, OUT = int(sys.argv[1]), sys.argv[2]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "kubeconfig"), "w") as f:
        f.write("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:%d\n"
                "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n    namespace: default\n"
                "current-context: c\nusers:\n- name: u\n  user: {}\n" % port)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
