"""Issue 17: `skiff create cluster` runs the controller manager with `--use-service-account-credentials`, so each
controller acts as its own service account `kube-system/<controller>` bound to upstream's
`system:controller:<controller>` role, and the manager's own identity `system:kube-controller-manager` holds only
upstream's `system:kube-controller-manager` role: it cannot delete a Namespace. Workloads, the garbage collector
and namespace deletion still work, and the controller manager's log shows no request refused (403)."""
import json
import os

import pytest

from real_cluster import apply, can_i, eventually, kubectl, simulated_cluster

NAME = "ctlids"


@pytest.fixture(scope="module")
def cluster():
    with simulated_cluster(NAME) as env:
        yield env


def get(env, *args):
    return json.loads(kubectl(env, "get", *args, "-o", "json"))


def manager_log(env):
    with open(os.path.join(env["SKIFF_HOME"], "clusters", NAME, "logs", "controller-manager.log")) as f:
        return f.read()


def test_the_manager_identity_cannot_delete_namespaces_but_controllers_hold_their_roles(cluster):
    assert can_i(cluster, "delete", "namespaces", "--as=system:kube-controller-manager") == "no"
    assert can_i(cluster, "delete", "pods", "--as=system:kube-controller-manager") == "no"
    # What upstream's system:kube-controller-manager role keeps: watching everything, making the controllers' tokens.
    assert can_i(cluster, "watch", "pods", "-A", "--as=system:kube-controller-manager") == "yes"
    assert can_i(cluster, "create", "serviceaccounts/token", "-n", "kube-system", "--as=system:kube-controller-manager") == "yes"
    rs = "system:serviceaccount:kube-system:replicaset-controller"
    assert can_i(cluster, "create", "pods", "-n", "default", f"--as={rs}") == "yes"
    assert can_i(cluster, "delete", "namespaces", f"--as={rs}") == "no"
    gc = "system:serviceaccount:kube-system:generic-garbage-collector"
    assert can_i(cluster, "delete", "replicasets.apps", "-n", "default", f"--as={gc}") == "yes"
    # No union bindings to the manager's identity remain.
    names = kubectl(cluster, "get", "clusterrolebindings", "-o", "name").split()
    assert not [n for n in names if n.startswith("clusterrolebinding.rbac.authorization.k8s.io/skiff:controller-manager:")], names
    local = get(cluster, "clusterrolebinding", "local-path-provisioner-bind")
    assert [(s["kind"], s["name"], s.get("namespace")) for s in local["subjects"]] == \
        [("ServiceAccount", "local-path-provisioner-service-account", "kube-system")]


