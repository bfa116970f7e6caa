import APIMachinery

// Upstream's string-format validators (k8s.io/apimachinery/pkg/util/validation), each returning the
// list of human-readable problems, empty when the value is valid. The messages are upstream's,
// character for character (including the double space RegexError puts before " or "), because
// clients print them verbatim.

let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
let dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
let dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
let dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
let dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
let dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
let qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
let qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
let labelValueFmt = "(" + qualifiedNameFmt + ")?"
let labelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
let configMapKeyFmt = "[-._a-zA-Z0-9]+"
let configMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"

public let dns1123LabelMaxLength = 63
public let dns1123SubdomainMaxLength = 253
public let dns1035LabelMaxLength = 63
public let qualifiedNameMaxLength = 63
public let labelValueMaxLength = 63

/// `MaxLenError`.
func maxLenError(_ length: Int) -> String { "must be no more than \(length) characters" }

/// `EmptyError`.
func emptyError() -> String { "must be non-empty" }

/// `InclusiveRangeError`.
func inclusiveRangeError(_ lo: Int64, _ hi: Int64) -> String { "must be between \(lo) and \(hi), inclusive" }

/// `RegexError`: the examples are joined exactly as upstream joins them ("'a',  or 'b', ").
func regexError(_ msg: String, _ fmt: String, _ examples: String...) -> String {
    if examples.isEmpty { return msg + " (regex used for validation is '" + fmt + "')" }
    var m = msg + " (e.g. "
    for (i, e) in examples.enumerated() {
        if i > 0 { m += " or " }
        m += "'" + e + "', "
    }
    return m + "regex used for validation is '" + fmt + "')"
}

// MARK: - Byte-level matchers (Go's regexp works on UTF-8 bytes; lengths are byte counts)

