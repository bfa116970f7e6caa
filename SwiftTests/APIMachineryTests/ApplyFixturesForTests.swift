import Foundation
import Testing

@testable import APIMachinery

/// A small schema mirroring upstream's annotations on the Deployment types, in the published OpenAPI v3
/// form (`allOf`-wrapped references, annotations on the referring property).
enum ApplyFixtures {
    static func ref(_ name: String, _ extra: JSON = [:]) -> JSON {
        var site: JSON = ["allOf": [["$ref": .string("#/components/schemas/\(name)")]]]
        for (k, v) in extra.object ?? [:] { site[k] = v }
        return site
    }

    static func listOf(_ name: String, _ annotations: JSON) -> JSON {
        var site: JSON = ["type": "array", "items": ["$ref": .string("#/components/schemas/\(name)")]]
        for (k, v) in annotations.object ?? [:] { site[k] = v }
        return site
    }

    static let stringMap: JSON = ["type": "object", "additionalProperties": ["type": "string"]]
    static let string: JSON = ["type": "string"]
    static let integer: JSON = ["type": "integer", "format": "int32"]

    static let document: JSON = [
        "definitions": [
            "test.Deployment": [
                "type": "object",
                "properties": [
                    "apiVersion": string, "kind": string,
                    "metadata": ref("test.ObjectMeta"),
                    "spec": ref("test.DeploymentSpec"),
                    "status": ref("test.DeploymentStatus"),
                ],
            ],
            "test.ObjectMeta": [
                "type": "object",
                "properties": [
                    "name": string, "namespace": string, "uid": string, "resourceVersion": string,
                    "generation": ["type": "integer", "format": "int64"], "creationTimestamp": string,
                    "labels": stringMap, "annotations": stringMap,
                    "finalizers": [
                        "type": "array", "items": ["type": "string"],
                        "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge",
                    ],
                    "ownerReferences": listOf(
                        "test.OwnerReference",
                        ["x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["uid"],
                         "x-kubernetes-patch-merge-key": "uid", "x-kubernetes-patch-strategy": "merge"]),
                    "managedFields": listOf("test.ManagedFieldsEntry", ["x-kubernetes-list-type": "atomic"]),
                ],
            ],
            "test.OwnerReference": [
                "type": "object",
                "properties": ["uid": string, "name": string, "kind": string, "apiVersion": string],
                "x-kubernetes-map-type": "atomic",
            ],
            "test.ManagedFieldsEntry": [
                "type": "object",
                "properties": ["manager": string, "operation": string, "fieldsV1": ref("test.FieldsV1")],
            ],
            "test.FieldsV1": ["type": "object"],
            "test.DeploymentSpec": [
                "type": "object", "required": ["selector", "template"],
                "properties": [
                    "replicas": integer, "minReadySeconds": integer, "paused": ["type": "boolean"],
                    "selector": ref("test.LabelSelector"),
                    "template": ref("test.PodTemplateSpec"),
                    "strategy": ref("test.DeploymentStrategy", ["x-kubernetes-patch-strategy": "retainKeys"]),
                ],
            ],
            "test.LabelSelector": [
                "type": "object",
                "properties": [
                    "matchLabels": stringMap,
                    "matchExpressions": ["type": "array", "items": ["type": "object"], "x-kubernetes-list-type": "atomic"],
                ],
                "x-kubernetes-map-type": "atomic",
            ],
            "test.DeploymentStrategy": [
                "type": "object",
                "properties": ["type": string, "rollingUpdate": ref("test.RollingUpdateDeployment")],
            ],
            "test.RollingUpdateDeployment": [
                "type": "object",
                "properties": [
                    "maxSurge": ref("test.IntOrString"), "maxUnavailable": ref("test.IntOrString"),
                ],
            ],
            "test.IntOrString": [
                "format": "int-or-string", "x-kubernetes-int-or-string": true,
                "oneOf": [["type": "integer"], ["type": "string"]],
            ],
            "test.PodTemplateSpec": [
                "type": "object",
                "properties": ["metadata": ref("test.ObjectMeta"), "spec": ref("test.PodSpec")],
            ],
            "test.PodSpec": [
                "type": "object", "required": ["containers"],
                "properties": [
                    "containers": listOf(
                        "test.Container",
                        ["x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                         "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"]),
                    "volumes": listOf(
                        "test.Volume",
                        // Only the strategic-merge annotations, as older schemas have them.
                        ["x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge,retainKeys"]),
                    "tolerations": listOf("test.Toleration", ["x-kubernetes-list-type": "atomic"]),
                    "nodeSelector": [
                        "type": "object", "additionalProperties": ["type": "string"], "x-kubernetes-map-type": "atomic",
                    ],
                    "dnsPolicy": string, "restartPolicy": string,
                    "securityContext": ref("test.PodSecurityContext"),
                ],
            ],
            "test.PodSecurityContext": [
                "type": "object", "properties": ["runAsUser": ["type": "integer", "format": "int64"]],
            ],
            "test.Toleration": ["type": "object", "properties": ["key": string, "operator": string]],
            "test.Volume": ["type": "object", "properties": ["name": string, "emptyDir": ["type": "object"]]],
            "test.Container": [
                "type": "object", "required": ["name"],
                "properties": [
                    "name": string, "image": string, "imagePullPolicy": string,
                    "args": ["type": "array", "items": ["type": "string"], "x-kubernetes-list-type": "atomic"],
                    "command": ["type": "array", "items": ["type": "string"], "x-kubernetes-list-type": "atomic"],
                    "ports": listOf(
                        "test.ContainerPort",
                        ["x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
                         "x-kubernetes-patch-merge-key": "containerPort", "x-kubernetes-patch-strategy": "merge"]),
                    "env": listOf(
                        "test.EnvVar",
                        ["x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                         "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"]),
                    "resources": ref("test.ResourceRequirements"),
                ],
            ],
            "test.ContainerPort": [
                "type": "object", "properties": ["containerPort": integer, "protocol": string, "name": string],
            ],
            "test.EnvVar": ["type": "object", "properties": ["name": string, "value": string]],
            "test.ResourceRequirements": [
                "type": "object",
                "properties": [
                    "limits": ["type": "object", "additionalProperties": ref("test.Quantity")],
                    "requests": ["type": "object", "additionalProperties": ref("test.Quantity")],
                ],
            ],
            "test.Quantity": ["oneOf": [["type": "string"], ["type": "number"]]],
            "test.DeploymentStatus": [
                "type": "object",
                "properties": [
                    "replicas": integer,
                    "conditions": listOf(
                        "test.Condition",
                        ["x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]]),
                ],
            ],
            "test.Condition": ["type": "object", "properties": ["type": string, "status": string]],
        ],
        "kinds": [["group": "apps", "version": "v1", "kind": "Deployment", "definition": "test.Deployment"]],
    ]

    static let schema = Schema(document: document)
    static var deployment: SchemaNode { schema.node(group: "apps", version: "v1", kind: "Deployment")! }

    static let t0 = "2024-05-01T10:00:00Z"
    static let t1 = "2024-05-01T10:05:00Z"
    static let t2 = "2024-05-01T10:10:00Z"

    /// A Deployment manifest with one container.
    static func manifest(
        replicas: Int64? = 3, image: String = "nginx:1.25", labels: JSON = ["app": "web"], extra: (inout JSON) -> Void = { _ in }
    ) -> JSON {
        var m: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "labels": labels],
            "spec": [
                "selector": ["matchLabels": ["app": "web"]],
                "template": [
                    "metadata": ["labels": ["app": "web"]],
                    "spec": ["containers": [["name": "nginx", "image": .string(image)]]],
                ],
            ],
        ]
        if let replicas { m[path: ["spec", "replicas"]] = .int(replicas) }
        extra(&m)
        return m
    }

    static func apply(
        _ live: JSON?, _ applied: JSON, manager: String = "kubectl", force: Bool = false, now: String = t0,
        subresource: String? = nil
    ) throws -> JSON {
        try ServerSideApply.apply(
            live: live, applied: applied, manager: manager, force: force, schema: deployment,
            apiVersion: "apps/v1", now: now, kind: "Deployment", subresource: subresource)
    }

    static func update(_ old: JSON?, _ new: JSON, manager: String, now: String = t0, subresource: String? = nil) -> JSON {
        ServerSideApply.recordUpdate(
            old: old, new: new, manager: manager, schema: deployment, apiVersion: "apps/v1", now: now,
            subresource: subresource)
    }

    /// The object as stored: identity fields the server adds on create.
    static func stored(_ object: JSON) -> JSON {
        var o = object
        o[path: ["metadata", "uid"]] = "6f1d1b2a-0000-4000-8000-000000000001"
        o[path: ["metadata", "resourceVersion"]] = "1"
        return o
    }

    static func entries(_ object: JSON) -> [JSON] { object[path: ["metadata", "managedFields"]]?.array ?? [] }

    static func entry(_ object: JSON, manager: String, operation: String? = nil) -> JSON? {
        entries(object).first { $0["manager"]?.string == manager && (operation == nil || $0["operation"]?.string == operation) }
    }

    static func fields(_ object: JSON, manager: String, operation: String? = nil) throws -> FieldSet {
        guard let e = entry(object, manager: manager, operation: operation) else { return FieldSet() }
        return try FieldSet(fieldsV1: e["fieldsV1"] ?? [:])
    }

    static func p(_ steps: String...) -> FieldPath {
        steps.map { s in
            if s.hasPrefix("k:") || s.hasPrefix("v:") || s.hasPrefix("i:") {
                return (try? PathElement(fieldsV1Key: s)).flatMap { $0 } ?? .field(s)
            }
            return .field(s)
        }
    }

    static let nginx = #"k:{"name":"nginx"}"#
    static let containers = ["spec", "template", "spec", "containers"]
    static func container(_ key: String = nginx, _ rest: String...) -> FieldPath {
        p("spec", "template", "spec", "containers", key) + rest.map { .field($0) }
    }
}