def test_controllers_run_as_their_own_service_accounts(cluster):
    apply(cluster, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
                    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx:alpine"}]}}}})
    assert eventually(lambda: get(cluster, "deployment", "web")["status"].get("availableReplicas") == 2, 120)
    pods = get(cluster, "pods", "-l", "app=web")["items"]
    assert len(pods) == 2 and all(p["status"]["phase"] == "Running" for p in pods)
    # The accounts the manager made, on their first request, for the controllers that acted.
    accounts = kubectl(cluster, "get", "serviceaccounts", "-n", "kube-system", "-o", "name").split()
    for name in ["replicaset-controller", "deployment-controller"]:
        assert f"serviceaccount/{name}" in accounts, accounts
    # The manager's own identity could have made neither the ReplicaSet nor the pods.
    assert can_i(cluster, "create", "replicasets.apps", "-n", "default", "--as=system:kube-controller-manager") == "no"
    assert can_i(cluster, "create", "pods", "-n", "default", "--as=system:kube-controller-manager") == "no"


def test_a_job_completes(cluster):
    apply(cluster, {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once", "namespace": "default"},
                    "spec": {"completions": 2, "template": {
                        "metadata": {"annotations": {"simulated.skiff.dev/run-duration": "1s"}},
                        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.35", "command": ["true"]}]}}}})

    def complete():
        return any(c["type"] == "Complete" and c["status"] == "True" for c in get(cluster, "job", "once")["status"].get("conditions", []))
    assert eventually(complete, 120)
    assert get(cluster, "job", "once")["status"]["succeeded"] == 2


def test_deleting_a_deployment_collects_its_replicaset_and_pods(cluster):
    apply(cluster, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "gone", "namespace": "default"},
                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "gone"}},
                             "template": {"metadata": {"labels": {"app": "gone"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx:alpine"}]}}}})
    assert eventually(lambda: get(cluster, "deployment", "gone")["status"].get("availableReplicas") == 1, 120)
    kubectl(cluster, "delete", "deployment", "gone", "--wait=false")
    assert eventually(lambda: not get(cluster, "replicasets", "-l", "app=gone")["items"]
                      and not get(cluster, "pods", "-l", "app=gone")["items"], 120)


def test_a_namespace_delete_finishes(cluster):
    kubectl(cluster, "create", "namespace", "doomed")
    apply(cluster, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "doomed"},
                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d"}},
                             "template": {"metadata": {"labels": {"app": "d"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx:alpine"}]}}}})
    assert eventually(lambda: get(cluster, "deployment", "d", "-n", "doomed")["status"].get("availableReplicas") == 1, 120)
    # The service-account and root-CA controllers filled the namespace as their accounts.
    assert eventually(lambda: "serviceaccount/default" in kubectl(cluster, "get", "sa", "-n", "doomed", "-o", "name").split())
    assert eventually(lambda: "configmap/kube-root-ca.crt" in kubectl(cluster, "get", "cm", "-n", "doomed", "-o", "name").split())
    kubectl(cluster, "delete", "namespace", "doomed", "--wait=false")
    assert eventually(lambda: "doomed" not in kubectl(cluster, "get", "namespaces", "-o", "name"), 120)


def test_storage_and_daemon_controllers_work_as_their_accounts(cluster):
    """The StatefulSet, binder, local-path provisioner and DaemonSet controllers, each under its own account."""
    apply(cluster, {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "default"},
                    "spec": {"serviceName": "db", "replicas": 1, "selector": {"matchLabels": {"app": "db"}},
                             "template": {"metadata": {"labels": {"app": "db"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx:alpine"}]}},
                             "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                                 "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}}}]}})
    apply(cluster, {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "default"},
                    "spec": {"selector": {"matchLabels": {"app": "agent"}},
                             "template": {"metadata": {"labels": {"app": "agent"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx:alpine"}]}}}})
    assert eventually(lambda: get(cluster, "pvc", "data-db-0")["status"].get("phase") == "Bound", 120)
    assert eventually(lambda: get(cluster, "statefulset", "db")["status"].get("readyReplicas") == 1, 120)
    assert eventually(lambda: get(cluster, "daemonset", "agent")["status"].get("numberReady") == 1, 120)
    # The claim carries pvc-protection's finalizer, the volume pv-protection's.
    claim = get(cluster, "pvc", "data-db-0")
    assert "kubernetes.io/pvc-protection" in claim["metadata"].get("finalizers", [])
    volume = get(cluster, "pv", claim["spec"]["volumeName"])
    assert "kubernetes.io/pv-protection" in volume["metadata"].get("finalizers", [])


def test_no_request_of_the_controller_manager_was_refused(cluster):
    """A controller refused by authorization logs a warning (and the pod-making ones a FailedCreate Event)."""
    log = manager_log(cluster)
    assert "successfully acquired lease" in log
    refused = [line for line in log.splitlines() if "forbidden" in line.lower() or " 403" in line]
    assert not refused, "\n".join(refused[:20])
    events = get(cluster, "events", "-A")["items"]
    refused = [e["message"] for e in events if "forbidden" in e.get("message", "")]
    assert not refused, refused[:20]
