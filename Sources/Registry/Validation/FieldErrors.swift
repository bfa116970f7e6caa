import APIMachinery

/// Constructors for upstream's `field.Error` kinds that render the bad value the way Go's
/// `field.Error.ErrorBody` does: strings with `%q`, integers bare, structs and slices with `%#v`
/// (callers pass those already rendered through `GoSyntax`).
extension FieldError {
    static func required(_ path: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, path.description, detail: detail)
    }

    /// Invalid string value, quoted as Go's `%q` quotes it.
    static func invalid(_ path: FieldPath, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, path.description, value: GoSyntax.quote(value), detail: detail)
    }

    /// Invalid integer value, printed bare (`Invalid value: -1`).
    static func invalid(_ path: FieldPath, int value: Int64, _ detail: String) -> FieldError {
        FieldError(.invalid, path.description, value: String(value), detail: detail)
    }

    /// Invalid value already rendered (Go `%#v` of a struct, a `Stringer`'s output, `true`).
    static func invalid(_ path: FieldPath, raw value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, path.description, value: value, detail: detail)
    }

    static func notSupported(_ path: FieldPath, _ value: String, _ supported: [String]) -> FieldError {
        notSupported(path, raw: GoSyntax.quote(value), supported)
    }

    static func notSupported(_ path: FieldPath, raw value: String, _ supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(GoSyntax.quote).joined(separator: ", ")
        return FieldError(.notSupported, path.description, value: value, detail: detail)
    }

    static func duplicate(_ path: FieldPath, _ value: String) -> FieldError {
        FieldError(.duplicate, path.description, value: GoSyntax.quote(value))
    }

    static func duplicate(_ path: FieldPath, raw value: String) -> FieldError {
        FieldError(.duplicate, path.description, value: value)
    }

    static func forbidden(_ path: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, path.description, detail: detail)
    }

    static func notFound(_ path: FieldPath, _ value: String) -> FieldError {
        FieldError(.notFound, path.description, value: GoSyntax.quote(value))
    }

    /// Upstream's `field.TooLong` (v1.32): the value is never shown.
    static func tooLong(_ path: FieldPath, maxBytes: Int) -> FieldError {
        FieldError(.tooLong, path.description, detail: "may not be more than \(maxBytes) \(maxBytes == 1 ? "byte" : "bytes")")
    }

    static func tooMany(_ path: FieldPath, actual: Int, max: Int) -> FieldError {
        FieldError(.tooMany, path.description, value: String(actual), detail: "must have at most \(max) items")
    }
}

/// Upstream's common detail strings.
enum Msg {
    static let isNegative = "must be greater than or equal to 0"
    static let immutable = "field is immutable"
    static let notPositive = "must be greater than zero"
    static let notInteger = "must be an integer"
    static let fileMode = "must be a number between 0 and 0777 (octal), both inclusive"
}

/// `ValidateNonnegativeField`.
func validateNonnegative(_ value: Int64, _ path: FieldPath) -> [FieldError] {
    value < 0 ? [.invalid(path, int: value, Msg.isNegative)] : []
}
