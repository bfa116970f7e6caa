"""A Deployment whose pods PodSecurity refuses, on a real one-node cluster: the ReplicaSet controller retries the
refused create with upstream's per-ReplicaSet exponential backoff (5ms doubling), and each sync stops at its first
refused create (slow start), so ten seconds of refusals make about a dozen FailedCreate attempts, not hundreds."""
import datetime
import json

import pytest

from real_cluster import eventually, kubectl, real_cluster

NAME = "e2ersbackoff"


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=1, images=("busybox.oci.tar",)) as env:
        yield env


def stamp(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def test_refused_creates_back_off(cluster):
    kubectl(cluster, "create", "namespace", "locked")
    kubectl(cluster, "label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted")
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "c", "image": "busybox:1.35",
                                                                 "command": ["sleep", "3600"],
                                                                 "securityContext": {"privileged": True}}]}}}}
    kubectl(cluster, "apply", "-n", "locked", "-f", "-", input=json.dumps(deployment))

    def failed_creates():
        events = json.loads(kubectl(cluster, "get", "events", "-n", "locked", "-o", "json"))["items"]
        return [e for e in events if e["reason"] == "FailedCreate"]

    # Waits (by the events' own timestamps) until the refusals have gone on for ten seconds: upstream's retry
    # after 5115ms is followed by one at about 10.2s.
    def ten_seconds_of_refusals():
        events = failed_creates()
        if not events:
            return None
        first = min(stamp(e["firstTimestamp"]) for e in events)
        last = max(stamp(e["lastTimestamp"]) for e in events)
        return events if (last - first).total_seconds() >= 10 else None
    events = eventually(ten_seconds_of_refusals, timeout=120)
    assert events, failed_creates()
    attempts = sum(e.get("count", 1) for e in events)
    # Upstream makes 11 or 12 attempts in these ten seconds (13 with a second of timestamp rounding); a
    # controller without backoff makes hundreds.
    assert 5 <= attempts <= 16, [(e["count"], e["lastTimestamp"], e["message"][:60]) for e in events]
    # Each refusal names its pod: from the tenth message on, client-go's aggregator makes them one Event.
    combined = "(combined from similar events): "
    for e in events:
        assert e["type"] == "Warning"
        message = e["message"][len(combined):] if e["message"].startswith(combined) else e["message"]
        assert message.startswith('Error creating: pods "web-') and \
            'is forbidden: violates PodSecurity "restricted:latest": privileged' in message, e["message"]
    assert sum(e["message"].startswith(combined) for e in events) == (1 if attempts >= 10 else 0), \
        [e["message"][:60] for e in events]
    assert kubectl(cluster, "get", "pods", "-n", "locked", "-o", "name") == ""
