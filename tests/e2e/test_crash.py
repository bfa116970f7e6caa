"""kill -9 during concurrent creates: every create answered 201 survives the restart, and
resourceVersions only go up."""
import json
import tempfile
import threading
import time
import urllib.error
import urllib.request

from conftest import APIServer


def create(url, name):
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"n": name}}).encode()
    req = urllib.request.Request(url + "/api/v1/namespaces/default/configmaps", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())["metadata"]["resourceVersion"]
    except urllib.error.HTTPError as e:
        return e.code, None
    except Exception:
        return None, None


def test_kill9_loses_no_acknowledged_create():
    with tempfile.TemporaryDirectory(prefix="skiff-crash-") as d:
        server = APIServer(d, storage="sqlite").start()
        acked, lock = {}, threading.Lock()
        names = [f"crash-{i}" for i in range(1000)]
        half = threading.Event()
        killer = threading.Thread(target=lambda: (half.wait(60), server.kill9()))

        def worker(chunk):
            for n in chunk:
                code, rv = create(server.url, n)
                if code == 201:
                    with lock:
                        acked[n] = int(rv)
                        if len(acked) >= 300:
                            half.set()

        threads = [threading.Thread(target=worker, args=(names[i::16],)) for i in range(16)]
        killer.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        killer.join()
        max_acked = max(acked.values(), default=0)
        server.start(port=0)
        try:
            with urllib.request.urlopen(server.url + "/api/v1/namespaces/default/configmaps", timeout=30) as r:
                lst = json.loads(r.read())
            present = {i["metadata"]["name"] for i in lst["items"]}
            missing = [n for n in acked if n not in present]
            assert not missing, f"{len(missing)} acknowledged creates lost, e.g. {missing[:5]}"
            assert 300 <= len(acked) < 1000, f"the kill did not land during the creates ({len(acked)} acked)"
            code, rv = create(server.url, "after-restart")
            assert code == 201 and int(rv) > max_acked
        finally:
            server.stop()
