"""Authorization on a real cluster (`--authorization-mode=Node,RBAC`): the bootstrap policy, `kubectl auth
can-i` with and without impersonation, a Role and RoleBinding granting a service account exactly what they say,
upstream's 403 messages, the components' own identities and the Node authorizer's limits on a kubelet."""
import json
import os
import subprocess

import pytest

from real_cluster import apply, can_i, eventually, kubectl, real_cluster

NAME = "rbac-e2e"


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, images=("busybox.oci.tar",)) as env:
        yield env


def pki(env, name):
    return os.path.join(env["SKIFF_HOME"], "clusters", NAME, "pki", name)


def as_identity(env, tmp_path, file_name):
    """A kubeconfig for one of the cluster's component certificates."""
    server = json.loads(kubectl(env, "config", "view", "--raw", "-o", "json"))["clusters"][0]["cluster"]["server"]
    path = str(tmp_path / f"{file_name}.conf")
    e = dict(env, KUBECONFIG=path)
    kubectl(e, "config", "set-cluster", "c", f"--server={server}", f"--certificate-authority={pki(env, 'ca.crt')}")
    kubectl(e, "config", "set-credentials", "u", f"--client-certificate={pki(env, file_name + '.crt')}",
            f"--client-key={pki(env, file_name + '.key')}")
    kubectl(e, "config", "set-context", "c", "--cluster=c", "--user=u")
    kubectl(e, "config", "use-context", "c")
    return e


def test_admin_is_a_cluster_admin_through_kubeadm_group(cluster):
    who = json.loads(kubectl(cluster, "auth", "whoami", "-o", "json"))["status"]["userInfo"]
    assert who["username"] == "kubernetes-admin" and "kubeadm:cluster-admins" in who["groups"]
    assert can_i(cluster, "delete", "namespaces") == "yes"
    assert can_i(cluster, "*", "*") == "yes"
    binding = json.loads(kubectl(cluster, "get", "clusterrolebinding", "kubeadm:cluster-admins", "-o", "json"))
    assert binding["roleRef"]["name"] == "cluster-admin"


def test_bootstrap_policy_and_aggregation(cluster):
    names = kubectl(cluster, "get", "clusterroles", "-o", "name").split()
    for role in ["cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery", "system:public-info-viewer",
                 "system:kube-scheduler", "system:kube-controller-manager", "system:node-proxier", "system:volume-scheduler",
                 "system:controller:deployment-controller", "system:controller:clusterrole-aggregation-controller"]:
        assert f"clusterrole.rbac.authorization.k8s.io/{role}" in names
    # view gathers system:aggregate-to-view's rules (the aggregation controller), and a new labelled role joins.
    assert eventually(lambda: any("pods" in r.get("resources", []) for r in
                                  json.loads(kubectl(cluster, "get", "clusterrole", "view", "-o", "json"))["rules"] or []), 60)
    apply(cluster, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "crontab-reader", "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
                    "rules": [{"apiGroups": ["stable.example.com"], "resources": ["crontabs"], "verbs": ["get"]}]})
    for role in ["view", "edit", "admin"]:
        assert eventually(lambda: any("crontabs" in r.get("resources", []) for r in
                                      json.loads(kubectl(cluster, "get", "clusterrole", role, "-o", "json"))["rules"]), 60), role


def test_default_service_account_gets_only_what_a_role_grants(cluster):
    sa = "--as=system:serviceaccount:default:default"
    assert can_i(cluster, "list", "secrets", sa) == "no"
    assert can_i(cluster, "list", "pods", sa) == "no"
    # The admin may impersonate; a service account may not.
    denied = subprocess.run(["kubectl", "get", "pods", sa, "--as=someone-else"], env=cluster, capture_output=True, text=True, timeout=30)
    assert denied.returncode != 0

    apply(cluster, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                    "metadata": {"name": "pod-reader", "namespace": "default"},
                    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]})
    apply(cluster, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": "read-pods", "namespace": "default"},
                    "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}],
                    "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"}})
    assert can_i(cluster, "list", "pods", sa) == "yes"
    assert can_i(cluster, "list", "pods", sa, "-n", "kube-system") == "no"
    assert can_i(cluster, "delete", "pods", sa) == "no"
    listed = kubectl(cluster, "auth", "can-i", "--list", sa)
    assert any(line.split()[0] == "pods" and "[get list]" in line for line in listed.splitlines()[1:]), listed
    assert "selfsubjectaccessreviews.authorization.k8s.io" in listed

    # A token of the service account, used as kubectl would use it from a pod.
    token = kubectl(cluster, "create", "token", "default").strip()
    server = json.loads(kubectl(cluster, "config", "view", "--raw", "-o", "json"))["clusters"][0]["cluster"]["server"]
    env = dict(cluster, KUBECONFIG="/dev/null")
    base = ["kubectl", f"--server={server}", f"--certificate-authority={pki(cluster, 'ca.crt')}", f"--token={token}"]
    pods = subprocess.run(base + ["get", "pods", "-n", "default"], env=env, capture_output=True, text=True, timeout=30)
    assert pods.returncode == 0, pods.stderr
    secrets = subprocess.run(base + ["get", "secrets", "-n", "default"], env=env, capture_output=True, text=True, timeout=30)
    assert secrets.returncode != 0
    assert ('Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:default" '
            'cannot list resource "secrets" in API group "" in the namespace "default"') in secrets.stderr, secrets.stderr
    one = subprocess.run(base + ["get", "secret", "x", "-n", "default"], env=env, capture_output=True, text=True, timeout=30)
    assert 'secrets "x" is forbidden: User "system:serviceaccount:default:default" cannot get resource "secrets"' in one.stderr


