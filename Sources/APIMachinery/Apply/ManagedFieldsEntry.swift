import Foundation

/// One entry of `metadata.managedFields`: which fields a manager set, how, in which version, when.
///
///     {"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": "2024-05-01T10:00:00Z",
///      "fieldsType": "FieldsV1", "fieldsV1": {...}, "subresource": "status"}
public struct ManagedFieldsEntry: Sendable, Hashable {
    public var manager: String
    /// "Apply" or "Update".
    public var operation: String
    public var apiVersion: String
    /// RFC 3339 to the second; absent when the entry was created by an apply that changed nothing.
    public var time: String?
    /// Nil for the main resource, else "status", "scale", ...
    public var subresource: String?
    public var fields: FieldSet

    public init(
        manager: String, operation: String, apiVersion: String, time: String? = nil, subresource: String? = nil,
        fields: FieldSet
    ) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource?.isEmpty == true ? nil : subresource
        self.fields = fields
    }

    public var isApply: Bool { operation == "Apply" }

    /// Reads one entry; `index` is its position, for upstream's messages.
    public init(json: JSON, index: Int = 0) throws(ManagedFieldsError) {
        guard case .object = json else { throw ManagedFieldsError("managed fields entry \(index) must be an object") }
        let operation = json["operation"]?.string ?? ""
        guard operation == "Apply" || operation == "Update" else {
            throw ManagedFieldsError("operation must be `Apply` or `Update`")
        }
        let apiVersion = json["apiVersion"]?.string ?? ""
        guard !apiVersion.isEmpty else { throw ManagedFieldsError("apiVersion must not be empty") }
        switch json["fieldsType"]?.string ?? "" {
        case "FieldsV1": break
        case "": throw ManagedFieldsError("missing fieldsType in managed fields entry \(index)")
        case let other: throw ManagedFieldsError("invalid fieldsType \(GoText.quote(other)) in managed fields entry \(index)")
        }
        let fields: FieldSet
        do {
            fields = try FieldSet(fieldsV1: json["fieldsV1"] ?? .object([:]))
        } catch {
            throw ManagedFieldsError("error decoding versioned set from entry \(index): error decoding set: \(error)")
        }
        self.init(
            manager: json["manager"]?.string ?? "", operation: operation, apiVersion: apiVersion,
            time: json["time"]?.string, subresource: json["subresource"]?.string, fields: fields)
    }

    /// The entry as stored in the object, fields in upstream's order.
    public var json: JSON {
        var o: [String: JSON] = [
            "operation": .string(operation), "apiVersion": .string(apiVersion),
            "fieldsType": "FieldsV1", "fieldsV1": fields.fieldsV1,
        ]
        if !manager.isEmpty { o["manager"] = .string(manager) }
        if let time { o["time"] = .string(time) }
        if let subresource { o["subresource"] = .string(subresource) }
        return .object(o)
    }

    /// Upstream's manager identifier: entries with the same identifier are the same manager. Appliers are
    /// identified without their version, so re-applying in another version replaces the entry.
    public var identifier: String {
        Self.identifier(manager: manager, operation: operation, apiVersion: isApply ? nil : apiVersion, subresource: subresource)
    }

    /// `BuildManagerIdentifier`: the entry's JSON without time and fields, in Go's field order.
    static func identifier(manager: String, operation: String, apiVersion: String?, subresource: String?) -> String {
        var s = "{"
        var first = true
        func add(_ key: String, _ value: String) {
            if !first { s += "," }
            first = false
            GoText.writeJSONString(key, into: &s)
            s += ":"
            GoText.writeJSONString(value, into: &s)
        }
        if !manager.isEmpty { add("manager", manager) }
        add("operation", operation)
        if let apiVersion, !apiVersion.isEmpty { add("apiVersion", apiVersion) }
        if let subresource, !subresource.isEmpty { add("subresource", subresource) }
        return s + "}"
    }

    /// How conflict messages name the manager (upstream's `printManager`): `"kubectl"` for an applier,
    /// `"kube-controller-manager" using apps/v1` for an updater, with `with subresource "status"` when set.
    public var conflictDescription: String {
        var s = GoText.quote(manager)
        if let subresource { s += " with subresource \(GoText.quote(subresource))" }
        if !isApply { s += " using \(apiVersion)" }
        return s
    }
}

/// `metadata.managedFields` that cannot be decoded.
public struct ManagedFieldsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The managed fields of an object, keyed by manager identifier.
struct ManagedFields {
    var entries: [String: ManagedFieldsEntry] = [:]

    init() {}

    /// Decodes `metadata.managedFields`; a missing or null list is empty.
    init(of object: JSON) throws(ManagedFieldsError) {
        guard let list = object[path: ["metadata", "managedFields"]], !list.isNull else { return }
        guard case .array(let items) = list else { throw ManagedFieldsError("managedFields must be a list") }
        for (i, item) in items.enumerated() {
            let entry = try ManagedFieldsEntry(json: item, index: i)
            entries[entry.identifier] = entry
        }
    }

    var isEmpty: Bool { entries.isEmpty }

    subscript(id: String) -> ManagedFieldsEntry? {
        get { entries[id] }
        set { entries[id] = newValue }
    }

    /// Every manager's fields together.
    var allFields: FieldSet { entries.values.reduce(FieldSet()) { $0.union($1.fields) } }

    mutating func removeEmpty() { entries = entries.filter { !$0.value.fields.isEmpty } }

    /// The list to store, sorted as upstream sorts it: Apply before Update, then oldest first, then by
    /// manager, version and subresource.
    var sortedEntries: [ManagedFieldsEntry] {
        entries.values.sorted { p, q in
            if p.operation != q.operation { return p.operation < q.operation }
            let (ps, qs) = (Self.seconds(p.time), Self.seconds(q.time))
            if ps != qs { return ps < qs }
            if p.manager != q.manager { return GoText.goLess(p.manager, q.manager) }
            if p.apiVersion != q.apiVersion { return GoText.goLess(p.apiVersion, q.apiVersion) }
            return GoText.goLess(p.subresource ?? "", q.subresource ?? "")
        }
    }

    /// Writes the entries into `object.metadata.managedFields`, removing the field when there are none.
    func encode(into object: inout JSON) {
        let list = sortedEntries
        if list.isEmpty {
            if object["metadata"]?.isObject == true { object[path: ["metadata", "managedFields"]] = nil }
        } else {
            object[path: ["metadata", "managedFields"]] = .array(list.map(\.json))
        }
    }

    /// Seconds since the epoch of an RFC 3339 time; 0 when absent or unreadable (as a nil time sorts).
    static func seconds(_ time: String?) -> Int64 {
        guard let time else { return 0 }
        return RFC3339.seconds(time) ?? 0
    }
}
