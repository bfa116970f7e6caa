"""PodSecurity admission (Pod Security Standards) on a real one-node cluster with the real kubectl: a namespace
labelled enforce=restricted refuses a privileged pod with upstream's message, warn=baseline admits it with
kubectl's `Warning: would violate PodSecurity ...`, labelling a namespace with pods that the new level refuses
warns about them, audit=baseline annotates the audit event, and a pod that meets restricted is admitted and runs."""
import json
import os
import subprocess

import pytest

from real_cluster import eventually, kubectl, real_cluster

NAME = "e2epodsec"

RESTRICTED = {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "runAsUser": 1000,
              "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=1, images=("busybox.oci.tar",)) as env:
        yield env


def pod(name, security_context):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"],
                                     "securityContext": security_context}]}}


def create(env, namespace, obj):
    return subprocess.run(["kubectl", "create", "-n", namespace, "-f", "-"], env=env, capture_output=True, text=True,
                          timeout=60, input=json.dumps(obj))


def test_enforce_refuses_and_warn_warns(cluster):
    kubectl(cluster, "create", "namespace", "locked")
    kubectl(cluster, "label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted")
    refused = create(cluster, "locked", pod("p", {"privileged": True}))
    assert refused.returncode != 0
    assert ('Error from server (Forbidden): error when creating "STDIN": pods "p" is forbidden: '
            'violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), '
            'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
            'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
            'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
            'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
            ) in refused.stderr, refused.stderr
    assert kubectl(cluster, "get", "pods", "-n", "locked", "-o", "name") == ""

    kubectl(cluster, "create", "namespace", "watched")
    kubectl(cluster, "label", "namespace", "watched", "pod-security.kubernetes.io/warn=baseline")
    warned = create(cluster, "watched", pod("p", {"privileged": True}))
    assert warned.returncode == 0, warned.stderr
    assert ('Warning: would violate PodSecurity "baseline:latest": privileged '
            '(container "c" must not set securityContext.privileged=true)') in warned.stderr, warned.stderr
    assert 'pod/p created' in warned.stdout

    # Enforcing baseline on "watched" now names the privileged pod that is already there.
    labelled = subprocess.run(["kubectl", "label", "namespace", "watched", "pod-security.kubernetes.io/enforce=baseline"],
                              env=cluster, capture_output=True, text=True, timeout=60)
    assert labelled.returncode == 0, labelled.stderr
    assert ('Warning: existing pods in namespace "watched" violate the new PodSecurity enforce level "baseline:latest"'
            in labelled.stderr), labelled.stderr
    assert "Warning: p: privileged" in labelled.stderr, labelled.stderr

    # A Deployment is warned about, not refused; its ReplicaSet's pods are, as FailedCreate events say.
    deployed = subprocess.run(["kubectl", "create", "deployment", "-n", "locked", "web", "--image=busybox:1.35"],
                              env=cluster, capture_output=True, text=True, timeout=60)
    assert deployed.returncode == 0, deployed.stderr
    assert ('Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
            '(container "busybox" must set securityContext.allowPrivilegeEscalation=false)') in deployed.stderr, deployed.stderr

    def failed_create():
        events = json.loads(kubectl(cluster, "get", "events", "-n", "locked", "-o", "json"))["items"]
        return next((e["message"] for e in events if e["reason"] == "FailedCreate"), None)
    message = eventually(failed_create, timeout=60)
    assert message and message.startswith('Error creating: pods "web-') and \
        'is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false' in message, message

    bad_label = subprocess.run(["kubectl", "label", "namespace", "watched", "pod-security.kubernetes.io/audit=strict"],
                               env=cluster, capture_output=True, text=True, timeout=60)
    assert bad_label.returncode != 0
    assert ('metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "strict": '
            'must be one of privileged, baseline, restricted') in bad_label.stderr, bad_label.stderr


def test_a_restricted_pod_is_admitted_and_runs(cluster):
    kubectl(cluster, "create", "namespace", "strict")
    kubectl(cluster, "label", "namespace", "strict", "pod-security.kubernetes.io/enforce=restricted")
    made = create(cluster, "strict", pod("compliant", RESTRICTED))
    assert made.returncode == 0, made.stderr
    assert "Warning" not in made.stderr, made.stderr

    def running():
        p = json.loads(kubectl(cluster, "get", "pod", "compliant", "-n", "strict", "-o", "json"))
        return p["status"].get("phase") == "Running" and p
    assert eventually(running, timeout=120), kubectl(cluster, "describe", "pod", "compliant", "-n", "strict")


def test_audit_annotates_the_audit_event(cluster):
    kubectl(cluster, "create", "namespace", "audited")
    kubectl(cluster, "label", "namespace", "audited", "pod-security.kubernetes.io/audit=baseline")
    made = create(cluster, "audited", pod("loud", {"privileged": True}))
    assert made.returncode == 0 and "Warning" not in made.stderr, made.stderr
    log = os.path.join(cluster["SKIFF_HOME"], "clusters", NAME, "logs", "audit.log")

    def event():
        with open(log) as f:
            for line in f:
                e = json.loads(line)
                ref = e.get("objectRef", {})
                if e["verb"] == "create" and ref.get("resource") == "pods" and ref.get("name") == "loud" \
                        and e["stage"] == "ResponseComplete":
                    return e
        return None
    e = eventually(event, timeout=30)
    assert e, "no audit event of the pod's create"
    assert e["annotations"]["pod-security.kubernetes.io/audit-violations"] == (
        'would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)'), e
    assert e["annotations"]["pod-security.kubernetes.io/enforce-policy"] == "privileged:latest", e
