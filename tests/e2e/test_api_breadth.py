"""Every resource a kind v1.32 cluster serves, judged by the real kubectl 1.32 and the Python client:
discovery, create/get/describe/delete of a representative manifest per kind, upstream's defaults and
validation errors."""
import json
import re
import urllib.error
import urllib.request

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

# `kubectl api-resources -o wide` of kind v1.32 (NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND, CATEGORIES).
ALL = "create,delete,deletecollection,get,list,patch,update,watch"
EXPECTED_RESOURCES = [
    ("bindings", "", "v1", "true", "Binding", "create", ""),
    ("componentstatuses", "cs", "v1", "false", "ComponentStatus", "get,list", ""),
    ("configmaps", "cm", "v1", "true", "ConfigMap", ALL, ""),
    ("endpoints", "ep", "v1", "true", "Endpoints", ALL, ""),
    ("events", "ev", "v1", "true", "Event", ALL, ""),
    ("limitranges", "limits", "v1", "true", "LimitRange", ALL, ""),
    ("namespaces", "ns", "v1", "false", "Namespace", "create,delete,get,list,patch,update,watch", ""),
    ("nodes", "no", "v1", "false", "Node", ALL, ""),
    ("persistentvolumeclaims", "pvc", "v1", "true", "PersistentVolumeClaim", ALL, ""),
    ("persistentvolumes", "pv", "v1", "false", "PersistentVolume", ALL, ""),
    ("pods", "po", "v1", "true", "Pod", ALL, "all"),
    ("podtemplates", "", "v1", "true", "PodTemplate", ALL, ""),
    ("replicationcontrollers", "rc", "v1", "true", "ReplicationController", ALL, "all"),
    ("resourcequotas", "quota", "v1", "true", "ResourceQuota", ALL, ""),
    ("secrets", "", "v1", "true", "Secret", ALL, ""),
    ("serviceaccounts", "sa", "v1", "true", "ServiceAccount", ALL, ""),
    ("services", "svc", "v1", "true", "Service", ALL, "all"),
    ("mutatingwebhookconfigurations", "", "admissionregistration.k8s.io/v1", "false", "MutatingWebhookConfiguration", ALL, "api-extensions"),
    ("validatingadmissionpolicies", "", "admissionregistration.k8s.io/v1", "false", "ValidatingAdmissionPolicy", ALL, "api-extensions"),
    ("validatingadmissionpolicybindings", "", "admissionregistration.k8s.io/v1", "false", "ValidatingAdmissionPolicyBinding", ALL, "api-extensions"),
    ("validatingwebhookconfigurations", "", "admissionregistration.k8s.io/v1", "false", "ValidatingWebhookConfiguration", ALL, "api-extensions"),
    ("customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", "false", "CustomResourceDefinition", ALL, "api-extensions"),
    ("apiservices", "", "apiregistration.k8s.io/v1", "false", "APIService", ALL, "api-extensions"),
    ("controllerrevisions", "", "apps/v1", "true", "ControllerRevision", ALL, ""),
    ("daemonsets", "ds", "apps/v1", "true", "DaemonSet", ALL, "all"),
    ("deployments", "deploy", "apps/v1", "true", "Deployment", ALL, "all"),
    ("replicasets", "rs", "apps/v1", "true", "ReplicaSet", ALL, "all"),
    ("statefulsets", "sts", "apps/v1", "true", "StatefulSet", ALL, "all"),
    ("selfsubjectreviews", "", "authentication.k8s.io/v1", "false", "SelfSubjectReview", "create", ""),
    ("tokenreviews", "", "authentication.k8s.io/v1", "false", "TokenReview", "create", ""),
    ("localsubjectaccessreviews", "", "authorization.k8s.io/v1", "true", "LocalSubjectAccessReview", "create", ""),
    ("selfsubjectaccessreviews", "", "authorization.k8s.io/v1", "false", "SelfSubjectAccessReview", "create", ""),
    ("selfsubjectrulesreviews", "", "authorization.k8s.io/v1", "false", "SelfSubjectRulesReview", "create", ""),
    ("subjectaccessreviews", "", "authorization.k8s.io/v1", "false", "SubjectAccessReview", "create", ""),
    ("horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler", ALL, "all"),
    ("cronjobs", "cj", "batch/v1", "true", "CronJob", ALL, "all"),
    ("jobs", "", "batch/v1", "true", "Job", ALL, "all"),
    ("certificatesigningrequests", "csr", "certificates.k8s.io/v1", "false", "CertificateSigningRequest", ALL, ""),
    ("leases", "", "coordination.k8s.io/v1", "true", "Lease", ALL, ""),
    ("endpointslices", "", "discovery.k8s.io/v1", "true", "EndpointSlice", ALL, ""),
    ("events", "ev", "events.k8s.io/v1", "true", "Event", ALL, ""),
    ("flowschemas", "", "flowcontrol.apiserver.k8s.io/v1", "false", "FlowSchema", ALL, ""),
    ("prioritylevelconfigurations", "", "flowcontrol.apiserver.k8s.io/v1", "false", "PriorityLevelConfiguration", ALL, ""),
    ("ingressclasses", "", "networking.k8s.io/v1", "false", "IngressClass", ALL, ""),
    ("ingresses", "ing", "networking.k8s.io/v1", "true", "Ingress", ALL, ""),
    ("networkpolicies", "netpol", "networking.k8s.io/v1", "true", "NetworkPolicy", ALL, ""),
    ("runtimeclasses", "", "node.k8s.io/v1", "false", "RuntimeClass", ALL, ""),
    ("poddisruptionbudgets", "pdb", "policy/v1", "true", "PodDisruptionBudget", ALL, ""),
    ("clusterrolebindings", "", "rbac.authorization.k8s.io/v1", "false", "ClusterRoleBinding", ALL, ""),
    ("clusterroles", "", "rbac.authorization.k8s.io/v1", "false", "ClusterRole", ALL, ""),
    ("rolebindings", "", "rbac.authorization.k8s.io/v1", "true", "RoleBinding", ALL, ""),
    ("roles", "", "rbac.authorization.k8s.io/v1", "true", "Role", ALL, ""),
    ("priorityclasses", "pc", "scheduling.k8s.io/v1", "false", "PriorityClass", ALL, ""),
    ("csidrivers", "", "storage.k8s.io/v1", "false", "CSIDriver", ALL, ""),
    ("csinodes", "", "storage.k8s.io/v1", "false", "CSINode", ALL, ""),
    ("csistoragecapacities", "", "storage.k8s.io/v1", "true", "CSIStorageCapacity", ALL, ""),
    ("storageclasses", "sc", "storage.k8s.io/v1", "false", "StorageClass", ALL, ""),
    ("volumeattachments", "", "storage.k8s.io/v1", "false", "VolumeAttachment", ALL, ""),
]

