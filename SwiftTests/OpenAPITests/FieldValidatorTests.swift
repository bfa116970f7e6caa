import APIMachinery
import OpenAPI
import Testing

@Suite struct FieldValidatorTests {
    let validator = FieldValidator()

    func unknown(_ json: String, _ kind: String, group: String = "") throws -> [String] {
        validator.unknownFields(in: try JSON.parse(json), group: group, version: "v1", kind: kind)
    }

    static let deployment = """
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier.example.com/x": "y"},
           "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}, "generation": 3,
           "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "o", "uid": "u", "controller": true}],
           "managedFields": [{"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}, "k:{\\"name\\":\\"web\\"}": {".": {}}}}}]},
         "spec": {"replicas": 3, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
           "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]},
           "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
           "template": {
             "metadata": {"labels": {"app": "web"}, "annotations": {"a": "b"}, "creationTimestamp": null},
             "spec": {
               "containers": [{"name": "web", "image": "nginx:alpine", "imagePullPolicy": "IfNotPresent",
                 "command": ["nginx"], "args": ["-g", "daemon off;"],
                 "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
                 "env": [{"name": "A", "value": "1"},
                         {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                         {"name": "C", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}}}],
                 "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": 0.25, "memory": 67108864}},
                 "livenessProbe": {"httpGet": {"path": "/", "port": 80, "httpHeaders": [{"name": "X", "value": "y"}]},
                                   "initialDelaySeconds": 3, "periodSeconds": 10},
                 "readinessProbe": {"tcpSocket": {"port": "http"}, "failureThreshold": 3},
                 "startupProbe": {"exec": {"command": ["true"]}},
                 "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                 "securityContext": {"runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
                 "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
               "initContainers": [{"name": "init", "image": "busybox"}],
               "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
                           {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "k", "path": "p"}]}}],
               "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                 {"matchExpressions": [{"key": "k", "operator": "Exists"}]}]}}},
               "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
               "nodeSelector": {"kubernetes.io/os": "linux"},
               "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                              "labelSelector": {"matchLabels": {"app": "web"}}}],
               "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst"}}},
         "status": {"replicas": 3, "readyReplicas": 3, "conditions": [{"type": "Available", "status": "True",
           "lastUpdateTime": "2024-01-01T00:00:00Z", "lastTransitionTime": "2024-01-01T00:00:00Z", "reason": "R", "message": "m"}]}}
        """

    @Test func acceptsAFullValidDeployment() throws {
        #expect(try unknown(Self.deployment, "Deployment", group: "apps") == [])
    }

