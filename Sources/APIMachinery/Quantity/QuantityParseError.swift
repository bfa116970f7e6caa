/// Why a string is not a quantity; the texts are upstream's `ErrFormatWrong`, `ErrNumeric` and `ErrSuffix`,
/// which clients see verbatim in validation errors. The only copy of them in Skiff.
public enum QuantityParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case formatWrong
    case numeric
    case suffix

    public var description: String {
        switch self {
        case .formatWrong:
            return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        case .numeric: return "unable to parse numeric part of quantity"
        case .suffix: return "unable to parse quantity's suffix"
        }
    }
}
