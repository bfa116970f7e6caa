"""Storage on a real two-node cluster with the real kubectl: the default StorageClass `standard` (local-path,
WaitForFirstConsumer), a claim bound once a pod uses it to a volume with node affinity to that pod's node, data
that outlives the pod that wrote it, a claim in use that stays Terminating until its pod goes (then, with
Delete, its volume and directory go too), StatefulSet claim templates whose data each ordinal keeps, and the
kubelet's ConfigMap, Secret, downward API and emptyDir volumes."""
import json
import os

import pytest

from real_cluster import apply, kubectl, real_cluster
from real_cluster import eventually as _eventually

NAME = "stge2e"
WORKER = f"{NAME}-worker"


def eventually(fn, timeout=120, interval=0.5):
    return _eventually(fn, timeout, interval)


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=2, images=("busybox.oci.tar",)) as env:
        yield env


def get(env, *what):
    return json.loads(kubectl(env, "get", *what, "-o", "json"))


def phase(env, kind, name):
    return get(env, kind, name).get("status", {}).get("phase")


def claim(name, cls=None):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "64Mi"}}}
    if cls is not None:
        spec["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}


def pod(name, script, volumes, mounts, restart="Never", containers=None, labels=None):
    c = containers or [{"name": "main", "image": "busybox:1.35", "command": ["sh", "-c", script], "volumeMounts": mounts}]
    meta = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"restartPolicy": restart, "terminationGracePeriodSeconds": 1, "volumes": volumes, "containers": c}}


def logs(env, name, container=None):
    args = ["logs", name] + (["-c", container] if container else [])
    return kubectl(env, *args, check=False)


def test_default_storage_class_is_standard(cluster):
    out = kubectl(cluster, "get", "storageclass")
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]
    assert rows[0].split()[:6] == ["standard", "(default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", "false"], out


def test_claim_binds_with_its_first_pod_and_keeps_data_across_pods(cluster):
    apply(cluster, claim("data"))
    c = get(cluster, "pvc", "data")
    assert c["spec"]["storageClassName"] == "standard"
    assert c["status"]["phase"] == "Pending"
    events = eventually(lambda: [e for e in get(cluster, "events", "--field-selector", "involvedObject.name=data")["items"]
                                 if e["reason"] == "WaitForFirstConsumer"])
    assert events and events[0]["message"] == "waiting for first consumer to be created before binding"

    volumes = [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]
    mounts = [{"name": "d", "mountPath": "/data"}]
    apply(cluster, pod("writer", "echo hello-from-writer > /data/hello && cat /data/hello", volumes, mounts))
    assert eventually(lambda: phase(cluster, "pod", "writer") == "Succeeded"), kubectl(cluster, "describe", "pod", "writer")
    node = get(cluster, "pod", "writer")["spec"]["nodeName"]
    c = get(cluster, "pvc", "data")
    assert c["status"]["phase"] == "Bound"
    assert c["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node
    pv = get(cluster, "pv", c["spec"]["volumeName"])
    terms = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    directory = pv["spec"]["hostPath"]["path"]
    assert directory.startswith(os.path.join(cluster["SKIFF_HOME"], "clusters", NAME, "nodes", node, "local-path"))

    out = kubectl(cluster, "get", "pv,pvc")
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                                "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"], out
    pvc_header = next(l for l in lines if l.startswith("NAME") and "VOLUME " in l)
    assert pvc_header.split() == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                                  "VOLUMEATTRIBUTESCLASS", "AGE"], out
    row = next(l for l in lines if l.startswith("persistentvolumeclaim/data"))
    assert row.split()[1:7] == ["Bound", pv["metadata"]["name"], "64Mi", "RWO", "standard", "<unset>"], out

    # The pod goes; the data stays, and the next pod (on the same node, by the volume's affinity) reads it.
    kubectl(cluster, "delete", "pod", "writer")
    assert os.path.exists(os.path.join(directory, "hello"))
    apply(cluster, pod("reader", "cat /data/hello", volumes, mounts))
    assert eventually(lambda: phase(cluster, "pod", "reader") == "Succeeded"), kubectl(cluster, "describe", "pod", "reader")
    assert get(cluster, "pod", "reader")["spec"]["nodeName"] == node
    assert logs(cluster, "reader").strip() == "hello-from-writer"
    kubectl(cluster, "delete", "pod", "reader")


