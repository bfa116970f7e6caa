"""The built-in Ingress controller on a 2-node real cluster (docs/networking.md), with the real kubectl and
curl from the host, through the cluster's own route (checked with `ip route get` before any packet is
sent): the default IngressClass `skiff`; an Ingress with two hosts and a path rule routes each to its
Service; TLS with a Secret's certificate (SNI) over HTTP/1.1 and HTTP/2; a WebSocket handshake and its
bytes pass through; endpoints are followed live; `kubectl get ingress` shows the controller's address."""
import base64
import hashlib
import os
import socket
import subprocess
import tempfile

import pytest

from real_cluster import apply, assert_routed_to_cluster, eventually, kubectl, real_cluster

NAME = "hing"

# A WebSocket server in busybox: answers the handshake with the right Sec-WebSocket-Accept (RFC 6455), then
# echoes the connection's bytes.
WS_SCRIPT = r"""key=""
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  [ -z "$line" ] && break
  case "$line" in [Ss]ec-[Ww]eb[Ss]ocket-[Kk]ey:*) key=$(echo "${line#*:}" | tr -d ' ') ;; esac
done
hex=$(printf '%s' "${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11" | sha1sum | cut -c1-40)
accept=$(i=1; while [ $i -lt 40 ]; do printf "\\$(printf %03o 0x$(echo $hex | cut -c$i-$((i+1))))"; i=$((i+2)); done | base64)
printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n' "$accept"
exec cat
"""


def web(app, command, port=8080, volumes=None):
    container = {"name": "web", "image": "busybox:1.35", "command": ["sh", "-c", command],
                 "ports": [{"containerPort": port, "name": "http"}]}
    spec = {"terminationGracePeriodSeconds": 0, "containers": [container]}
    if volumes:
        container["volumeMounts"] = [{"name": "script", "mountPath": "/script"}]
        spec["volumes"] = volumes
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}},
                  "template": {"metadata": {"labels": {"app": app}}, "spec": spec}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app},
         "spec": {"selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
    ]


def httpd(app):
    return web(app, f"mkdir -p /www/api && echo {app} > /www/index.html && echo {app}-api > /www/api/index.html && exec httpd -f -p 8080 -h /www")


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=2, images=("busybox.oci.tar",)) as env:
        objs = httpd("alpha") + httpd("beta") + [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ws-script"}, "data": {"ws.sh": WS_SCRIPT}},
        ] + web("ws", "while true; do nc -l -p 8080 -e sh /script/ws.sh; done",
                volumes=[{"name": "script", "configMap": {"name": "ws-script"}}])
        for o in objs:
            apply(env, o)
        for d in ("alpha", "beta", "ws"):
            kubectl(env, "rollout", "status", f"deployment/{d}", "--timeout=120s", timeout=130)
        yield env


