import APIMachinery
import APIServer
import Foundation

/// A structure-aware generator of API requests: valid objects of several kinds, mutated (wrong types, deep
/// nesting, huge strings and arrays, invalid UTF-8, NUL bytes, duplicate keys, truncated bodies, wrong
/// Content-Type, protobuf garbage, malformed selectors, JSON, merge, strategic-merge and apply patches that
/// point nowhere or disagree with the schema), sent as creates, updates, patches, lists and deletes.
/// ``APIFuzzCampaign`` sends them and judges the answers.
public enum APIRequestFuzzer {
    /// A collection to aim at and a valid object of its kind to mutate.
    public struct Target: Sendable {
        public var collection: String
        public var seed: JSON
        public init(collection: String, seed: JSON) { self.collection = collection; self.seed = seed }
    }

    public static let targets: [Target] = [
        Target(collection: "/api/v1/namespaces/default/configmaps", seed: [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cm", "labels": ["a": "b"]], "data": ["k": "v"]]),
        Target(collection: "/api/v1/namespaces/default/pods", seed: [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "labels": ["app": "x"]],
            "spec": ["containers": [["name": "c", "image": "nginx:alpine", "ports": [["containerPort": 80, "name": "http"]],
                                     "env": [["name": "A", "value": "1"]]]]]]),
        Target(collection: "/apis/apps/v1/namespaces/default/deployments", seed: [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d"],
            "spec": ["replicas": 2, "selector": ["matchLabels": ["app": "d"]],
                     "template": ["metadata": ["labels": ["app": "d"]], "spec": ["containers": [["name": "c", "image": "nginx:alpine"]]]]]]),
        Target(collection: "/api/v1/namespaces/default/services", seed: [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "s"],
            "spec": ["selector": ["app": "d"], "ports": [["port": 80, "targetPort": 8080, "protocol": "TCP"]]]]),
        Target(collection: "/api/v1/namespaces/default/secrets", seed: [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "sec"], "stringData": ["password": "x"]]),
        Target(collection: "/apis/batch/v1/namespaces/default/jobs", seed: [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "j"],
            "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox:1.35"]]]]]]),
        Target(collection: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", seed: [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "r"],
            "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["get"]]]]),
    ]

    static let patchTypes = ["application/json-patch+json", "application/merge-patch+json",
                             "application/strategic-merge-patch+json", "application/apply-patch+yaml"]

    /// Nil when `response` is a success or a well-formed 4xx Status; otherwise what is wrong with it.
    public static func problem(with response: APIResponse) -> String? {
        if (200..<300).contains(response.status) { return nil }
        guard (400..<500).contains(response.status) else {
            return "\(response.status): \(response.data.map { String(decoding: $0.prefix(400), as: UTF8.self) } ?? "(stream)")"
        }
        guard let status = response.json, status["kind"] == "Status", status["code"]?.int == Int64(response.status),
              status["status"] == "Failure", status["message"]?.string != nil else {
            return "\(response.status) without a well-formed Status"
        }
        return nil
    }

    // MARK: Requests

    public static func request(for t: Target, name: String, rng: inout FuzzRandom) -> APIRequest {
        let item = t.collection + "/" + name
        switch rng.below(10) {
        case 0, 1:
            return post(t.collection, body: body(mutating: t.seed, rng: &rng), rng: &rng)
        case 2:
            var object = mutate(t.seed, rng: &rng)
            object[path: ["metadata", "name"]] = .string(name)
            return APIRequest(method: "PUT", path: item, query: nil, headers: ["content-type": "application/json"], body: encode(object, rng: &rng))
        case 3, 4, 5:
            let type = patchTypes[rng.below(patchTypes.count)]
            return APIRequest(method: "PATCH", path: item, query: type.hasPrefix("application/apply") ? "fieldManager=fuzz" + (rng.below(2) == 0 ? "&force=true" : "") : nil,
                              headers: ["content-type": type], body: patch(type, seed: t.seed, rng: &rng))
        case 6:
            return APIRequest(method: "GET", path: t.collection, query: selectorQuery(rng: &rng), headers: [:], body: Data())
        case 7:
            return APIRequest(method: "POST", path: t.collection, query: nil,
                              headers: ["content-type": ["application/vnd.kubernetes.protobuf", "text/plain", "application/xml", "application/yaml", ""][rng.below(5)]],
                              body: garbage(rng: &rng))
        case 8:
            return APIRequest(method: "DELETE", path: item, query: nil, headers: ["content-type": "application/json"],
                              body: rng.below(2) == 0 ? Data() : body(mutating: ["kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                                                                                 "preconditions": ["uid": "x"], "propagationPolicy": "Background"], rng: &rng))
        default:
            return APIRequest(method: "GET", path: item, query: ["resourceVersion=abc", "watch=maybe", "limit=-1", "continue=%%%", "timeoutSeconds=x"][rng.below(5)],
                              headers: [:], body: Data())
        }
    }

    static func post(_ path: String, body: Data, rng: inout FuzzRandom) -> APIRequest {
        APIRequest(method: "POST", path: path, query: rng.below(4) == 0 ? "dryRun=All" : nil, headers: ["content-type": "application/json"], body: body)
    }

    static func body(mutating seed: JSON, rng: inout FuzzRandom) -> Data {
        encode(mutate(seed, rng: &rng), rng: &rng)
    }

    /// Serialized, and now and then damaged as bytes: truncated, invalid UTF-8, NUL bytes, a duplicated key.
    static func encode(_ value: JSON, rng: inout FuzzRandom) -> Data {
        var data = value.serialized()
        switch rng.below(8) {
        case 0 where data.count > 2: data = data.prefix(rng.below(data.count))
        case 1: data.insert(contentsOf: [0xC3, 0x28, 0xFF], at: rng.below(data.count + 1))
        case 2: data.insert(0, at: rng.below(data.count + 1))
        case 3:
            if let brace = data.firstIndex(of: UInt8(ascii: "{")) {
                data.insert(contentsOf: Array(#""kind":"Pod","kind":"#.utf8), at: brace + 1)
            }
        default: break
        }
        return data
    }

    /// One structural mutation of `value`: a leaf of another type, a value nested deep, a huge string or
    /// array, a removed or added field.
    static func mutate(_ value: JSON, rng: inout FuzzRandom) -> JSON {
        var v = value
        let paths = leafPaths(value)
        guard let path = paths.isEmpty ? nil : paths[rng.below(paths.count)] else { return v }
        switch rng.below(9) {
        case 0: v[path: path] = wrongTyped(rng: &rng)
        case 1:
            var nested = v[path: path] ?? .null
            for _ in 0..<(50 + rng.below(400)) { nested = rng.below(2) == 0 ? .array([nested]) : .object(["x": nested]) }
            v[path: path] = nested
        case 2: v[path: path] = .string(String(repeating: "a", count: 1 + rng.below(300_000)))
        case 3: v[path: path] = .array(Array(repeating: .int(1), count: rng.below(20_000)))
        case 4: v[path: path] = nil
        case 5: v[path: Array(path.dropLast()) + ["unknownField\(rng.below(3))"]] = wrongTyped(rng: &rng)
        case 6: v[path: path] = .string(["", " ", "\u{0}", "../..", "a/b", "-1", "1e400", "🙂", String(repeating: "x", count: 254)][rng.below(9)])
        case 7: v[path: path] = .int([Int64.min, -1, 0, Int64.max, 65536][rng.below(5)])
        default: break
        }
        return v
    }

    static func wrongTyped(rng: inout FuzzRandom) -> JSON {
        [.null, .bool(true), .int(-7), .double(1.5), .string("s"), .array([.string("a"), .int(1)]), .object(["k": .array([])])][rng.below(7)]
    }

    /// Every path in `value`, containers included (so whole objects and lists get replaced too).
    static func leafPaths(_ value: JSON, prefix: [String] = []) -> [[String]] {
        var out: [[String]] = prefix.isEmpty ? [] : [prefix]
        if case .object(let o) = value {
            for (k, child) in o.sorted(by: { $0.key < $1.key }) { out += leafPaths(child, prefix: prefix + [k]) }
        }
        return out
    }

    static func patch(_ type: String, seed: JSON, rng: inout FuzzRandom) -> Data {
        switch type {
        case "application/json-patch+json":
            let ops: [JSON] = [
                ["op": "replace", "path": "/spec/nothing/here", "value": 1],
                ["op": "add", "path": "/metadata/labels/a~1b", "value": "x"],
                ["op": "remove", "path": "/data/missing"],
                ["op": "move", "from": "/nowhere", "path": "/metadata/name"],
                ["op": "test", "path": "/metadata/name", "value": ["x": 1]],
                ["op": "copy", "from": "/spec", "path": "/spec/containers/0"],
                ["op": "add", "path": "/spec/containers/-", "value": ["name": 1]],
                ["op": "add", "path": "/spec/containers/99", "value": [:]],
                ["op": "bogus", "path": "/"],
                ["op": "replace", "path": "metadata/name", "value": "x"],
                ["path": "/metadata"],
                .string("not an op"),
            ]
            let count = 1 + rng.below(3)
            let chosen = (0..<count).map { _ in ops[rng.below(ops.count)] }
            return rng.below(5) == 0 ? encode(.object(["op": "add"]), rng: &rng) : encode(.array(chosen), rng: &rng)
        case "application/apply-patch+yaml":
            var applied = mutate(seed, rng: &rng)
            if rng.below(3) == 0 { applied["apiVersion"] = .string(["v2", "", "apps/v9"][rng.below(3)]) }
            if rng.below(3) == 0 { applied[path: ["metadata", "name"]] = .string("other") }
            // JSON is YAML; now and then it is followed by text no YAML parser accepts.
            var data = encode(applied, rng: &rng)
            if rng.below(4) == 0 { data.append(contentsOf: Array("\n  : - : [\n\t- &a *b".utf8)) }
            return data
        default:
            // Merge and strategic merge: a part of the object, mutated, with the directives SMP knows.
            var p: JSON = ["metadata": ["labels": ["fuzz": "1"]]]
            let directives: [JSON] = [
                ["spec": ["containers": [["$patch": "delete"]]]],
                ["spec": ["containers": [["image": "x"]]]],
                ["spec": ["containers": [.string("c"), .int(1)]]],
                ["spec": ["$setElementOrder/containers": [["name": "c"], .int(3)]]],
                ["spec": ["containers": ["$patch": "replace"]]],
                ["spec": ["ports": [["port": "eighty"]]]],
                ["$patch": "bogus"],
                ["metadata": ["$deleteFromPrimitiveList/finalizers": .string("x")]],
                ["spec": ["template": ["spec": ["containers": [["name": "c", "$patch": "merge"], ["name": .int(5)]]]]]],
                ["data": ["k": .array([.object([:])])]],
                ["rules": [["verbs": .string("get")]]],
                .array([.int(1)]),
                .string("x"),
            ]
            p = rng.below(4) == 0 ? mutate(seed, rng: &rng) : directives[rng.below(directives.count)]
            return encode(p, rng: &rng)
        }
    }

    static func selectorQuery(rng: inout FuzzRandom) -> String {
        let label = ["a in (", "a notin b", "!", "a==b==c", "a,,b", "a=" + String(repeating: "x", count: 70), "a in (b,c", "=b", "a!=", "%zz", "a in ()"]
        let field = ["metadata.name==", "spec.nodeName=a,", "bogus=1", "status.phase in (x)", "=", "metadata.namespace!=a!=b"]
        let l = label[rng.below(label.count)].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let f = field[rng.below(field.count)].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return rng.below(2) == 0 ? "labelSelector=\(l)" : "fieldSelector=\(f)"
    }

    /// Random bytes, sometimes behind the Kubernetes protobuf magic so the protobuf decoder reads them.
    static func garbage(rng: inout FuzzRandom) -> Data {
        var d = Data((0..<rng.below(512)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        if rng.below(2) == 0 { d.insert(contentsOf: [0x6b, 0x38, 0x73, 0x00], at: 0) }
        return d
    }
}