def test_claim_in_use_stays_terminating_until_its_pod_goes(cluster):
    apply(cluster, claim("busy"))
    volumes = [{"name": "d", "persistentVolumeClaim": {"claimName": "busy"}}]
    apply(cluster, pod("holder", "echo x > /data/x; sleep 3600", volumes, [{"name": "d", "mountPath": "/data"}], restart="Always"))
    assert eventually(lambda: phase(cluster, "pod", "holder") == "Running")
    pv_name = get(cluster, "pvc", "busy")["spec"]["volumeName"]
    directory = get(cluster, "pv", pv_name)["spec"]["hostPath"]["path"]
    kubectl(cluster, "delete", "pvc", "busy", "--wait=false")
    c = get(cluster, "pvc", "busy")
    assert c["metadata"].get("deletionTimestamp") and c["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert "Terminating" in kubectl(cluster, "get", "pvc", "busy")
    assert phase(cluster, "pod", "holder") == "Running"
    kubectl(cluster, "delete", "pod", "holder", timeout=120)
    assert eventually(lambda: kubectl(cluster, "get", "pvc", "busy", "--ignore-not-found") == "")
    assert eventually(lambda: kubectl(cluster, "get", "pv", pv_name, "--ignore-not-found") == "")
    assert eventually(lambda: not os.path.exists(directory))


def test_statefulset_claims_keep_each_ordinals_data(cluster):
    script = "[ -f /data/id ] || (hostname; date +%s%N) > /data/id; cat /data/id; sleep 3600"
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"serviceName": "db", "replicas": 2, "selector": {"matchLabels": {"app": "db"}},
                    "template": {"metadata": {"labels": {"app": "db"}},
                                 "spec": {"terminationGracePeriodSeconds": 1,
                                          "containers": [{"name": "main", "image": "busybox:1.35", "command": ["sh", "-c", script],
                                                          "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                              "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "32Mi"}}}}]}}
    apply(cluster, sts)
    kubectl(cluster, "rollout", "status", "sts/db", "--timeout=180s", timeout=200)
    for n in ("data-db-0", "data-db-1"):
        assert phase(cluster, "pvc", n) == "Bound"
    first = eventually(lambda: logs(cluster, "db-0").strip())
    assert first.startswith("db-0")
    uid = get(cluster, "pod", "db-0")["metadata"]["uid"]
    kubectl(cluster, "delete", "pod", "db-0", timeout=120)
    assert eventually(lambda: get(cluster, "pod", "db-0")["metadata"]["uid"] != uid and phase(cluster, "pod", "db-0") == "Running")
    assert eventually(lambda: logs(cluster, "db-0").strip()) == first


def test_configmap_secret_downward_and_emptydir_volumes(cluster):
    apply(cluster, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"color": "blue"}})
    apply(cluster, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "stringData": {"password": "s3cret"}})
    volumes = [{"name": "cfg", "configMap": {"name": "settings"}},
               {"name": "sec", "secret": {"secretName": "creds"}},
               {"name": "sec400", "secret": {"secretName": "creds", "defaultMode": 0o400}},
               {"name": "info", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
               {"name": "shared", "emptyDir": {}},
               {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}}]
    mounts = [{"name": "cfg", "mountPath": "/cfg"}, {"name": "sec", "mountPath": "/sec"}, {"name": "sec400", "mountPath": "/sec400"},
              {"name": "info", "mountPath": "/info"}, {"name": "shared", "mountPath": "/shared"}, {"name": "mem", "mountPath": "/mem"}]
    containers = [
        {"name": "main", "image": "busybox:1.35", "volumeMounts": mounts,
         "command": ["sh", "-c", "echo from-main > /shared/note; while true; do sleep 1; done"]},
        {"name": "side", "image": "busybox:1.35", "volumeMounts": [{"name": "shared", "mountPath": "/also"}],
         "command": ["sh", "-c", "while [ ! -f /also/note ]; do sleep 0.2; done; cat /also/note; sleep 3600"]},
    ]
    apply(cluster, pod("vols", "", volumes, [], restart="Always", containers=containers, labels={"app": "vols", "tier": "x"}))
    assert eventually(lambda: phase(cluster, "pod", "vols") == "Running"), kubectl(cluster, "describe", "pod", "vols")

    def sh(cmd):
        return kubectl(cluster, "exec", "vols", "-c", "main", "--", "sh", "-c", cmd)

    assert sh("cat /cfg/color") == "blue"
    assert sh("cat /sec/password") == "s3cret"
    assert sh("stat -L -c %a /sec/password").strip() == "644"
    assert sh("stat -L -c %a /sec400/password").strip() == "400"
    assert sh("cat /info/labels").splitlines() == ['app="vols"', 'tier="x"']
    assert eventually(lambda: logs(cluster, "vols", "side").strip() == "from-main")
    mount = sh("grep ' /mem ' /proc/mounts")
    assert mount.split()[2] == "tmpfs" and "size=16384k" in mount, mount
    # An edit reaches the running pod within 60 s.
    kubectl(cluster, "patch", "configmap", "settings", "-p", '{"data":{"color":"green"}}')
    assert eventually(lambda: sh("cat /cfg/color") == "green", timeout=60)
    assert sh("readlink /cfg/..data").startswith("..")