def address(env):
    ip = eventually(lambda: kubectl(env, "get", "ingress", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"), 30)
    assert ip, "the Ingress got no address"
    assert_routed_to_cluster(env, NAME, ip)
    return ip


def curl(*args, timeout=5):
    return subprocess.run(["curl", "-sS", "--max-time", str(timeout), *args], capture_output=True, text=True)


def test_the_default_class_is_skiff(cluster):
    out = kubectl(cluster, "get", "ingressclass")
    assert out.split("\n")[0].split() == ["NAME", "CONTROLLER", "PARAMETERS", "AGE"]
    assert out.split("\n")[1].split()[:3] == ["skiff", "skiff.io/ingress-controller", "<none>"]


def test_two_hosts_and_a_path_rule_route_to_their_services(cluster):
    kubectl(cluster, "create", "ingress", "web", "--rule=a.example.com/=alpha:80", "--rule=b.example.com/=beta:http",
            "--rule=a.example.com/api/*=beta:80")
    # DefaultIngressClass gave it the default class.
    assert kubectl(cluster, "get", "ingress", "web", "-o", "jsonpath={.spec.ingressClassName}") == "skiff"
    ip = address(cluster)
    get = lambda host, path="/": curl("-H", f"Host: {host}", f"http://{ip}{path}").stdout.strip()
    assert eventually(lambda: get("a.example.com") == "alpha", 20), get("a.example.com")
    assert get("b.example.com") == "beta"
    assert get("a.example.com", "/api/") == "beta-api"
    # An Exact rule for "/" does not match "/nothing", and an unknown host has no rule: 404 from the controller.
    code = lambda host, path: curl("-o", "/dev/null", "-w", "%{http_code}", "-H", f"Host: {host}", f"http://{ip}{path}").stdout
    assert code("a.example.com", "/nothing") == "404"
    assert code("c.example.com", "/") == "404"
    rows = kubectl(cluster, "get", "ingress", "web").split("\n")
    assert rows[0].split() == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    assert rows[1].split()[:5] == ["web", "skiff", "a.example.com,b.example.com", ip, "80"]


def test_tls_from_a_secret_by_sni_over_http1_and_http2(cluster):
    with tempfile.TemporaryDirectory() as d:
        crt, key = os.path.join(d, "a.crt"), os.path.join(d, "a.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-days", "1", "-subj", "/CN=a.example.com", "-addext", "subjectAltName=DNS:a.example.com",
                        "-keyout", key, "-out", crt], check=True, capture_output=True)
        kubectl(cluster, "create", "secret", "tls", "a-tls", f"--cert={crt}", f"--key={key}")
        kubectl(cluster, "patch", "ingress", "web", "--type=merge", "-p",
                '{"spec":{"tls":[{"hosts":["a.example.com"],"secretName":"a-tls"}]}}')
        ip = address(cluster)
        resolve = f"a.example.com:443:{ip}"
        ok = lambda: curl("--resolve", resolve, "--cacert", crt, "https://a.example.com/").stdout.strip() == "alpha"
        assert eventually(ok, 20), curl("--resolve", resolve, "--cacert", crt, "-v", "https://a.example.com/").stderr
        h2 = curl("--http2", "--resolve", resolve, "--cacert", crt, "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                  "https://a.example.com/api/")
        assert h2.stdout == "2 200", h2
        # Another name gets the controller's default certificate (verification off to read which it is).
        other = curl("-kv", "--resolve", f"b.example.com:443:{ip}", "https://b.example.com/")
        assert other.stdout.strip() == "beta"
        assert "CN=Kubernetes Ingress Controller Fake Certificate" in other.stderr
    rows = kubectl(cluster, "get", "ingress", "web").split("\n")
    assert "80, 443" in rows[1]


def test_a_websocket_passes_through(cluster):
    kubectl(cluster, "create", "ingress", "ws", "--rule=ws.example.com/*=ws:80")
    ip = address(cluster)

    def handshake():
        s = socket.create_connection((ip, 80), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /chat HTTP/1.1\r\nHost: ws.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return s, key, buf

    s, key, buf = eventually(lambda: (lambda r: r if r[2].startswith(b"HTTP/1.1 101") else None)(handshake()), 20)
    with s:
        head, rest = buf.split(b"\r\n\r\n", 1)
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        assert f"Sec-WebSocket-Accept: {accept}".lower() in head.decode().lower()
        frame = b"\x81\x85\x01\x02\x03\x04" + bytes(b ^ m for b, m in zip(b"hello", b"\x01\x02\x03\x04\x01"))
        s.sendall(frame)
        data = rest
        while len(data) < len(frame):
            chunk = s.recv(4096)
            assert chunk, "the relay closed"
            data += chunk
        assert data == frame


def test_endpoints_are_followed_live(cluster):
    ip = address(cluster)
    get = lambda: curl("-H", "Host: b.example.com", f"http://{ip}/").stdout.strip()
    assert get() == "beta"
    kubectl(cluster, "scale", "deployment/beta", "--replicas=0")
    assert eventually(lambda: curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: b.example.com", f"http://{ip}/").stdout == "503", 30)
    kubectl(cluster, "scale", "deployment/beta", "--replicas=1")
    assert eventually(lambda: get() == "beta", 60)
