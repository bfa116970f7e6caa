"""Run-to-completion workloads on a real one-node cluster: pods that finish end Succeeded or Failed with
their containers' exit codes, Jobs run their pods to completion within parallelism and stop at their
backoffLimit, Indexed Jobs hand each pod its JOB_COMPLETION_INDEX, and a CronJob makes its Job within
two seconds of the minute while Forbid skips runs that would overlap."""
import calendar
import json
import subprocess
import threading
import time

import pytest

from real_cluster import apply, eventually, kubectl, real_cluster

NAME = "jobse2e"


@pytest.fixture(scope="module")
def cluster():
    with real_cluster(NAME, nodes=1, images=("busybox.oci.tar",)) as env:
        yield env


def get(env, kind, name):
    return json.loads(kubectl(env, "get", kind, name, "-o", "json"))


def job(name, command, restart="Never", **spec):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {**spec, "template": {"spec": {"restartPolicy": restart, "terminationGracePeriodSeconds": 1,
                                                   "containers": [{"name": "main", "image": "busybox:1.35", "command": command}]}}}}


def job_pods(env, name):
    return json.loads(kubectl(env, "get", "pods", "-l", f"batch.kubernetes.io/job-name={name}", "-o", "json"))["items"]


def to_s(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def conditions(obj):
    return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}


def test_finished_pods_report_exit_codes_and_keep_their_logs(cluster):
    def pod(name, restart, script, volumes=False):
        c = {"name": "main", "image": "busybox:1.35", "command": ["sh", "-c", script]}
        spec = {"restartPolicy": restart, "terminationGracePeriodSeconds": 1, "containers": [c]}
        if volumes:
            c["volumeMounts"] = [{"name": "d", "mountPath": "/d"}]
            spec["volumes"] = [{"name": "d", "emptyDir": {}}]
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    apply(cluster, pod("ok", "Never", "echo done"))
    apply(cluster, pod("bad", "Never", "echo failing; exit 3"))
    # OnFailure: the first run fails, the restart (after the 10 s back-off) succeeds.
    apply(cluster, pod("retry", "OnFailure", "if [ -f /d/x ]; then echo second; exit 0; fi; touch /d/x; echo first; exit 1", volumes=True))

    ok = eventually(lambda: get(cluster, "pod", "ok")["status"]["phase"] == "Succeeded" and get(cluster, "pod", "ok"), 60)
    assert ok, get(cluster, "pod", "ok")
    t = ok["status"]["containerStatuses"][0]["state"]["terminated"]
    assert t["exitCode"] == 0 and t["reason"] == "Completed" and t["startedAt"] and t["finishedAt"]
    assert conditions(ok)["Ready"]["status"] == "False" and conditions(ok)["Ready"]["reason"] == "PodCompleted"
    assert kubectl(cluster, "logs", "ok") == "done\n"

    bad = eventually(lambda: get(cluster, "pod", "bad")["status"]["phase"] == "Failed" and get(cluster, "pod", "bad"), 60)
    assert bad, get(cluster, "pod", "bad")
    c = bad["status"]["containerStatuses"][0]
    assert c["state"]["terminated"]["exitCode"] == 3 and c["state"]["terminated"]["reason"] == "Error"
    assert c["restartCount"] == 0
    assert kubectl(cluster, "logs", "bad") == "failing\n"

    retry = eventually(lambda: get(cluster, "pod", "retry")["status"]["phase"] == "Succeeded" and get(cluster, "pod", "retry"), 90)
    assert retry, get(cluster, "pod", "retry")
    c = retry["status"]["containerStatuses"][0]
    assert c["restartCount"] == 1 and c["state"]["terminated"]["exitCode"] == 0
    assert c["lastState"]["terminated"]["exitCode"] == 1
    assert kubectl(cluster, "logs", "retry") == "second\n"
    assert kubectl(cluster, "logs", "retry", "--previous") == "first\n"
    # A Never pod is not restarted: still one attempt after a while.
    assert get(cluster, "pod", "bad")["status"]["containerStatuses"][0]["restartCount"] == 0
    kubectl(cluster, "delete", "pod", "ok", "bad", "retry", "--wait=false")