def test_escalation_is_refused_and_bind_needs_the_rules(cluster):
    # A user who may write roles but holds no secrets access cannot grant it.
    apply(cluster, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                    "metadata": {"name": "role-writer", "namespace": "default"},
                    "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"],
                               "verbs": ["get", "list", "create", "update", "patch"]}]})  # not "*": that includes escalate and bind
    kubectl(cluster, "create", "rolebinding", "bob-writes-roles", "--role=role-writer", "--user=bob", "-n", "default")
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "secret-reader", "namespace": "default"},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}
    p = subprocess.run(["kubectl", "apply", "--as=bob", "-f", "-"], env=cluster, input=json.dumps(role), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "is attempting to grant RBAC permissions not currently held" in p.stderr, p.stderr
    p = subprocess.run(["kubectl", "create", "rolebinding", "bob-admin", "--clusterrole=admin", "--user=bob", "-n", "default", "--as=bob"],
                       env=cluster, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "forbidden" in p.stderr, p.stderr


def test_reconcile_applies_rbac_objects(cluster, tmp_path):
    f = tmp_path / "rbac.yaml"
    f.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reconciled"},
         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "reconciled"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reconciled"},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "carol"}]}]}))
    out = kubectl(cluster, "auth", "reconcile", "-f", str(f))
    assert "reconciled" in out
    assert can_i(cluster, "get", "configmaps", "--as=carol", "-A") == "yes"
    assert can_i(cluster, "list", "configmaps", "--as=carol") == "no"


def test_components_have_only_their_own_rights(cluster, tmp_path):
    scheduler = as_identity(cluster, tmp_path, "scheduler")
    assert "system:kube-scheduler" in kubectl(scheduler, "auth", "whoami")
    p = subprocess.run(["kubectl", "delete", "namespace", "default", "--dry-run=server"], env=scheduler, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and 'User "system:kube-scheduler" cannot delete resource "namespaces"' in p.stderr, p.stderr
    proxy = as_identity(cluster, tmp_path, "kube-proxy")
    p = subprocess.run(["kubectl", "get", "secrets", "-A"], env=proxy, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "forbidden" in p.stderr
    assert can_i(cluster, "delete", "namespaces", "--as=system:kube-scheduler") == "no"
    # The controller manager runs its controllers under their own service accounts
    # (--use-service-account-credentials), so its own identity has only upstream's narrow role.
    manager = as_identity(cluster, tmp_path, "controller-manager")
    p = subprocess.run(["kubectl", "delete", "namespace", "default", "--dry-run=server"], env=manager, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and 'User "system:kube-controller-manager" cannot delete resource "namespaces"' in p.stderr, p.stderr


def test_a_kubelet_reads_only_what_its_pods_use(cluster, tmp_path):
    kubectl(cluster, "create", "secret", "generic", "used", "--from-literal=k=v")
    kubectl(cluster, "create", "secret", "generic", "unused", "--from-literal=k=v")
    apply(cluster, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "uses-secret"},
                    "spec": {"containers": [{"name": "c", "image": "busybox:1.35", "command": ["sleep", "3600"],
                                             "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "used", "key": "k"}}}]}]}})
    assert eventually(lambda: kubectl(cluster, "get", "pod", "uses-secret", "-o", "jsonpath={.status.phase}") == "Running", 90)
    node = kubectl(cluster, "get", "pod", "uses-secret", "-o", "jsonpath={.spec.nodeName}")
    kubelet = as_identity(cluster, tmp_path, f"kubelet-{node}")
    assert kubectl(kubelet, "get", "secret", "used", "-o", "jsonpath={.metadata.name}") == "used"
    p = subprocess.run(["kubectl", "get", "secret", "unused"], env=kubelet, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert (f'secrets "unused" is forbidden: User "system:node:{node}" cannot get resource "secrets" in API group "" '
            f'in the namespace "default": no relationship found between node \'{node}\' and this object') in p.stderr, p.stderr
    # Another node's Node object is not the kubelet's to change.
    p = subprocess.run(["kubectl", "label", "node", node, "x=y", "--dry-run=server"], env=kubelet, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    other = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "not-mine"}}
    p = subprocess.run(["kubectl", "create", "--dry-run=server", "-f", "-"], env=kubelet, input=json.dumps(other),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and f'node "{node}" is not allowed to modify node "not-mine"' in p.stderr, p.stderr
    p = subprocess.run(["kubectl", "delete", "node", node, "--dry-run=server"], env=kubelet, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and f'User "system:node:{node}" cannot delete resource "nodes"' in p.stderr, p.stderr


def test_subject_access_review_answers_for_any_user(cluster):
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
              "spec": {"user": "system:kube-scheduler", "resourceAttributes": {"verb": "create", "resource": "pods", "subresource": "binding", "namespace": "default"}}}
    out = json.loads(kubectl(cluster, "create", "-f", "-", "-o", "json", input=json.dumps(review)))
    assert out["status"]["allowed"] is True
    assert out["status"]["reason"].startswith('RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler"')
    review["spec"]["resourceAttributes"] = {"verb": "get", "resource": "secrets", "namespace": "default"}
    out = json.loads(kubectl(cluster, "create", "-f", "-", "-o", "json", input=json.dumps(review)))
    assert out["status"]["allowed"] is False