    @Test func findsTyposAtEveryDepth() throws {
        var object = try JSON.parse(Self.deployment)
        object[path: ["spec", "replicaz"]] = 1
        object[path: ["metadata", "labelz"]] = ["a": "b"]
        object[path: ["spec", "template", "spec", "hostnetwork"]] = true
        var containers = object[path: ["spec", "template", "spec", "containers"]]?.array ?? []
        containers[0]["imagee"] = "nginx"
        var resources = containers[0]["resources"] ?? [:]
        resources["limitz"] = ["cpu": "1"]
        containers[0]["resources"] = resources
        containers.append(["name": "second", "image": "busybox", "ports": [["containerPort": 1, "hostPortt": 2]]])
        object[path: ["spec", "template", "spec", "containers"]] = .array(containers)
        object["extra"] = "x"
        let found = validator.unknownFields(in: object, group: "apps", version: "v1", kind: "Deployment")
        #expect(found == [
            "extra",
            "metadata.labelz",
            "spec.replicaz",
            "spec.template.spec.containers[0].imagee",
            "spec.template.spec.containers[0].resources.limitz",
            "spec.template.spec.containers[1].ports[0].hostPortt",
            "spec.template.spec.hostnetwork",
        ])
    }

    @Test func podTypoMatchesUpstreamPath() throws {
        let pod = #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "imagee": "nginx"}]}}"#
        #expect(try unknown(pod, "Pod") == ["spec.containers[0].imagee"])
    }

    @Test func metadataIsObjectMeta() throws {
        let pod = #"{"metadata": {"name": "p", "nmae": "q", "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "n", "uid": "u", "blockOwner": true}]}}"#
        #expect(try unknown(pod, "Pod") == ["metadata.nmae", "metadata.ownerReferences[0].blockOwner"])
    }

    @Test func doesNotDescendIntoUnknownFields() throws {
        #expect(try unknown(#"{"spec": {"bogus": {"deeper": {"x": 1}}, "containers": []}}"#, "Pod") == ["spec.bogus"])
    }

    @Test func mapsQuantitiesAndIntOrStringHaveNoFalsePositives() throws {
        let secret = #"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque", "data": {"any.key": "eA==", "other": ""}, "stringData": {"x": "y"}}"#
        #expect(try unknown(secret, "Secret") == [])
        let service = #"{"spec": {"selector": {"app": "x"}, "ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081, "protocol": "UDP"}], "type": "ClusterIP"}}"#
        #expect(try unknown(service, "Service") == [])
        let node = #"{"status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": 110}, "allocatable": {"example.com/gpu": 1}}}"#
        #expect(try unknown(node, "Node") == [])
    }

    @Test func statusIsKnownWhereTheKindHasOne() throws {
        let pod = #"{"apiVersion": "v1", "kind": "Pod", "status": {"phase": "Running", "podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "True"}], "phaze": "x"}}"#
        #expect(try unknown(pod, "Pod") == ["status.phaze"])
        // ConfigMap has no status field: upstream rejects it as unknown too.
        #expect(try unknown(#"{"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}, "status": {}}"#, "ConfigMap") == ["status"])
    }

    @Test func wrongTypesAreNotUnknownFields() throws {
        #expect(try unknown(#"{"spec": "oops", "metadata": 3}"#, "Pod") == [])
        #expect(try unknown(#"{"spec": {"containers": {"name": "c"}}}"#, "Pod") == [])
        #expect(try unknown(#"{"spec": {"containers": [3, null, "x"]}}"#, "Pod") == [])
        #expect(try unknown("null", "Pod") == [])
        #expect(try unknown("[]", "Pod") == [])
    }

    @Test func listsAndSubresourceKinds() throws {
        #expect(try unknown(#"{"kind": "PodList", "metadata": {"resourceVersion": "1", "rv": "2"}, "items": [{"spec": {"x": 1}}]}"#, "PodList") == ["items[0].spec.x", "metadata.rv"])
        #expect(validator.unknownFields(in: try JSON.parse(#"{"spec": {"replicas": 2, "replicaz": 3}}"#), group: "autoscaling", version: "v1", kind: "Scale") == ["spec.replicaz"])
        #expect(validator.unknownFields(in: try JSON.parse(#"{"metadata": {"name": "p"}, "deleteOptions": {"gracePeriodSeconds": 0, "grace": 1}}"#), group: "policy", version: "v1", kind: "Eviction") == ["deleteOptions.grace"])
        #expect(try unknown(#"{"target": {"kind": "Node", "name": "n"}, "targett": {}}"#, "Binding") == ["targett"])
    }

    @Test func unknownKindsAreNotValidated() throws {
        #expect(validator.unknownFields(in: try JSON.parse(#"{"foo": 1}"#), group: "storage.k8s.io", version: "v1beta1", kind: "VolumeAttributesClass") == [])
    }

    /// Annotations that only a synthetic schema exercises: preserve-unknown-fields and a site-level int-or-string.
    @Test func preserveUnknownFieldsIsOpaque() throws {
        let schema = Schema(document: [
            "definitions": [
                "T": ["type": "object", "properties": [
                    "open": ["type": "object", "x-kubernetes-preserve-unknown-fields": true,
                             "properties": ["a": ["type": "string"]]],
                    "closed": ["type": "object", "properties": ["a": ["type": "string"]]],
                    "port": ["x-kubernetes-int-or-string": true],
                    "ref": ["allOf": [["$ref": "#/components/schemas/U"]], "description": "d"],
                ]],
                "U": ["type": "object", "properties": ["b": ["type": "integer"]]],
            ],
            "kinds": [["group": "g", "version": "v1", "kind": "T", "definition": "T"]],
        ])
        let v = FieldValidator(schema: schema)
        let object: JSON = ["open": ["a": "x", "zzz": ["y": 1]], "closed": ["a": "x", "zzz": 1], "port": ["q": 1],
                            "ref": ["b": 1, "c": 2]]
        #expect(v.unknownFields(in: object, group: "g", version: "v1", kind: "T") == ["closed.zzz", "ref.c"])
    }
}