POD_SPEC = {"containers": [{"name": "c", "image": "busybox"}]}
TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": POD_SPEC}

# kind -> (manifest, resource for kubectl, expected header of `kubectl get`, a defaulted field and its value)
MANIFESTS = {
    "Job": ({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j1"},
             "spec": {"template": {"spec": dict(POD_SPEC, restartPolicy="Never")}}},
            "job", ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], ("spec", "backoffLimit"), 6),
    "CronJob": ({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj1"},
                 "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": dict(POD_SPEC, restartPolicy="OnFailure")}}}}},
                "cronjob", ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"], ("spec", "concurrencyPolicy"), "Allow"),
    "StatefulSet": ({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "sts1"},
                     "spec": {"serviceName": "sts1", "selector": {"matchLabels": {"app": "x"}}, "template": TEMPLATE}},
                    "statefulset", ["NAME", "READY", "AGE"], ("spec", "podManagementPolicy"), "OrderedReady"),
    "DaemonSet": ({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds1"},
                   "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": TEMPLATE}},
                  "daemonset", ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
                  ("spec", "revisionHistoryLimit"), 10),
    "PersistentVolumeClaim": ({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "pvc1"},
                               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
                              "pvc", ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"],
                              ("spec", "volumeMode"), "Filesystem"),
    "PersistentVolume": ({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
                          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/pv1"}}},
                         "pv", ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                                "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"], ("spec", "persistentVolumeReclaimPolicy"), "Retain"),
    "StorageClass": ({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "sc1"}, "provisioner": "example.com/x"},
                     "storageclass", ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
                     ("volumeBindingMode",), "Immediate"),
    "Role": ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r1"},
              "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
             "role", ["NAME", "CREATED AT"], ("rules",), [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]),
    "RoleBinding": ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb1"},
                     "roleRef": {"kind": "Role", "name": "r1"}, "subjects": [{"kind": "User", "name": "jane"}]},
                    "rolebinding", ["NAME", "ROLE", "AGE"], ("roleRef", "apiGroup"), "rbac.authorization.k8s.io"),
    "ClusterRole": ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "cr1"},
                     "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]},
                    "clusterrole", ["NAME", "CREATED AT"], ("metadata", "name"), "cr1"),
    "Ingress": ({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ing1"},
                 "spec": {"rules": [{"host": "a.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                          "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
                "ingress", ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], ("status", "loadBalancer"), {}),
    "NetworkPolicy": ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "np1"}, "spec": {"podSelector": {}}},
                      "networkpolicy", ["NAME", "POD-SELECTOR", "AGE"], ("spec", "policyTypes"), ["Ingress"]),
    "HorizontalPodAutoscaler": ({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "hpa1"},
                                 "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3}},
                                "hpa", ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], ("spec", "minReplicas"), 1),
    "PodDisruptionBudget": ({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb1"},
                             "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}}},
                            "pdb", ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"], ("status", "expectedPods"), 0),
    "PriorityClass": ({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "pc1"}, "value": 100},
                      "priorityclass", ["NAME", "VALUE", "GLOBAL-DEFAULT", "PREEMPTIONPOLICY", "AGE"], ("preemptionPolicy",), "PreemptLowerPriority"),
    "ResourceQuota": ({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q1"}, "spec": {"hard": {"pods": "10"}}},
                      "resourcequota", ["NAME", "AGE", "REQUEST", "LIMIT"], ("spec", "hard", "pods"), "10"),
    "LimitRange": ({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr1"},
                    "spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]}},
                   "limitrange", ["NAME", "CREATED AT"], ("spec", "limits"), [{"type": "Container", "max": {"cpu": "1"}, "default": {"cpu": "1"}, "defaultRequest": {"cpu": "1"}}]),
    "PodTemplate": ({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "pt1"}, "template": TEMPLATE},
                    "podtemplate", ["NAME", "CONTAINERS", "IMAGES", "POD LABELS"], ("template", "spec", "dnsPolicy"), "ClusterFirst"),
    "ReplicationController": ({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc1"}, "spec": {"template": TEMPLATE}},
                              "rc", ["NAME", "DESIRED", "CURRENT", "READY", "AGE"], ("spec", "selector"), {"app": "x"}),
    "CSIDriver": ({"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": {"name": "csi1.example.com"}, "spec": {}},
                  "csidriver", ["NAME", "ATTACHREQUIRED", "PODINFOONMOUNT", "STORAGECAPACITY", "TOKENREQUESTS", "REQUIRESREPUBLISH", "MODES", "AGE"],
                  ("spec", "attachRequired"), True),
    "RuntimeClass": ({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": "rtc1"}, "handler": "runc"},
                     "runtimeclass", ["NAME", "HANDLER", "AGE"], ("handler",), "runc"),
    "IngressClass": ({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "ic1"}, "spec": {"controller": "example.com/ic"}},
                     "ingressclass", ["NAME", "CONTROLLER", "PARAMETERS", "AGE"], ("spec", "controller"), "example.com/ic"),
    "CustomResourceDefinition": ({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "widgets.example.com"},
                                  "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget"},
                                           "versions": [{"name": "v1", "served": True, "storage": True,
                                                         "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}},
                                 "crd", ["NAME", "CREATED AT"], ("spec", "names", "singular"), "widget"),
}


def header(out):
    return re.split(r"\s{2,}", out.splitlines()[0].strip())


def test_api_resources_match_kind(kubectl):
    lines = kubectl.out("api-resources", "-o", "wide").splitlines()
    cols = lines[0]
    starts = [cols.index(h) for h in ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]]
    rows = []
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [len(line) + 1])]
        rows.append(tuple(cells))
    # kind's 58, plus the two metrics.k8s.io resources a cluster with metrics-server serves (kubectl top).
    metrics = [("nodes", "", "metrics.k8s.io/v1beta1", "false", "NodeMetrics", "get,list", ""),
               ("pods", "", "metrics.k8s.io/v1beta1", "true", "PodMetrics", "get,list", "")]
    assert len(EXPECTED_RESOURCES) == 58
    assert sorted(rows) == sorted(EXPECTED_RESOURCES + metrics)


