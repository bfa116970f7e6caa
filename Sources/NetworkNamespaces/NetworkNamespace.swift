import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@_silgen_name("setns")
private func c_setns(_ fd: Int32, _ nstype: Int32) -> Int32

/// Work inside a node's network namespace from a process that stays in the root one (docs/nodes.md).
///
/// `setns(2)` changes the namespace of the calling thread only, and a socket keeps the namespace it was
/// created in. So a throwaway thread joins the namespace, makes its sockets (or probes, or queries) there,
/// and ends; no thread of a pool ever changes namespace. The kubelet dials containerd's streaming server
/// and probes pods this way, and the cluster DNS binds its listening sockets this way.
public enum NetworkNamespace {
    public struct EnterError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `CLONE_NEWNET` from <sched.h> (Glibc's module map hides `setns` and its flags: they need _GNU_SOURCE).
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

    /// Moves the calling thread into the namespace: only for threads made to be thrown away.
    public static func enterOnThisThread(_ netnsPath: String) throws {
        let nsfd = open(netnsPath, O_RDONLY | O_CLOEXEC)
        guard nsfd >= 0 else { throw EnterError(description: "cannot open network namespace \(netnsPath): \(errnoText())") }
        defer { close(nsfd) }
        guard c_setns(nsfd, cloneNewNet) == 0 else {
            throw EnterError(description: "cannot enter network namespace \(netnsPath): \(errnoText())")
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
