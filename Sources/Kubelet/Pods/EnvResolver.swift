import APIMachinery
import Foundation

/// A container's environment as upstream's kubelet computes it (`makeEnvironmentVariables`): `envFrom`
/// sources first, then `env` in order, each value with `$(VAR)` references to earlier variables expanded, and
/// `valueFrom` read from the pod itself (downward API), its resources, ConfigMaps and Secrets.
public struct EnvResolver: Sendable {
    /// Reads a ConfigMap's or Secret's data (Secret values already base64-decoded); nil when it does not exist.
    public typealias SourceLookup = @Sendable (_ kind: SourceKind, _ namespace: String, _ name: String) async throws -> [String: String]?

    public enum SourceKind: String, Sendable { case configMap = "configmap", secret }

    let lookup: SourceLookup

    public init(lookup: @escaping SourceLookup) { self.lookup = lookup }

    /// The variables for `container` of `pod`, whose sandbox has address `podIP` on a node at `hostIP`.
    /// Throws `APIError.badRequest` with upstream's wording when a required source or key is missing
    /// (the kubelet reports it as `CreateContainerConfigError`).
    public func resolve(container: JSON, pod: JSON, podIP: String, hostIP: String) async throws -> [(name: String, value: String)] {
        let namespace = pod[path: ["metadata", "namespace"]]?.string ?? "default"
        var result: [(name: String, value: String)] = []
        var index: [String: Int] = [:]
        func set(_ name: String, _ value: String) {
            if let i = index[name] { result[i].value = value } else { index[name] = result.count; result.append((name, value)) }
        }
        for source in container["envFrom"]?.array ?? [] {
            let prefix = source["prefix"]?.string ?? ""
            let (kind, ref): (SourceKind, JSON?) = source["configMapRef"] != nil ? (.configMap, source["configMapRef"]) : (.secret, source["secretRef"])
            guard let ref, let name = ref["name"]?.string else { continue }
            guard let data = try await lookup(kind, namespace, name) else {
                if ref["optional"]?.bool == true { continue }
                throw APIError.badRequest("\(kind.rawValue) \"\(name)\" not found")
            }
            for key in data.keys.sorted() { set(prefix + key, data[key]!) }
        }
        for variable in container["env"]?.array ?? [] {
            guard let name = variable["name"]?.string else { continue }
            if let from = variable["valueFrom"] {
                if let value = try await valueFrom(from, container: container, pod: pod, namespace: namespace, podIP: podIP, hostIP: hostIP) {
                    set(name, value)
                }
            } else {
                let current = Dictionary(result.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
                set(name, Self.expand(variable["value"]?.string ?? "", with: current))
            }
        }
        return result
    }

    func valueFrom(_ from: JSON, container: JSON, pod: JSON, namespace: String, podIP: String, hostIP: String) async throws -> String? {
        if let field = from[path: ["fieldRef", "fieldPath"]]?.string {
            return try Self.fieldValue(field, pod: pod, podIP: podIP, hostIP: hostIP)
        }
        if let resource = from["resourceFieldRef"] {
            return Self.resourceValue(resource, container: container)
        }
        for (kind, key) in [(SourceKind.configMap, "configMapKeyRef"), (.secret, "secretKeyRef")] {
            guard let ref = from[key], let name = ref["name"]?.string, let item = ref["key"]?.string else { continue }
            let optional = ref["optional"]?.bool == true
            guard let data = try await lookup(kind, namespace, name) else {
                if optional { return nil }
                throw APIError.badRequest("\(kind.rawValue) \"\(name)\" not found")
            }
            guard let value = data[item] else {
                if optional { return nil }
                throw APIError.badRequest("couldn't find key \(item) in \(kind == .configMap ? "ConfigMap" : "Secret") \(namespace)/\(name)")
            }
            return value
        }
        return nil
    }

    /// The downward API's pod fields (upstream's `podFieldSelectorRuntimeValue`).
    static func fieldValue(_ path: String, pod: JSON, podIP: String, hostIP: String) throws -> String {
        func labelOrAnnotation(_ prefix: String, _ section: String) -> String? {
            guard path.hasPrefix(prefix + "['"), path.hasSuffix("']") else { return nil }
            let key = String(path.dropFirst(prefix.count + 2).dropLast(2))
            return pod[path: ["metadata", section, key]]?.string ?? ""
        }
        if let v = labelOrAnnotation("metadata.labels", "labels") { return v }
        if let v = labelOrAnnotation("metadata.annotations", "annotations") { return v }
        switch path {
        case "metadata.name": return pod[path: ["metadata", "name"]]?.string ?? ""
        case "metadata.namespace": return pod[path: ["metadata", "namespace"]]?.string ?? "default"
        case "metadata.uid": return pod[path: ["metadata", "uid"]]?.string ?? ""
        case "spec.nodeName": return pod[path: ["spec", "nodeName"]]?.string ?? ""
        case "spec.serviceAccountName": return pod[path: ["spec", "serviceAccountName"]]?.string ?? ""
        case "status.hostIP", "status.hostIPs": return hostIP
        case "status.podIP", "status.podIPs": return podIP
        default: throw APIError.badRequest("unsupported fieldPath: \(path)")
        }
    }

    /// `limits.cpu`, `requests.memory` and friends, divided by the divisor (default 1), rounded up as upstream.
    static func resourceValue(_ ref: JSON, container: JSON) -> String? {
        guard let resource = ref["resource"]?.string else { return nil }
        let parts = resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        var quantity = container[path: ["resources", parts[0], parts[1]]].flatMap { try? Quantity(json: $0) }
        if quantity == nil, parts[0] == "requests" {
            quantity = container[path: ["resources", "limits", parts[1]]].flatMap { try? Quantity(json: $0) }
        }
        let divisor = ref["divisor"].flatMap { try? Quantity(json: $0) } ?? Quantity(1)
        guard let quantity, !divisor.isZero else {
            // Unset limits report the node's allocatable upstream; 0 would mislead, so say nothing.
            return nil
        }
        let q = quantity.nanos, d = divisor.nanos
        return String((q + d - 1) / d)
    }

    /// Upstream's `expansion.Expand`: `$(NAME)` becomes NAME's value when defined, `$$` escapes a `$`, and
    /// references to undefined names stay as written.
    public static func expand(_ input: String, with vars: [String: String]) -> String {
        var out = ""
        var i = input.startIndex
        while i < input.endIndex {
            let c = input[i]
            let next = input.index(after: i)
            if c == "$", next < input.endIndex {
                if input[next] == "$" { out.append("$"); i = input.index(after: next); continue }
                if input[next] == "(", let close = input[next...].firstIndex(of: ")") {
                    let name = String(input[input.index(after: next)..<close])
                    if let value = vars[name] { out += value } else { out += "$(\(name))" }
                    i = input.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = next
        }
        return out
    }
}