def test_autoscaling_serves_v2_preferred_and_v1(kubectl):
    group = json.loads(kubectl.out("get", "--raw", "/apis/autoscaling"))
    assert group["preferredVersion"]["version"] == "v2"
    assert [v["version"] for v in group["versions"]] == ["v2", "v1"]


@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_create_get_yaml_describe_delete(kubectl, kind):
    manifest, resource, columns, path, value = MANIFESTS[kind]
    name = manifest["metadata"]["name"]
    out = kubectl.out("create", "-f", "-", input=json.dumps(manifest))
    assert f"/{name} created" in out
    got = kubectl.out("get", resource, name)
    assert header(got) == columns
    assert got.splitlines()[1].startswith(name)
    obj = yaml.safe_load(kubectl.out("get", resource, name, "-o", "yaml"))
    cur = obj
    for p in path:
        cur = cur[p]
    assert cur == value
    described = kubectl.run("describe", resource, name)
    assert f"Name:" in described.stdout and name in described.stdout
    protection = [f for f in obj["metadata"].get("finalizers", []) if f.endswith("-protection")]
    if protection:
        # PVs and PVCs get their protection finalizer at create (upstream's StorageObjectInUseProtection
        # admission); only the controller manager's protection controllers take it off, and this suite's
        # bare API server runs none: the delete leaves the object terminating, as upstream's would.
        assert protection == [f"kubernetes.io/{'pvc' if kind == 'PersistentVolumeClaim' else 'pv'}-protection"]
        assert f'"{name}" deleted' in kubectl.out("delete", resource, name, "--wait=false")
        assert yaml.safe_load(kubectl.out("get", resource, name, "-o", "yaml"))["metadata"]["deletionTimestamp"]
        kubectl.out("patch", resource, name, "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    else:
        assert f'"{name}" deleted' in kubectl.out("delete", resource, name)
    assert kubectl.run("get", resource, name, check=False).returncode != 0


def test_create_job_from_kubectl(kubectl):
    assert "job.batch/hello created" in kubectl.out("create", "job", "hello", "--image=busybox", "--", "echo", "hi")
    job = json.loads(kubectl.out("get", "job", "hello", "-o", "json"))
    uid = job["metadata"]["uid"]
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert job["spec"]["template"]["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "hello",
        "controller-uid": uid, "job-name": "hello"}
    assert job["spec"]["completionMode"] == "NonIndexed" and job["spec"]["suspend"] is False
    assert job["spec"]["podReplacementPolicy"] == "TerminatingOrFailed"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert "manualSelector" not in job["spec"]
    wide = kubectl.out("get", "job", "hello", "-o", "wide")
    assert header(wide) == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    kubectl.out("delete", "job", "hello")


def test_get_all_covers_workloads(kubectl):
    kubectl.out("create", "-f", "-", input=json.dumps(MANIFESTS["CronJob"][0]))
    out = kubectl.out("get", "all")
    assert "cronjob.batch/cj1" in out and "service/kubernetes" in out
    kubectl.out("delete", "cronjob", "cj1")


BAD = [
    ({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "bad-job"}, "spec": {"template": {"spec": POD_SPEC}}},
     'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"', "job", "bad-job"),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "bad-rb"}, "roleRef": {"kind": "Foo", "name": "x"}},
     'roleRef.kind: Unsupported value: "Foo"', "rolebinding", "bad-rb"),
    ({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "bad-pc"}, "value": 2000000000},
     "value: Forbidden: maximum allowed value of a user defined priority is 1000000000", "priorityclass", "bad-pc"),
    ({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "bad-pvc"}, "spec": {}},
     "spec.accessModes: Required value: at least 1 access mode is required", "pvc", "bad-pvc"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bad-cm"}, "data": {"a": 123}},
     'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
     "configmap", "bad-cm"),
    ({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "bad-sts"},
      "spec": {"replicas": 2147483648, "serviceName": "s", "selector": {"matchLabels": {"app": "x"}}, "template": TEMPLATE}},
     "cannot unmarshal number 2147483648 into Go struct field StatefulSetSpec.spec.replicas of type int32", "statefulset", "bad-sts"),
]


