import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sockets made inside a network namespace and used from outside it: a socket keeps the namespace it was
/// created in, so a relay in the root namespace (`skiff port-publisher`) can dial a node's address that only
/// the node's namespace routes. The socket is made and connected on a throwaway thread in the namespace
/// (`NetworkNamespace.run`) and its descriptor handed to the caller (for NIO's `withConnectedSocket` or
/// `withBoundSocket`).
extension NetworkNamespace {
    public enum SocketKind: Sendable {
        case stream, datagram
    }

    public struct SocketError: Error, Sendable, CustomStringConvertible {
        public var description: String
        /// The `errno` of the failed call, when one failed (ECONNREFUSED, ETIMEDOUT, ...).
        public var errorNumber: Int32? = nil
    }

    /// A socket of `kind` connected to the numeric IPv4 address `host:port` from inside `netnsPath` (the
    /// caller's namespace when nil). For a datagram socket, "connected" fixes its peer: replies from
    /// anywhere else are dropped by the kernel. The caller owns the descriptor. `connectTimeout` bounds a
    /// stream connect (SO_SNDTIMEO), so the throwaway thread never waits out the kernel's two minutes.
    public static func connectedSocket(netnsPath: String?, kind: SocketKind, host: String, port: Int,
                                       connectTimeout: Duration? = nil) async throws -> Int32 {
        try await run(in: netnsPath) {
            try connectIPv4OnThisThread(kind: kind, host: host, port: port, netnsPath: netnsPath, connectTimeout: connectTimeout)
        }
    }

    static func connectIPv4OnThisThread(kind: SocketKind, host: String, port: Int, netnsPath: String?,
                                        connectTimeout: Duration? = nil) throws -> Int32 {
        var address = sockaddr_in()
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1, (1...65535).contains(port) else {
            throw SocketError(description: "not a numeric IPv4 address and port: \(host):\(port)")
        }
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let type = kind == .stream ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(errnoText())", errorNumber: errno) }
        if let connectTimeout {
            let (seconds, attoseconds) = connectTimeout.components
            var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            // A connect cut short by SO_SNDTIMEO reports EINPROGRESS: to the caller, a timeout.
            let code = errno == EINPROGRESS ? ETIMEDOUT : errno
            let text = String(cString: strerror(code))
            close(fd)
            throw SocketError(description: "connect to \(host):\(port)\(netnsPath.map { " in \($0)" } ?? ""): \(text)", errorNumber: code)
        }
        return fd
    }
}

extension NetworkNamespace {
    /// A non-blocking TCP socket listening on the numeric IPv4 `host:port` (port 0: any free one), made inside
    /// `netnsPath` (the caller's namespace when nil), for NIO's `ServerBootstrap.withBoundSocket`. Servers that
    /// pods must reach (the Ingress controller) listen on a node address this way and stay in the root
    /// namespace themselves, where the API server is.
    public static func listeningSocket(netnsPath: String?, host: String, port: Int, backlog: Int32 = 1024) async throws -> Int32 {
        try await run(in: netnsPath) {
            var address = sockaddr_in()
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1, (0...65535).contains(port) else {
                throw SocketError(description: "not a numeric IPv4 address and port: \(host):\(port)")
            }
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SocketError(description: "socket: \(errnoText())", errorNumber: errno) }
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0, listen(fd, backlog) == 0 else {
                let code = errno
                close(fd)
                throw SocketError(description: "listen on \(host):\(port)\(netnsPath.map { " in \($0)" } ?? ""): \(String(cString: strerror(code)))", errorNumber: code)
            }
            return fd
        }
    }
}
