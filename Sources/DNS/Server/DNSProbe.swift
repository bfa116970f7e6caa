import NetworkNamespaces
import Foundation

/// Asks a DNS server one question over UDP, optionally from inside a network namespace (a throwaway thread
/// joins it, as `SocketBinder` does): how tests and health checks reach a server listening in a node's
/// namespace.
public enum DNSProbe {
    public struct Timeout: Error, CustomStringConvertible, Sendable {
        public var description: String { "no answer in time" }
    }

    public static func query(_ message: DNSMessage, server: ListenAddress, timeoutMilliseconds: Int = 2000,
                             netnsPath: String? = nil) async throws -> DNSMessage {
        let packet = try message.encode()
        let id = message.header.id
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<DNSMessage, Error>) in
            let thread = Thread {
                c.resume(with: Result {
                    let work = {
                        let socket = try BlockingUDPSocket(server: server, timeoutMilliseconds: timeoutMilliseconds)
                        guard socket.send(packet) else { throw Timeout() }
                        var buffer = [UInt8](repeating: 0, count: 65535)
                        while true {
                            guard let n = socket.receive(into: &buffer) else { throw Timeout() }
                            if let m = try? DNSMessage(decoding: Array(buffer[0..<n])), m.header.id == id { return m }
                        }
                    }
                    if let netnsPath { try NetworkNamespace.enterOnThisThread(netnsPath) }
                    return try work()
                })
            }
            thread.name = "dns-probe"
            thread.start()
        }
    }
}
