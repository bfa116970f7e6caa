#if canImport(Glibc)
import Glibc
#endif
import Foundation

import NetworkNamespaces

/// Creates the server's listening sockets, optionally inside a network namespace.
///
/// Pods reach only addresses inside the node namespaces (docs/nodes.md), while the DNS process must stay in
/// the root namespace to reach the API server on loopback. A socket belongs to the namespace it was created
/// in, whichever namespace its process later runs in, so a dedicated thread joins the namespace
/// (`setns(2)` with CLONE_NEWNET changes only the calling thread), creates and binds both sockets, and
/// exits; the descriptors are then handed to NIO. No other thread ever runs in the namespace.
public enum SocketBinder {
    public struct BindError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Bound UDP and TCP (listening) sockets on the same address and port, non-blocking, close-on-exec.
    public struct Sockets: Sendable {
        public var udp: CInt
        public var tcp: CInt
        /// The port actually bound (differs from the requested one when that was 0).
        public var port: UInt16
    }

    /// Binds UDP and TCP on `address`; inside the namespace at `netnsPath` (e.g. `/run/netns/skiff-N`)
    /// when given. With port 0, both get the same ephemeral port.
    public static func bind(_ address: ListenAddress, netnsPath: String?) async throws -> Sockets {
        guard let netnsPath else { return try bindBoth(address) }
        return try await NetworkNamespace.run(in: netnsPath) { try bindBoth(address) }
    }

    static func bindBoth(_ address: ListenAddress) throws -> Sockets {
        // An ephemeral UDP port may be taken for TCP; try a few.
        var lastError: Error?
        for _ in 0..<(address.port == 0 ? 8 : 1) {
            let udp = try makeSocket(address, type: SOCK_DGRAM)
            do {
                let port = try boundPort(udp)
                var tcpAddress = address
                tcpAddress.port = port
                let tcp = try makeSocket(tcpAddress, type: SOCK_STREAM)
                return Sockets(udp: udp, tcp: tcp, port: port)
            } catch {
                close(udp)
                lastError = error
            }
        }
        throw lastError ?? BindError(description: "bind \(address) failed")
    }

    static func makeSocket(_ address: ListenAddress, type: __socket_type) throws -> CInt {
        let family: CInt
        switch address.ip {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        }
        let fd = socket(family, CInt(type.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BindError(description: "socket: \(String(cString: strerror(errno)))") }
        var one: CInt = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        if family == AF_INET6 { setsockopt(fd, CInt(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<CInt>.size)) }
        let rc: CInt
        switch address.ip {
        case .v4(let a):
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = address.port.bigEndian
            let b = a.array
            sa.sin_addr.s_addr = (UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])).bigEndian
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        case .v6(let a):
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = address.port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { raw in for i in 0..<16 { raw[i] = a.bytes[i] } }
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw BindError(description: "bind \(address): \(String(cString: strerror(e)))")
        }
        if type == SOCK_STREAM {
            guard listen(fd, 128) == 0 else {
                let e = errno
                close(fd)
                throw BindError(description: "listen \(address): \(String(cString: strerror(e)))")
            }
        }
        return fd
    }

    static func boundPort(_ fd: CInt) throws -> UInt16 {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard rc == 0 else { throw BindError(description: "getsockname: \(String(cString: strerror(errno)))") }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { p in
            if family == sa_family_t(AF_INET6) {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }
}