def test_kubectl_create_job_completes_and_logs(cluster):
    kubectl(cluster, "create", "job", "hello", "--image=busybox:1.35", "--", "echo", "hi")
    kubectl(cluster, "wait", "--for=condition=complete", "job/hello", "--timeout=90s", timeout=100)
    assert kubectl(cluster, "logs", "job/hello") == "hi\n"
    j = get(cluster, "job", "hello")
    assert j["status"]["succeeded"] == 1 and j["status"]["ready"] == 0 and j["status"]["uncountedTerminatedPods"] == {}
    assert j["status"]["completionTime"] >= j["status"]["startTime"]
    cond = conditions(j)
    assert cond["Complete"]["reason"] == "CompletionsReached" and cond["SuccessCriteriaMet"]["status"] == "True"
    pods = job_pods(cluster, "hello")
    assert len(pods) == 1 and pods[0]["metadata"]["name"].startswith("hello-")
    assert pods[0]["metadata"].get("finalizers") is None
    assert pods[0]["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == j["metadata"]["uid"]
    assert pods[0]["metadata"]["labels"]["controller-uid"] == j["metadata"]["uid"]
    table = kubectl(cluster, "get", "job", "hello")
    assert "Complete" in table and "1/1" in table, table
    events = kubectl(cluster, "get", "events", "--field-selector", "involvedObject.name=hello", "-o", "json")
    reasons = [e["reason"] for e in json.loads(events)["items"]]
    assert "SuccessfulCreate" in reasons and "Completed" in reasons


def test_parallelism_is_never_exceeded(cluster):
    from kubernetes import client as k8s, config as k8s_config, watch
    api_client = k8s_config.new_client_from_config(config_file=cluster["KUBECONFIG"])
    v1 = k8s.CoreV1Api(api_client)
    most, seen_pods = [0], set()
    stop = threading.Event()

    def watcher():
        active = {}
        w = watch.Watch()
        for ev in w.stream(v1.list_namespaced_pod, "default", label_selector="batch.kubernetes.io/job-name=par", timeout_seconds=120):
            p = ev["object"]
            name = p.metadata.name
            seen_pods.add(name)
            running = ev["type"] != "DELETED" and p.status.phase not in ("Succeeded", "Failed") and p.metadata.deletion_timestamp is None
            if running:
                active[name] = True
            else:
                active.pop(name, None)
            most[0] = max(most[0], len(active))
            if stop.is_set():
                w.stop()
    t = threading.Thread(target=watcher, daemon=True)
    t.start()
    try:
        time.sleep(1)
        apply(cluster, job("par", ["sh", "-c", "sleep 2"], completions=5, parallelism=2))
        kubectl(cluster, "wait", "--for=condition=complete", "job/par", "--timeout=120s", timeout=130)
    finally:
        stop.set()
        t.join(5)
        api_client.close()
    j = get(cluster, "job", "par")
    assert j["status"]["succeeded"] == 5
    assert most[0] == 2, most
    assert len(seen_pods) == 5


def test_failing_job_stops_at_its_backoff_limit(cluster):
    apply(cluster, job("fails", ["sh", "-c", "exit 1"], backoffLimit=1))
    kubectl(cluster, "wait", "--for=condition=failed", "job/fails", "--timeout=90s", timeout=100)
    j = get(cluster, "job", "fails")
    cond = conditions(j)
    assert cond["Failed"]["reason"] == "BackoffLimitExceeded"
    assert cond["Failed"]["message"] == "Job has reached the specified backoff limit"
    assert cond["FailureTarget"]["reason"] == "BackoffLimitExceeded"
    assert j["status"]["failed"] == 2 and "active" not in j["status"]
    pods = job_pods(cluster, "fails")
    assert len(pods) == 2 and all(p["status"]["phase"] == "Failed" for p in pods)
    # The second attempt waited out the 10 s back-off after the first one finished.
    ends = sorted(p["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"] for p in pods)
    created = sorted(p["metadata"]["creationTimestamp"] for p in pods)
    assert to_s(created[1]) - to_s(ends[0]) >= 9, (ends, created)
    events = json.loads(kubectl(cluster, "get", "events", "--field-selector", "involvedObject.name=fails", "-o", "json"))["items"]
    assert any(e["reason"] == "BackoffLimitExceeded" and e["type"] == "Warning" for e in events)


def test_indexed_job_pods_print_their_index(cluster):
    apply(cluster, job("idx", ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"],
                       completions=3, parallelism=3, completionMode="Indexed"))
    kubectl(cluster, "wait", "--for=condition=complete", "job/idx", "--timeout=90s", timeout=100)
    assert get(cluster, "job", "idx")["status"]["completedIndexes"] == "0-2"
    pods = job_pods(cluster, "idx")
    assert len(pods) == 3
    for p in pods:
        i = p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        assert p["metadata"]["name"].startswith(f"idx-{i}-")
        assert kubectl(cluster, "logs", p["metadata"]["name"]) == f"index={i} host=idx-{i}\n"


def test_cronjob_runs_on_the_minute_and_forbid_skips_overlaps(cluster):
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
          "spec": {"schedule": "*/1 * * * *", "concurrencyPolicy": "Forbid",
                   "jobTemplate": {"spec": {"template": {"spec": {
                       "restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
                       "containers": [{"name": "main", "image": "busybox:1.35", "command": ["sleep", "300"]}]}}}}}}
    apply(cluster, cj)
    jobs = lambda: [j for j in json.loads(kubectl(cluster, "get", "jobs", "-o", "json"))["items"]
                    if j["metadata"]["name"].startswith("tick-")]
    first = eventually(lambda: jobs(), 75, interval=0.2)
    seen_at = time.time()
    assert first, kubectl(cluster, "get", "cronjob", "tick", "-o", "yaml")
    j = first[0]
    scheduled = j["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    sched_s = to_s(scheduled)
    assert sched_s % 60 == 0
    assert j["metadata"]["name"] == f"tick-{int(sched_s) // 60}"
    created_s = to_s(j["metadata"]["creationTimestamp"])
    assert 0 <= created_s - sched_s <= 2, (scheduled, j["metadata"]["creationTimestamp"])
    assert seen_at - sched_s < 3
    status = get(cluster, "cronjob", "tick")["status"]
    assert status["active"][0]["name"] == j["metadata"]["name"] and status["lastScheduleTime"] == scheduled
    # The next minute passes with the first Job still running: Forbid skips it.
    time.sleep(max(0, sched_s + 65 - time.time()))
    assert [x["metadata"]["name"] for x in jobs()] == [j["metadata"]["name"]]
    events = json.loads(kubectl(cluster, "get", "events", "--field-selector", "involvedObject.name=tick", "-o", "json"))["items"]
    assert any(e["reason"] == "JobAlreadyActive" for e in events), [e["reason"] for e in events]
    assert any(e["reason"] == "SuccessfulCreate" and e["message"] == f"Created job {j['metadata']['name']}" for e in events)
    # A Job made by hand from the CronJob's template.
    kubectl(cluster, "create", "job", "manual", "--from=cronjob/tick")
    m = get(cluster, "job", "manual")
    assert m["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert m["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert eventually(lambda: len(job_pods(cluster, "manual")) == 1, 30)
    kubectl(cluster, "patch", "cronjob", "tick", "-p", '{"spec":{"suspend":true}}')
    kubectl(cluster, "delete", "job", "manual", "--wait=false")


def test_invalid_failure_and_index_policies_are_refused_and_nothing_is_stored(cluster):
    """Upstream's 422 for a Job whose policies the controller could never honour: a FailIndex rule without
    backoffLimitPerIndex, and maxFailedIndexes past completions; kubectl prints each field error."""
    bad = job("failindex", ["true"], completionMode="Indexed", completions=3, maxFailedIndexes=1,
              podFailurePolicy={"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [42]}}]})
    p = subprocess.run(["kubectl", "create", "-f", "-"], env=cluster, input=json.dumps(bad),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert 'The Job "failindex" is invalid: ' in p.stderr
    assert "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified" in p.stderr
    assert 'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set' in p.stderr
    p = subprocess.run(["kubectl", "get", "job", "failindex"], env=cluster, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and 'jobs.batch "failindex" not found' in p.stderr
