"""The official Python client (`kubernetes` on PyPI) against `skiff apiserver`."""
import threading

import pytest
from kubernetes import client as k8s, watch
from kubernetes.client.rest import ApiException


def pod(name, image="nginx:alpine", labels=None):
    return k8s.V1Pod(metadata=k8s.V1ObjectMeta(name=name, labels=labels or {"app": "py"}),
                     spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="c", image=image)]))


def test_create_read_list_patch_delete(client):
    core = k8s.CoreV1Api(client)
    created = core.create_namespaced_pod("default", pod("py-1"))
    assert created.metadata.uid and created.metadata.resource_version
    assert created.spec.restart_policy == "Always"
    got = core.read_namespaced_pod("py-1", "default")
    assert got.metadata.uid == created.metadata.uid
    names = [p.metadata.name for p in core.list_namespaced_pod("default", label_selector="app=py").items]
    assert "py-1" in names
    patched = core.patch_namespaced_pod("py-1", "default", {"metadata": {"labels": {"extra": "yes"}}})
    assert patched.metadata.labels == {"app": "py", "extra": "yes"}
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)
    core.delete_namespaced_pod("py-1", "default")
    with pytest.raises(ApiException) as e:
        core.read_namespaced_pod("py-1", "default")
    assert e.value.status == 404


def test_list_pages_with_limit_and_continue(client):
    core = k8s.CoreV1Api(client)
    for i in range(7):
        core.create_namespaced_config_map("default", k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=f"page-{i}", labels={"paged": "1"})))
    seen, token = [], None
    while True:
        page = core.list_namespaced_config_map("default", label_selector="paged=1", limit=3, _continue=token)
        assert len(page.items) <= 3
        seen += [c.metadata.name for c in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert sorted(seen) == [f"page-{i}" for i in range(7)]


def test_watch_resumes_from_resource_version(client):
    core = k8s.CoreV1Api(client)
    start_rv = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="w1")))
    core.patch_namespaced_config_map("w1", "default", {"data": {"x": "1"}})
    core.delete_namespaced_config_map("w1", "default")
    events = []
    w = watch.Watch()
    for ev in w.stream(core.list_namespaced_config_map, "default", resource_version=start_rv, timeout_seconds=5):
        if ev["object"].metadata.name == "w1":
            events.append(ev["type"])
        if len(events) == 3:
            w.stop()
    assert events == ["ADDED", "MODIFIED", "DELETED"]


def test_stale_update_conflicts(client):
    core = k8s.CoreV1Api(client)
    cm = core.create_namespaced_config_map("default", k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="stale"), data={"v": "1"}))
    fresh = core.read_namespaced_config_map("stale", "default")
    fresh.data = {"v": "2"}
    core.replace_namespaced_config_map("stale", "default", fresh)
    cm.data = {"v": "3"}
    with pytest.raises(ApiException) as e:
        core.replace_namespaced_config_map("stale", "default", cm)
    assert e.value.status == 409
    assert "the object has been modified" in e.value.body
    assert core.read_namespaced_config_map("stale", "default").data == {"v": "2"}


def test_invalid_object_gets_422_with_causes(client):
    core = k8s.CoreV1Api(client)
    bad = k8s.V1Pod(metadata=k8s.V1ObjectMeta(name="Bad_Name"), spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="c", image="x")]))
    with pytest.raises(ApiException) as e:
        core.create_namespaced_pod("default", bad)
    assert e.value.status == 422
    import json
    status = json.loads(e.value.body)
    assert status["reason"] == "Invalid"
    assert any(c["field"] == "metadata.name" for c in status["details"]["causes"])


def test_missing_object_is_404(client):
    apps = k8s.AppsV1Api(client)
    with pytest.raises(ApiException) as e:
        apps.read_namespaced_deployment("nope", "default")
    assert e.value.status == 404
    import json
    assert json.loads(e.value.body)["message"] == 'deployments.apps "nope" not found'
