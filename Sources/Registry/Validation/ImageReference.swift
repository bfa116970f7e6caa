/// The tag part of a container image reference, as upstream's `parsers.ParseImageName` finds it for
/// defaulting `imagePullPolicy`: "latest" when neither tag nor digest is given, "" when the reference
/// does not parse (upstream ignores the error and then defaults to IfNotPresent).
func imageTag(_ image: String) -> String {
    var name = Substring(image)
    var digest: Substring = ""
    if let at = name.firstIndex(of: "@") {
        digest = name[name.index(after: at)...]
        name = name[..<at]
        guard isValidDigest(digest) else { return "" }
    }
    var tag: Substring = ""
    let lastSlash = name.lastIndex(of: "/")
    let searchStart = lastSlash.map { name.index(after: $0) } ?? name.startIndex
    if let colon = name[searchStart...].lastIndex(of: ":") {
        tag = name[name.index(after: colon)...]
        name = name[..<colon]
        guard isValidTag(tag) else { return "" }
    }
    guard isValidRepository(name) else { return "" }
    if tag.isEmpty && digest.isEmpty { return "latest" }
    return String(tag)
}

/// `imagePullPolicy` upstream defaults: Always for `:latest` (or no tag), IfNotPresent otherwise.
func defaultPullPolicy(for image: String) -> String {
    imageTag(image) == "latest" ? "Always" : "IfNotPresent"
}

private func isValidTag(_ t: Substring) -> Bool {
    let b = Array(t.utf8)
    func word(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
    guard let f = b.first, word(f), b.count <= 128 else { return false }
    return b.allSatisfy { word($0) || $0 == 0x2E || $0 == 0x2D }
}

private func isValidDigest(_ d: Substring) -> Bool {
    guard let colon = d.firstIndex(of: ":") else { return false }
    let algo = d[..<colon], hex = d[d.index(after: colon)...]
    guard let f = algo.utf8.first, (f >= 0x41 && f <= 0x5A) || (f >= 0x61 && f <= 0x7A) else { return false }
    return hex.count >= 32 && hex.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
}

/// Docker's reference grammar: an optional domain (with '.' or ':' or "localhost", or upper case)
/// then lower-case path components separated by '/'.
private func isValidRepository(_ name: Substring) -> Bool {
    var comps = name.split(separator: "/", omittingEmptySubsequences: false)
    guard !comps.isEmpty, name.utf8.count <= 255 else { return false }
    if comps.count > 1 {
        let first = comps[0]
        if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
            guard isValidDomain(first) else { return false }
            comps.removeFirst()
        }
    }
    return comps.allSatisfy(isValidPathComponent)
}

private func isValidDomain(_ d: Substring) -> Bool {
    let hostPort = d.split(separator: ":", omittingEmptySubsequences: false)
    guard hostPort.count <= 2 else { return false }
    if hostPort.count == 2 { guard !hostPort[1].isEmpty, hostPort[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false } }
    let labels = hostPort[0].split(separator: ".", omittingEmptySubsequences: false)
    return labels.allSatisfy { l in
        let b = Array(l.utf8)
        func an(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        guard let f = b.first, let la = b.last, an(f), an(la) else { return false }
        return b.allSatisfy { an($0) || $0 == 0x2D }
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`
private func isValidPathComponent(_ c: Substring) -> Bool {
    let b = Array(c.utf8)
    func an(_ x: UInt8) -> Bool { (x >= 0x30 && x <= 0x39) || (x >= 0x61 && x <= 0x7A) }
    guard let f = b.first, let l = b.last, an(f), an(l) else { return false }
    var i = 0
    while i < b.count {
        if an(b[i]) { i += 1; continue }
        // a separator run
        var j = i
        while j < b.count, !an(b[j]) { j += 1 }
        let sep = b[i..<j]
        let ok = sep.elementsEqual([0x2E]) || sep.elementsEqual([0x5F]) || sep.elementsEqual([0x5F, 0x5F]) || sep.allSatisfy { $0 == 0x2D }
        if !ok { return false }
        i = j
    }
    return true
}
