import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@_silgen_name("setns")
private func c_setns(_ fd: Int32, _ nstype: Int32) -> Int32

/// Connections into a node's network namespace (docs/nodes.md): containerd's streaming server listens on
/// 127.0.0.1 *inside* `/run/netns/skiff-N`, which the kubelet, living in the root namespace, cannot dial.
///
/// `setns(2)` changes the namespace of the calling thread only, so a dedicated thread enters the node's
/// namespace, creates and connects the socket there, and exits; the socket keeps the namespace it was
/// created in, and its descriptor is handed to NIO (`ClientBootstrap.withConnectedSocket`). No thread of
/// the kubelet's pools ever changes namespace.
public enum NetworkNamespace {
    public struct ConnectError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `CLONE_NEWNET` from <sched.h>.
    static let cloneNewNet: Int32 = 0x4000_0000

    /// Runs `body` on a fresh thread that first joins the namespace at `netnsPath` (or stays in the
    /// caller's namespace when it is nil); the thread, and its namespace membership, end with `body`.
    public static func run<T: Sendable>(in netnsPath: String?, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    if let netnsPath { try enterOnThisThread(netnsPath) }
                    return try body()
                })
            }
            thread.name = "skiff-netns"
            thread.start()
        }
    }

    /// A TCP socket connected to `host:port` (a numeric IPv4 or IPv6 address, or "localhost") from inside
    /// the namespace at `netnsPath`, or from the caller's namespace when it is nil. The caller owns the
    /// descriptor.
    public static func connectTCP(netnsPath: String?, host: String, port: Int) async throws -> Int32 {
        try await run(in: netnsPath) { try connectOnThisThread(netnsPath: netnsPath, host: host, port: port) }
    }

    /// Moves the calling thread into the namespace: only for threads made to be thrown away.
    static func enterOnThisThread(_ netnsPath: String) throws {
        let nsfd = open(netnsPath, O_RDONLY | O_CLOEXEC)
        guard nsfd >= 0 else { throw ConnectError(description: "cannot open network namespace \(netnsPath): \(errnoText())") }
        defer { close(nsfd) }
        guard c_setns(nsfd, cloneNewNet) == 0 else {
            throw ConnectError(description: "cannot enter network namespace \(netnsPath): \(errnoText())")
        }
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

    private final class ResultBox: @unchecked Sendable {
        // Written by the helper thread before it signals, read by the caller after waiting.
        var value: Result<Int32, Error>?
    }
}
