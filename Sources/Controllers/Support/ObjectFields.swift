import APIMachinery
import Client
import Foundation

/// Read access to the `metadata` fields every controller looks at. Controllers work on the JSON the
/// informers hold (Skiff is unstructured where it stores and typed only where it reads), so these are
/// plain accessors rather than a decoded ObjectMeta.
extension JSON {
    var name: String { self[path: ["metadata", "name"]]?.string ?? "" }
    var namespace: String { self[path: ["metadata", "namespace"]]?.string ?? "" }
    var uid: String { self[path: ["metadata", "uid"]]?.string ?? "" }
    var resourceVersion: String { self[path: ["metadata", "resourceVersion"]]?.string ?? "" }
    var generation: Int64 { self[path: ["metadata", "generation"]]?.int ?? 0 }
    var labels: [String: String] { self[path: ["metadata", "labels"]]?.stringMap ?? [:] }
    var annotations: [String: String] { self[path: ["metadata", "annotations"]]?.stringMap ?? [:] }
    var finalizers: [String] { self[path: ["metadata", "finalizers"]]?.array?.compactMap(\.string) ?? [] }
    var isBeingDeleted: Bool {
        guard let t = self[path: ["metadata", "deletionTimestamp"]] else { return false }
        return !t.isNull
    }
    var deletionTimestamp: Date? { self[path: ["metadata", "deletionTimestamp"]]?.string.flatMap(RFC3339.parse) }
    var creationTimestamp: Date? { self[path: ["metadata", "creationTimestamp"]]?.string.flatMap(RFC3339.parse) }
    /// The informer cache key (`namespace/name`).
    var key: String { ObjectKey.make(namespace: namespace, name: name) }

    var ownerReferences: [OwnerReference] {
        (self[path: ["metadata", "ownerReferences"]]?.array ?? []).compactMap(OwnerReference.init(json:))
    }

    /// The owner reference with `controller: true`, if any (upstream's `metav1.GetControllerOf`).
    var controllerRef: OwnerReference? { ownerReferences.first { $0.controller } }

    /// An integer at `path`, or `fallback` when missing (upstream's pointer-with-default fields).
    func integer(at path: [String], default fallback: Int64 = 0) -> Int64 { self[path: path]?.int ?? fallback }

    /// A copy without `path`'s value (nil removes the key).
    func setting(_ path: [String], _ value: JSON?) -> JSON {
        var copy = self
        copy[path: path] = value
        return copy
    }
}

/// One `metadata.ownerReferences` entry.
struct OwnerReference: Sendable, Hashable {
    var apiVersion: String
    var kind: String
    var name: String
    var uid: String
    var controller: Bool
    var blockOwnerDeletion: Bool

    init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool = false, blockOwnerDeletion: Bool = false) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    init?(json: JSON) {
        guard let uid = json["uid"]?.string else { return nil }
        apiVersion = json["apiVersion"]?.string ?? ""
        kind = json["kind"]?.string ?? ""
        name = json["name"]?.string ?? ""
        self.uid = uid
        controller = json["controller"]?.bool ?? false
        blockOwnerDeletion = json["blockOwnerDeletion"]?.bool ?? false
    }

    /// The reference a controller puts on what it creates (upstream's `metav1.NewControllerRef`):
    /// controller and blockOwnerDeletion both true, so foreground deletion of the owner waits for it.
    static func controller(of owner: JSON, apiVersion: String, kind: String) -> OwnerReference {
        OwnerReference(apiVersion: apiVersion, kind: kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true)
    }

    var json: JSON {
        ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid),
         "controller": .bool(controller), "blockOwnerDeletion": .bool(blockOwnerDeletion)]
    }

    /// The API group of `apiVersion` ("" for core, "apps" for "apps/v1").
    var group: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }
}