@inline(__always) private func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
@inline(__always) private func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 0x41 && c <= 0x5A) }
@inline(__always) private func isLowerAlpha(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
private func matchesDNS1123Label<C: BidirectionalCollection>(_ b: C) -> Bool where C.Element == UInt8 {
    guard let first = b.first, let last = b.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
    return b.allSatisfy { isLowerAlnum($0) || $0 == 0x2D }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
private func matchesDNS1123Subdomain(_ s: String) -> Bool {
    let parts = Array(s.utf8).split(separator: 0x2E, omittingEmptySubsequences: false)
    return !parts.isEmpty && parts.allSatisfy { matchesDNS1123Label($0) }
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
private func matchesQualifiedNamePart<C: BidirectionalCollection>(_ b: C) -> Bool where C.Element == UInt8 {
    guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
    return b.allSatisfy { isAlnum($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
}

// MARK: - Public validators

/// `IsDNS1123Label`: lower-case alphanumerics and '-', at most 63 characters (namespace names,
/// container names, port names of services).
public func isDNS1123Label(_ value: String) -> [String] {
    var errs: [String] = []
    let b = Array(value.utf8)
    if b.count > dns1123LabelMaxLength { errs.append(maxLenError(dns1123LabelMaxLength)) }
    if !matchesDNS1123Label(b) {
        if matchesDNS1123Subdomain(value) {
            errs.append("must not contain dots")
        } else {
            errs.append(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"))
        }
    }
    return errs
}

/// `IsDNS1123Subdomain`: dot-separated DNS-1123 labels, at most 253 characters (most object names).
public func isDNS1123Subdomain(_ value: String) -> [String] {
    var errs: [String] = []
    if value.utf8.count > dns1123SubdomainMaxLength { errs.append(maxLenError(dns1123SubdomainMaxLength)) }
    if !matchesDNS1123Subdomain(value) {
        errs.append(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"))
    }
    return errs
}

/// `IsDNS1035Label`: like a DNS-1123 label but starting with a letter (service names).
public func isDNS1035Label(_ value: String) -> [String] {
    var errs: [String] = []
    let b = Array(value.utf8)
    if b.count > dns1035LabelMaxLength { errs.append(maxLenError(dns1035LabelMaxLength)) }
    let ok = b.first.map(isLowerAlpha) == true && matchesDNS1123Label(b)
    if !ok { errs.append(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123")) }
    return errs
}

/// `IsQualifiedName`: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters
/// (label keys, annotation keys, finalizers).
public func isQualifiedName(_ value: String) -> [String] {
    var errs: [String] = []
    let parts = value.split(separator: "/", omittingEmptySubsequences: false)
    let name: Substring
    switch parts.count {
    case 1:
        name = parts[0]
    case 2:
        let prefix = String(parts[0])
        name = parts[1]
        if prefix.isEmpty {
            errs.append("prefix part " + emptyError())
        } else {
            errs += isDNS1123Subdomain(prefix).map { "prefix part " + $0 }
        }
    default:
        return ["a qualified name " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    }
    let nb = Array(name.utf8)
    if nb.isEmpty {
        errs.append("name part " + emptyError())
    } else if nb.count > qualifiedNameMaxLength {
        errs.append("name part " + maxLenError(qualifiedNameMaxLength))
    }
    if !matchesQualifiedNamePart(nb) {
        errs.append("name part " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"))
    }
    return errs
}

/// `IsValidLabelValue`: empty, or a qualified-name part of at most 63 characters.
public func isValidLabelValue(_ value: String) -> [String] {
    var errs: [String] = []
    let b = Array(value.utf8)
    if b.count > labelValueMaxLength { errs.append(maxLenError(labelValueMaxLength)) }
    if !b.isEmpty && !matchesQualifiedNamePart(b) {
        errs.append(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"))
    }
    return errs
}

/// `IsConfigMapKey`: keys of ConfigMap and Secret data.
public func isConfigMapKey(_ value: String) -> [String] {
    var errs: [String] = []
    let b = Array(value.utf8)
    if b.count > dns1123SubdomainMaxLength { errs.append(maxLenError(dns1123SubdomainMaxLength)) }
    let ok = !b.isEmpty && b.allSatisfy { isAlnum($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
    if !ok { errs.append(regexError(configMapKeyErrMsg, configMapKeyFmt, "key.name", "KEY_NAME", "key-name")) }
    errs += hasChDirPrefix(value)
    return errs
}

private func hasChDirPrefix(_ value: String) -> [String] {
    if value == "." { return ["must not be '.'"] }
    if value == ".." { return ["must not be '..'"] }
    if value.hasPrefix("..") { return ["must not start with '..'"] }
    return []
}

/// `IsValidPortNum`: 1-65535.
public func isValidPortNum(_ port: Int64) -> [String] {
    (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
}

/// `IsValidPortName` (IANA service names): at most 15 characters, `[-a-z0-9]`, at least one letter,
/// no leading/trailing or doubled hyphens.
public func isValidPortName(_ port: String) -> [String] {
    var errs: [String] = []
    let b = Array(port.utf8)
    if b.count > 15 { errs.append(maxLenError(15)) }
    if b.isEmpty || !b.allSatisfy({ isLowerAlnum($0) || $0 == 0x2D }) {
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    }
    if !b.contains(where: isLowerAlpha) { errs.append("must contain at least one letter (a-z)") }
    if port.contains("--") { errs.append("must not contain consecutive hyphens") }
    if let f = b.first, let l = b.last, f == 0x2D || l == 0x2D { errs.append("must not begin or end with a hyphen") }
    return errs
}

/// `IsValidPercent`: `^[0-9]+%$`.
public func isValidPercent(_ value: String) -> [String] {
    let b = Array(value.utf8)
    let ok = b.count >= 2 && b.last == 0x25 && b.dropLast().allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    return ok ? [] : [regexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")]
}

/// `IsRelaxedEnvVarName` (RelaxedEnvironmentVariableValidation is on by default in v1.32): any
/// printable ASCII character but '='.
public func isRelaxedEnvVarName(_ value: String) -> [String] {
    var errs: [String] = []
    if value.isEmpty { errs.append("environment variable name " + emptyError()) }
    for s in value.unicodeScalars where s.value > 0x7E || s.value < 0x20 || s == "=" {
        errs.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
        break
    }
    return errs
}

/// `IsHTTPHeaderName`: `^[-A-Za-z0-9]+$`.
public func isHTTPHeaderName(_ value: String) -> [String] {
    let b = Array(value.utf8)
    let ok = !b.isEmpty && b.allSatisfy { isAlnum($0) || $0 == 0x2D }
    return ok ? [] : [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", "X-Header-Name")]
}

/// `IsValidPathSegmentName`: what every object name must be to fit in a URL path.
public func isValidPathSegmentName(_ name: String) -> [String] {
    for bad in [".", ".."] where name == bad { return ["may not be '\(bad)'"] }
    return ["/", "%"].filter { name.contains($0) }.map { "may not contain '\($0)'" }
}

/// `IsValidUserID` / `IsValidGroupID`: 0 to 2^32-1.
public func isValidUnixID(_ id: Int64) -> [String] {
    (0...0xFFFF_FFFF).contains(id) ? [] : [inclusiveRangeError(0, 0xFFFF_FFFF)]
}

/// Upstream's `maskTrailingDash`, applied to `generateName` before validating it as a name. It drops
/// the last two characters and appends "a" (an upstream quirk kept so the same prefixes pass).
func maskTrailingDash(_ name: String) -> String {
    guard name.utf8.count > 1, name.hasSuffix("-") else { return name }
    return String(name.dropLast(2)) + "a"
}
