import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

import NetworkNamespaces

/// Connections into a node's network namespace: containerd's streaming server listens on 127.0.0.1
/// *inside* `/run/netns/skiff-N`, which the kubelet, living in the root namespace, cannot dial. The socket
/// is made on a throwaway thread inside the namespace and its descriptor handed to NIO
/// (`ClientBootstrap.withConnectedSocket`).
extension NetworkNamespace {
    public struct ConnectError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A TCP socket connected to `host:port` (a numeric IPv4 or IPv6 address, or "localhost") from inside
    /// the namespace at `netnsPath`, or from the caller's namespace when it is nil. The caller owns the
    /// descriptor.
    public static func connectTCP(netnsPath: String?, host: String, port: Int) async throws -> Int32 {
        try await run(in: netnsPath) { try connectOnThisThread(netnsPath: netnsPath, host: host, port: port) }
    }

    private static func connectOnThisThread(netnsPath: String?, host: String, port: Int) throws -> Int32 {
        let address = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, address, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
        } else if inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
        } else {
            throw ConnectError(description: "not a numeric address: \(host)")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ConnectError(description: "socket: \(errnoText())") }
        let rc: Int32
        if family == AF_INET {
            rc = withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            rc = withUnsafePointer(to: &v6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard rc == 0 else {
            let text = errnoText()
            close(fd)
            throw ConnectError(description: "connect to \(host):\(port)\(netnsPath.map { " in \($0)" } ?? ""): \(text)")
        }
        return fd
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
