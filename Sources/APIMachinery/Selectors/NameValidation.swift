/// Upstream's `k8s.io/apimachinery/pkg/util/validation` checks for label keys, label values and DNS
/// subdomains, with their exact messages (selectors and metadata validation show them to clients).
public enum NameValidation {
    static let qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let qualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    public static let qualifiedNameMaxLength = 63
    public static let labelValueMaxLength = 63
    public static let dns1123SubdomainMaxLength = 253
    static let labelValueFormat = "(" + qualifiedNameFormat + ")?"
    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFormat = dns1123LabelFormat + "(\\." + dns1123LabelFormat + ")*"
    static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"

    /// `IsQualifiedName`: a label key (or annotation key): `[prefix/]name`. Empty when valid.
    public static func qualifiedNameErrors(_ value: String) -> [String] {
        var errs: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part " + emptyError)
            } else {
                errs += dns1123SubdomainErrors(prefix).map { "prefix part " + $0 }
            }
        default:
            return ["a qualified name "
                + regexError(qualifiedNameMessage, qualifiedNameFormat, ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errs.append("name part " + emptyError)
        } else if name.utf8.count > qualifiedNameMaxLength {
            errs.append("name part " + maxLenError(qualifiedNameMaxLength))
        }
        if !isQualifiedNamePart(name) {
            errs.append("name part " + regexError(qualifiedNameMessage, qualifiedNameFormat, ["MyName", "my.name", "123-abc"]))
        }
        return errs
    }

    /// `IsValidLabelValue`: empty, or a qualified name part of at most 63 characters. Empty when valid.
    public static func labelValueErrors(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > labelValueMaxLength {
            errs.append(maxLenError(labelValueMaxLength))
        }
        if !value.isEmpty && !isQualifiedNamePart(value) {
            errs.append(regexError(labelValueMessage, labelValueFormat, ["MyValue", "my_value", "12345"]))
        }
        return errs
    }

    /// `IsDNS1123Subdomain`. Empty when valid.
    public static func dns1123SubdomainErrors(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength {
            errs.append(maxLenError(dns1123SubdomainMaxLength))
        }
        if !isDNS1123Subdomain(value) {
            errs.append(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, ["example.com"]))
        }
        return errs
    }

    static let emptyError = "must be non-empty"

    static func maxLenError(_ length: Int) -> String { "must be no more than \(length) characters" }

    /// Upstream's `RegexError`, including its doubled spaces ("'MyName',  or 'my.name'").
    static func regexError(_ message: String, _ format: String, _ examples: [String]) -> String {
        if examples.isEmpty { return message + " (regex used for validation is '" + format + "')" }
        var msg = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { msg += " or " }
            msg += "'" + example + "', "
        }
        return msg + "regex used for validation is '" + format + "')"
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
    static func isQualifiedNamePart(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
    static func isDNS1123Subdomain(_ s: String) -> Bool {
        if s.isEmpty { return false }
        func lowerAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7A) }
        for label in s.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last, lowerAlnum(first), lowerAlnum(last) else { return false }
            if !label.allSatisfy({ lowerAlnum($0) || $0 == UInt8(ascii: "-") }) { return false }
        }
        return true
    }
}
