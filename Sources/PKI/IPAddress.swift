#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address as it goes into an `iPAddress` subject alternative name: 4 bytes for IPv4, 16 for IPv6.
///
/// Text is parsed with the C library's `inet_pton`, not by hand. An IPv4-mapped IPv6 address
/// (`::ffff:10.0.0.1`) is stored as its 4 IPv4 bytes, as Go's crypto/x509 writes it, so that a client
/// dialling the IPv4 address matches it.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses dotted IPv4 (`10.96.0.1`) or IPv6 (`fd00::1`) text; throws `PKIError.invalidIPAddress` otherwise.
    public init(_ text: String) throws(PKIError) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let raw = withUnsafeBytes(of: &v6) { Array($0) }
            let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
            bytes = Array(raw.prefix(12)) == mappedPrefix ? Array(raw.suffix(4)) : raw
            return
        }
        throw .invalidIPAddress(text)
    }

    /// Wraps the raw bytes of a SAN entry; nil unless there are exactly 4 or 16.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// The conventional text form (`inet_ntop`): `10.96.0.1`, `fd00::1`.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return bytes.map(String.init).joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
