import APIMachinery
import Foundation
import PKI

/// An event as one line of upstream's JSON audit log: the fields in `audit.k8s.io/v1` declaration order,
/// empty optional fields left out, `&`, `<` and `>` escaped as Go's encoder escapes them (so a line greps
/// the same as one from a kube-apiserver), ended by a newline.
extension AuditEvent {
    public func jsonLine() -> [UInt8] {
        var w = OrderedJSON()
        w.open()
        w.field("kind", "Event")
        w.field("apiVersion", "audit.k8s.io/v1")
        w.field("level", level.rawValue)
        w.field("auditID", auditID)
        w.field("stage", stage.rawValue)
        w.field("requestURI", requestURI)
        w.field("verb", verb)
        w.key("user")
        Self.write(user, into: &w)
        if let impersonatedUser {
            w.key("impersonatedUser")
            Self.write(impersonatedUser, into: &w)
        }
        if !sourceIPs.isEmpty {
            w.key("sourceIPs")
            w.strings(sourceIPs)
        }
        w.field("userAgent", userAgent, omitEmpty: true)
        if let objectRef {
            w.key("objectRef")
            w.open()
            w.field("resource", objectRef.resource, omitEmpty: true)
            w.field("namespace", objectRef.namespace, omitEmpty: true)
            w.field("name", objectRef.name, omitEmpty: true)
            w.field("uid", objectRef.uid, omitEmpty: true)
            w.field("apiGroup", objectRef.apiGroup, omitEmpty: true)
            w.field("apiVersion", objectRef.apiVersion, omitEmpty: true)
            w.field("resourceVersion", objectRef.resourceVersion, omitEmpty: true)
            w.field("subresource", objectRef.subresource, omitEmpty: true)
            w.close()
        }
        if let responseStatus {
            w.key("responseStatus")
            Self.write(responseStatus, into: &w)
        }
        if let requestObject {
            w.key("requestObject")
            w.raw(requestObject.serialized())
        }
        if let responseObject {
            w.key("responseObject")
            w.raw(responseObject.serialized())
        }
        w.field("requestReceivedTimestamp", RFC3339.microTime(requestReceivedTimestamp))
        w.field("stageTimestamp", RFC3339.microTime(stageTimestamp))
        if !annotations.isEmpty {
            w.key("annotations")
            w.open()
            for (k, v) in annotations.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) { w.field(k, v) }
            w.close()
        }
        w.close()
        w.bytes.append(0x0A)
        return w.bytes
    }

    /// authentication/v1 `UserInfo`: every field left out when empty.
    private static func write(_ user: AuthenticatedUser, into w: inout OrderedJSON) {
        w.open()
        w.field("username", user.name, omitEmpty: true)
        w.field("uid", user.uid, omitEmpty: true)
        if !user.groups.isEmpty {
            w.key("groups")
            w.strings(user.groups)
        }
        if !user.extra.isEmpty {
            w.key("extra")
            w.open()
            for (k, v) in user.extra.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
                w.key(k)
                w.strings(v)
            }
            w.close()
        }
        w.close()
    }

    /// meta/v1 `Status` as the audit filter copies it: `metadata` always (an empty ListMeta), then status,
    /// message, reason, details and code.
    private static func write(_ s: ResponseStatus, into w: inout OrderedJSON) {
        w.open()
        w.key("metadata")
        w.raw(Array("{}".utf8))
        w.field("status", s.status, omitEmpty: true)
        w.field("message", s.message, omitEmpty: true)
        w.field("reason", s.reason, omitEmpty: true)
        if let details = s.details {
            w.key("details")
            writeDetails(details, into: &w)
        }
        w.key("code")
        w.raw(Array(String(s.code).utf8))
        w.close()
    }

    /// meta/v1 `StatusDetails` in declaration order (name, group, kind, uid, causes, retryAfterSeconds);
    /// each cause as reason, message, field.
    private static func writeDetails(_ d: JSON, into w: inout OrderedJSON) {
        w.open()
        for k in ["name", "group", "kind", "uid"] {
            if let s = d[k]?.string { w.field(k, s, omitEmpty: true) }
        }
        if case .array(let causes)? = d["causes"], !causes.isEmpty {
            w.key("causes")
            w.bytes.append(UInt8(ascii: "["))
            for (i, c) in causes.enumerated() {
                if i > 0 { w.bytes.append(UInt8(ascii: ",")) }
                w.open()
                for k in ["reason", "message", "field"] {
                    if let s = c[k]?.string { w.field(k, s, omitEmpty: true) }
                }
                w.close()
            }
            w.bytes.append(UInt8(ascii: "]"))
        }
        if let n = d["retryAfterSeconds"]?.int, n != 0 {
            w.key("retryAfterSeconds")
            w.raw(Array(String(n).utf8))
        }
        w.close()
    }
}

/// A JSON object writer that keeps fields in the order they are written (the value model's objects are
/// dictionaries) and escapes as Go's encoder with HTML escaping on.
struct OrderedJSON {
    var bytes: [UInt8] = []
    /// Whether the innermost open object has a member yet (a comma goes before the next one).
    private var hasMember: [Bool] = []

    init() { bytes.reserveCapacity(512) }

    mutating func open() {
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
    }

    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        hasMember.removeLast()
    }

    mutating func key(_ k: String) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ k: String, _ v: String, omitEmpty: Bool = false) {
        if omitEmpty && v.isEmpty { return }
        key(k)
        string(v)
    }

    mutating func strings(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(v)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Already-serialized JSON (a nested object); its `&`, `<`, `>` are escaped too, as Go escapes the
    /// raw messages it embeds. Outside strings those bytes cannot occur in JSON, so escaping them
    /// everywhere is escaping them in strings.
    mutating func raw(_ json: some Sequence<UInt8>) {
        for b in json { appendEscapingHTML(b) }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), b])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), b])
            case 0x0A: bytes.append(contentsOf: Array("\\n".utf8))
            case 0x0D: bytes.append(contentsOf: Array("\\r".utf8))
            case 0x09: bytes.append(contentsOf: Array("\\t".utf8))
            case 0..<0x20: bytes.append(contentsOf: Array(String(format: "\\u%04x", Int(b)).utf8))
            default: appendEscapingHTML(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscapingHTML(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "&"): bytes.append(contentsOf: Array("\\u0026".utf8))
        case UInt8(ascii: "<"): bytes.append(contentsOf: Array("\\u003c".utf8))
        case UInt8(ascii: ">"): bytes.append(contentsOf: Array("\\u003e".utf8))
        default: bytes.append(b)
        }
    }
}
