"""Overload on a real cluster: 200 clients of a namespace's service account loop on list + create for 60 s
(`skiff bench overload`). Those beyond the API server's in-flight budget get 429 with Retry-After and retry,
while the control plane's own requests, in the exempt lane, keep every Lease renewed in time and every Node
Ready."""
import json
import subprocess

from conftest import SKIFF
from real_cluster import kubectl, real_cluster

NAME = "e2eoverload"


def test_a_flood_gets_429_and_never_starves_the_heartbeats():
    with real_cluster(NAME, images=()) as env:
        out = subprocess.run([SKIFF, "bench", "overload", "--clients", "200", "--seconds", "60", "--json"], env=env,
                             capture_output=True, text=True, timeout=240)
        assert out.returncode == 0, out.stdout + out.stderr
        report = json.loads(out.stdout.strip().splitlines()[-1])
        codes = report["codes"]
        assert codes.get("200", 0) > 0 and codes.get("429", 0) > 0, report
        # Nothing but "served" and "come back later": no timeouts, no 5xx.
        assert set(codes) <= {"200", "429"}, report
        leases = report["leases"]
        expected = {"kube-system/kube-scheduler", "kube-system/kube-controller-manager", f"kube-node-lease/{NAME}-control-plane"}
        assert expected <= set(leases), report
        for key, lease in leases.items():
            assert lease["holderChanges"] == 0, (key, report)
            assert lease["renewals"] > 0 and lease["longestGapSeconds"] < lease["durationSeconds"], (key, report)
        assert report["notReady"] == {}, report
        # kubectl (an admin outside the exempt lane) works again once the flood is over.
        assert f"{NAME}-control-plane" in kubectl(env, "get", "nodes")
