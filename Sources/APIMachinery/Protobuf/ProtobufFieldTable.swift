import Foundation

/// Scalar protobuf types a Kubernetes message field can have.
enum ProtobufScalar: String, Sendable {
    case int32, int64, uint32, uint64, sint32, sint64
    case fixed32, fixed64, sfixed32, sfixed64
    case bool, string, bytes, double, float

    /// The wire type a single value of this type is written with.
    var wireType: ProtobufWireType {
        switch self {
        case .fixed64, .sfixed64, .double: return .fixed64
        case .fixed32, .sfixed32, .float: return .fixed32
        case .string, .bytes: return .lengthDelimited
        default: return .varint
        }
    }
}

/// What a field holds: a scalar, a message (by fully-qualified name), or a map of scalar keys.
indirect enum ProtobufFieldType: Sendable {
    case scalar(ProtobufScalar)
    case message(String)
    case map(key: ProtobufScalar, value: ProtobufFieldType)
}

/// One field of a message: its wire facts from the descriptor and the Go struct facts that decide how
/// encoding/json would print it (see scripts/gen-protobuf-fields.py).
struct ProtobufField: Sendable {
    let number: Int
    /// The JSON name; empty for an inlined embedded struct.
    let jsonName: String
    let type: ProtobufFieldType
    let repeated: Bool
    /// `json:",omitempty"`: a zero scalar, nil pointer, empty slice or map is left out.
    let omitempty: Bool
    /// The Go field is a pointer: on the wire only when set, so a zero value on the wire is kept.
    let pointer: Bool
    /// An embedded struct that encoding/json flattens into its parent (Volume.VolumeSource).
    let inline: Bool
}

/// Messages whose Go types marshal to JSON by hand rather than field by field.
enum ProtobufSpecial: String, Sendable {
    case time, microTime, duration, quantity, intOrString, rawExtension, fieldsV1
    /// A Go named slice type (meta/v1 Verbs) whose message wraps the list in field 1 `items`.
    case items
}

struct ProtobufMessage: Sendable {
    let name: String
    /// The Go type embeds TypeMeta: a kind a client can send as a body, not a part of one.
    let isKind: Bool
    let special: ProtobufSpecial?
    /// Sorted by field number.
    let fields: [ProtobufField]
    private let indexByNumber: [Int: Int]

    init(name: String, isKind: Bool = false, special: ProtobufSpecial? = nil, fields: [ProtobufField]) {
        self.name = name
        self.isKind = isKind
        self.special = special
        self.fields = fields.sorted { $0.number < $1.number }
        var index: [Int: Int] = [:]
        for (i, f) in self.fields.enumerated() { index[f.number] = i }
        indexByNumber = index
    }

    func field(_ number: Int) -> ProtobufField? {
        indexByNumber[number].map { fields[$0] }
    }

    /// The short name used in error messages ("ObjectMeta").
    var shortName: String { String(name.split(separator: ".").last ?? Substring(name)) }
}

/// The protobuf messages of the API groups Skiff serves, loaded from `Resources/protobuf-fields.json`
/// (generated from the kubectl 1.32 binary by scripts/gen-protobuf-fields.py).
final class ProtobufFieldTable: Sendable {
    /// apiVersion ("v1", "apps/v1") → proto package ("k8s.io.api.core.v1").
    let packages: [String: String]
    let messages: [String: ProtobufMessage]

    static let metaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1"
    /// meta/v1 kinds upstream registers in every group version (metav1.AddToGroupVersion) or as unversioned.
    static let metaKindsInEveryVersion: Set<String> = [
        "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions", "GetOptions", "ListOptions", "Status",
    ]

    init(packages: [String: String], messages: [ProtobufMessage]) {
        self.packages = packages
        self.messages = Dictionary(messages.map { ($0.name, $0) }, uniquingKeysWith: { _, b in b })
    }

    /// Parses the generated table. Throws when the document does not have the generator's shape.
    convenience init(document data: Data) throws {
        let doc = try JSON.parse(data)
        guard let packages = doc["packages"]?.object, let messages = doc["messages"]?.object else {
            throw KubeProtobufError("protobuf field table: missing packages or messages")
        }
        var parsed: [ProtobufMessage] = []
        for (name, entry) in messages {
            var special: ProtobufSpecial?
            if let s = entry["special"]?.string {
                guard let sp = ProtobufSpecial(rawValue: s) else {
                    throw KubeProtobufError("protobuf field table: \(name): unknown special \(s)")
                }
                special = sp
            }
            var fields: [ProtobufField] = []
            for (number, f) in entry["fields"]?.object ?? [:] {
                guard let n = Int(number) else { throw KubeProtobufError("protobuf field table: \(name): field \(number)") }
                fields.append(try Self.field(number: n, f, in: name))
            }
            parsed.append(ProtobufMessage(name: name, isKind: entry["kind"]?.bool ?? false, special: special, fields: fields))
        }
        self.init(packages: packages.compactMapValues(\.string), messages: parsed)
    }

    private static func field(number: Int, _ f: JSON, in message: String) throws -> ProtobufField {
        func scalar(_ s: String?) throws -> ProtobufScalar {
            guard let s, let t = ProtobufScalar(rawValue: s) else {
                throw KubeProtobufError("protobuf field table: \(message).\(number): unknown type \(s ?? "nil")")
            }
            return t
        }
        let type: ProtobufFieldType
        switch f["type"]?.string {
        case "message":
            guard let m = f["message"]?.string else { throw KubeProtobufError("protobuf field table: \(message).\(number): no message") }
            type = .message(m)
        case "map":
            let key = try scalar(f["key"]?.string)
            if f["value"]?.string == "message" {
                guard let m = f["valueMessage"]?.string else { throw KubeProtobufError("protobuf field table: \(message).\(number): no valueMessage") }
                type = .map(key: key, value: .message(m))
            } else {
                type = .map(key: key, value: .scalar(try scalar(f["value"]?.string)))
            }
        case let s:
            type = .scalar(try scalar(s))
        }
        return ProtobufField(
            number: number, jsonName: f["name"]?.string ?? "", type: type,
            repeated: f["repeated"]?.bool ?? false, omitempty: f["omitempty"]?.bool ?? false,
            pointer: f["pointer"]?.bool ?? false, inline: f["inline"]?.bool ?? false)
    }

    /// The table bundled with Skiff, or the error that kept it from loading.
    static let bundled: Result<ProtobufFieldTable, KubeProtobufError> = {
        guard let data = try? bundledResource("protobuf-fields", withExtension: "json") else {
            return .failure(KubeProtobufError("protobuf field table is not bundled (Resources/protobuf-fields.json)"))
        }
        do {
            return .success(try ProtobufFieldTable(document: data))
        } catch let e as KubeProtobufError {
            return .failure(e)
        } catch {
            return .failure(KubeProtobufError("protobuf field table: \(error)"))
        }
    }()

    /// The message for an apiVersion and kind, e.g. ("apps/v1", "Deployment") → k8s.io.api.apps.v1.Deployment.
    func message(apiVersion: String, kind: String) -> ProtobufMessage? {
        guard let package = packages[apiVersion] else { return nil }
        if let m = messages[package + "." + kind], m.isKind { return m }
        if Self.metaKindsInEveryVersion.contains(kind), let m = messages[Self.metaPackage + "." + kind], m.isKind { return m }
        return nil
    }
}
