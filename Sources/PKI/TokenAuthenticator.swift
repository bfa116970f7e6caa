import Foundation

/// Static bearer tokens, as upstream's `--token-auth-file`: a CSV file with one `token,user,uid` record per
/// line and an optional fourth column of comma-separated groups, quoted when there is more than one:
///
///     31ada4fd-adec-460c-809a-9e56ceb75269,alice,1001,"system:masters,dev"
///
/// Parsing follows upstream's `tokenfile.NewCSV`: records need at least 3 columns (more than 4 are ignored),
/// a record with an empty token is skipped, a repeated token keeps its last record, and groups are the
/// fourth column split on commas as written (so an empty fourth column gives the one group "").
public struct TokenAuthenticator: Sendable {
    private let users: [(token: [UInt8], user: AuthenticatedUser)]

    /// One user per token; later duplicates replace earlier ones.
    public init(tokens: [(token: String, user: AuthenticatedUser)]) {
        var order: [String] = []
        var byToken: [String: AuthenticatedUser] = [:]
        for (token, user) in tokens where !token.isEmpty {
            if byToken.updateValue(user, forKey: token) == nil { order.append(token) }
        }
        users = order.map { (Array($0.utf8), byToken[$0]!) }
    }

    /// Parses token file text. `path` only appears in error messages, as upstream's do.
    public init(csv text: String, path: String = "") throws {
        let records = try CSVRecords.parse(text)
        var entries: [(token: String, user: AuthenticatedUser)] = []
        for record in records {
            guard record.count >= 3 else {
                throw TokenFileError(
                    "token file '\(path)' must have at least 3 columns (token, user name, user uid), found \(record.count)")
            }
            let groups = record.count >= 4 ? record[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            entries.append((record[0], AuthenticatedUser(name: record[1], uid: record[2], groups: groups)))
        }
        self.init(tokens: entries)
    }

    /// Reads a token file.
    public init(contentsOf url: URL) throws {
        try self.init(csv: SecureFile.readText(url), path: url.path)
    }

    /// How many distinct tokens are known.
    public var count: Int { users.count }

    /// The user the token belongs to, or nil. Every stored token is compared in constant time (as upstream
    /// does since it moved off a map lookup), so response timing does not reveal how much of a guess matched.
    public func authenticate(token: String) -> AuthenticatedUser? {
        guard !token.isEmpty else { return nil }
        let candidate = Array(token.utf8)
        var found: AuthenticatedUser?
        for entry in users where Self.constantTimeEqual(entry.token, candidate) {
            found = entry.user
        }
        return found
    }

    /// The user for an `Authorization` header value, when it is a bearer token this file knows.
    public func authenticate(authorizationHeader: String) -> AuthenticatedUser? {
        guard let token = BearerToken.token(fromAuthorizationHeader: authorizationHeader) else { return nil }
        return authenticate(token: token)
    }

    /// Byte equality whose running time depends only on the lengths.
    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// One token file line for the entry, quoting fields as Go's csv writer does (when they hold a comma,
    /// a quote, a line break, or start with a space), so `init(csv:)` reads it back unchanged.
    public static func csvLine(token: String, user: AuthenticatedUser) -> String {
        var fields = [token, user.name, user.uid]
        if !user.groups.isEmpty { fields.append(user.groups.joined(separator: ",")) }
        return fields.map(quoteIfNeeded).joined(separator: ",")
    }

    /// A fresh random token: 32 bytes from the system's cryptographic generator, hex encoded.
    public static func generateToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    private static func quoteIfNeeded(_ field: String) -> String {
        let needsQuotes =
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || field.first == " " || field.first == "\t"
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A token file that is readable CSV but not a valid token file.
public struct TokenFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Bearer tokens in `Authorization` headers, read as upstream's bearertoken authenticator reads them.
public enum BearerToken {
    /// The token of `Bearer <token>`: the header is trimmed, the scheme matched case-insensitively, and the
    /// token is what stands between the first and second single space. nil when the header is not a bearer
    /// header or the token is empty (upstream answers those with 401 too).
    public static func token(fromAuthorizationHeader header: String) -> String? {
        let trimmed = header.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1])
        return token.isEmpty ? nil : token
    }
}