@pytest.mark.parametrize("manifest,message,resource,name", BAD)
def test_invalid_manifests_are_refused_and_change_nothing(kubectl, manifest, message, resource, name):
    p = kubectl.run("create", "-f", "-", input=json.dumps(manifest), check=False)
    assert p.returncode != 0
    assert message in p.stderr
    assert kubectl.run("get", resource, name, check=False).returncode != 0


def test_immutable_fields(kubectl):
    kubectl.out("create", "-f", "-", input=json.dumps(MANIFESTS["Role"][0]))
    kubectl.out("create", "-f", "-", input=json.dumps(MANIFESTS["RoleBinding"][0]))
    p = kubectl.run("patch", "rolebinding", "rb1", "--type=merge", "-p", '{"roleRef":{"name":"other"}}', check=False)
    assert "cannot change roleRef" in p.stderr
    kubectl.out("create", "-f", "-", input=json.dumps(MANIFESTS["StatefulSet"][0]))
    p = kubectl.run("patch", "statefulset", "sts1", "--type=merge", "-p", '{"spec":{"serviceName":"other"}}', check=False)
    assert "updates to statefulset spec for fields other than" in p.stderr
    assert "patched" in kubectl.out("patch", "statefulset", "sts1", "--type=merge", "-p", '{"spec":{"replicas":3}}')
    kubectl.out("create", "-f", "-", input=json.dumps(MANIFESTS["PersistentVolumeClaim"][0]))
    p = kubectl.run("patch", "pvc", "pvc1", "--type=merge", "-p", '{"spec":{"accessModes":["ReadWriteMany"]}}', check=False)
    assert "spec is immutable after creation" in p.stderr
    assert "patched" in kubectl.out("patch", "pvc", "pvc1", "--type=merge", "-p", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}')
    assert kubectl.out("get", "statefulset", "sts1", "-o", "jsonpath={.spec.replicas}") == "3"
    for r in ["rolebinding/rb1", "role/r1", "statefulset/sts1"]:
        kubectl.out("delete", r)
    # No protection controller runs beside this suite's bare API server: the claim's finalizer goes by hand.
    kubectl.out("delete", "pvc/pvc1", "--wait=false")
    kubectl.out("patch", "pvc", "pvc1", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')


def test_system_priority_classes_and_component_statuses(kubectl):
    out = kubectl.out("get", "priorityclasses")
    assert re.search(r"system-cluster-critical\s+2000000000\s+false\s+PreemptLowerPriority", out)
    assert re.search(r"system-node-critical\s+2000001000\s+false\s+PreemptLowerPriority", out)
    p = kubectl.run("get", "componentstatuses")
    assert "v1 ComponentStatus is deprecated in v1.19+" in p.stderr
    assert [line.split()[:2] for line in p.stdout.splitlines()[1:]] == [
        ["scheduler", "Healthy"], ["controller-manager", "Healthy"], ["etcd-0", "Healthy"]]


def test_hpa_v1_reads_the_v2_object(kubectl):
    kubectl.out("create", "-f", "-", input=json.dumps(MANIFESTS["HorizontalPodAutoscaler"][0]))
    v1 = json.loads(kubectl.out("get", "--raw", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/hpa1"))
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 80
    assert "metrics" not in v1["spec"]
    kubectl.out("delete", "hpa", "hpa1")


def request(server, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_dry_run_values_and_percent_encoded_paths(server):
    code, body = request(server, "POST", "/api/v1/namespaces/default/configmaps?dryRun=Bogus", {"metadata": {"name": "x"}})
    assert code == 422
    assert body["message"] == 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"'
    code, _ = request(server, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "probe"}})
    assert code == 201
    code, body = request(server, "GET", "/api/v1/namespaces/%64efault/configmaps/%70robe")
    assert code == 200 and body["metadata"]["name"] == "probe"


def test_access_reviews_ask_rbac(server):
    # The plain-HTTP server's caller is the administrator; other users get what RBAC grants them.
    code, body = request(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                         {"spec": {"resourceAttributes": {"verb": "create", "resource": "jobs", "group": "batch"}}})
    assert code == 201 and body["status"]["allowed"] is True
    review = {"spec": {"user": "jane", "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "default"}}}
    code, body = request(server, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
    assert code == 201 and body["status"]["allowed"] is False
    code, _ = request(server, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                      {"metadata": {"name": "jane-views"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                       "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}]})
    assert code == 201
    code, body = request(server, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
    assert code == 201 and body["status"]["allowed"] is True
    assert body["status"]["reason"] == 'RBAC: allowed by RoleBinding "jane-views/default" of ClusterRole "view" to User "jane"'
    request(server, "DELETE", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/jane-views")


def test_python_client_batch_rbac_apps(client):
    batch = k8s.BatchV1Api(client)
    job = k8s.V1Job(metadata=k8s.V1ObjectMeta(name="py-job"), spec=k8s.V1JobSpec(template=k8s.V1PodTemplateSpec(
        spec=k8s.V1PodSpec(restart_policy="Never", containers=[k8s.V1Container(name="c", image="busybox")]))))
    created = batch.create_namespaced_job("default", job)
    assert created.spec.backoff_limit == 6 and created.spec.completion_mode == "NonIndexed"
    assert "py-job" in [j.metadata.name for j in batch.list_namespaced_job("default").items]
    batch.delete_namespaced_job("py-job", "default")

    rbac = k8s.RbacAuthorizationV1Api(client)
    rbac.create_namespaced_role("default", k8s.V1Role(metadata=k8s.V1ObjectMeta(name="py-role"),
                                rules=[k8s.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["get"])]))
    rbac.create_namespaced_role_binding("default", k8s.V1RoleBinding(
        metadata=k8s.V1ObjectMeta(name="py-rb"), role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="py-role"),
        subjects=[k8s.RbacV1Subject(kind="User", name="jane", api_group="rbac.authorization.k8s.io")]))
    assert [r.metadata.name for r in rbac.list_namespaced_role_binding("default").items] == ["py-rb"]
    rbac.delete_namespaced_role_binding("py-rb", "default")
    rbac.delete_namespaced_role("py-role", "default")

    apps = k8s.AppsV1Api(client)
    sts = k8s.V1StatefulSet(metadata=k8s.V1ObjectMeta(name="py-sts"), spec=k8s.V1StatefulSetSpec(
        service_name="py-sts", selector=k8s.V1LabelSelector(match_labels={"app": "py"}),
        template=k8s.V1PodTemplateSpec(metadata=k8s.V1ObjectMeta(labels={"app": "py"}),
                                       spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="c", image="busybox")]))))
    created = apps.create_namespaced_stateful_set("default", sts)
    assert created.spec.pod_management_policy == "OrderedReady" and created.spec.replicas == 1
    assert "py-sts" in [s.metadata.name for s in apps.list_namespaced_stateful_set("default").items]
    apps.delete_namespaced_stateful_set("py-sts", "default")
    with pytest.raises(ApiException) as e:
        apps.read_namespaced_stateful_set("py-sts", "default")
    assert e.value.status == 404


def test_hpa_written_through_v1_is_served_as_v2(server, kubectl):
    code, body = request(server, "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
                         {"metadata": {"name": "h1"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                                                                "maxReplicas": 4, "targetCPUUtilizationPercentage": 60}})
    assert code == 201 and body["apiVersion"] == "autoscaling/v1"
    assert body["status"] == {"currentReplicas": 0, "desiredReplicas": 0}
    code, v2 = request(server, "GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/h1")
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]
    assert "cpu: <unknown>/60%" in kubectl.out("get", "hpa", "h1")
    kubectl.out("delete", "hpa", "h1")


def test_core_events_are_events_k8s_io_events(server, kubectl):
    code, _ = request(server, "POST", "/api/v1/namespaces/default/events",
                      {"metadata": {"name": "ev1"}, "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
                       "reason": "Test", "message": "hello", "type": "Normal", "source": {"component": "me"}})
    assert code == 201
    code, ev = request(server, "GET", "/apis/events.k8s.io/v1/namespaces/default/events/ev1")
    assert code == 200 and ev["apiVersion"] == "events.k8s.io/v1"
    assert ev["note"] == "hello" and ev["regarding"]["name"] == "p" and ev["deprecatedSource"] == {"component": "me"}
    assert "message" not in ev and "involvedObject" not in ev
    out = kubectl.out("get", "events.events.k8s.io")
    assert "Test" in out and "pod/p" in out and "hello" in out
    kubectl.out("delete", "events.events.k8s.io", "ev1")
    assert request(server, "GET", "/api/v1/namespaces/default/events/ev1")[0] == 404
