/// One validation failure at a field path, rendered as upstream's `field.Error`.
public struct FieldError: Sendable, Equatable, Error {
    public enum Kind: String, Sendable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case duplicate = "FieldValueDuplicate"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case notFound = "FieldValueNotFound"
        /// Strict field validation: a field the schema does not know.
        case unknownField = "FieldValueUnknownField"
    }

    public var kind: Kind
    /// Path as upstream prints it: `spec.containers[0].image`, `metadata.labels[app]`.
    public var field: String
    /// The offending value, shown after "Invalid value:" (already quoted as upstream does for strings).
    public var value: String?
    public var detail: String

    public init(_ kind: Kind, _ field: String, value: String? = nil, detail: String = "") {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field, detail: detail)
    }
    /// An invalid string value, quoted as upstream prints it.
    public static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: "\"\(value)\"", detail: detail)
    }
    public static func invalid(_ field: String, number value: Int64, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: String(value), detail: detail)
    }
    public static func notSupported(_ field: String, _ value: String, supported: [String]) -> FieldError {
        let list = supported.map { "\"\($0)\"" }.joined(separator: ", ")
        return FieldError(.notSupported, field, value: "\"\(value)\"", detail: "supported values: \(list)")
    }
    public static func duplicate(_ field: String, _ value: String) -> FieldError {
        FieldError(.duplicate, field, value: "\"\(value)\"")
    }
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, detail: detail)
    }

    /// Upstream's `ErrorType.String()`.
    var typeText: String {
        switch kind {
        case .required: return "Required value"
        case .invalid: return "Invalid value"
        case .notSupported: return "Unsupported value"
        case .duplicate: return "Duplicate value"
        case .forbidden: return "Forbidden"
        case .tooLong: return "Too long"
        case .tooMany: return "Too many"
        case .notFound: return "Not found"
        case .unknownField: return "Unknown field"
        }
    }

    /// `spec.containers[0].image: Required value` / `metadata.name: Invalid value: "A": detail`.
    public var message: String {
        var s = "\(field): \(typeText)"
        if let value, kind != .required, kind != .forbidden { s += ": \(value)" }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }

    /// The cause's message inside a Status (upstream omits the field there).
    public var causeMessage: String {
        var s = typeText
        if let value, kind != .required, kind != .forbidden { s += ": \(value)" }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }
}
