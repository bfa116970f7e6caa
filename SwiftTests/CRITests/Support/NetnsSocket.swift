import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection opened inside a network namespace: a dedicated thread `setns(2)`s into
/// `/run/netns/<name>`, creates and connects the socket, and hands back the descriptor, which keeps its
/// namespace whatever thread uses it. This is how the kubelet reaches containerd's streaming server
/// (docs/nodes.md); the test uses it to speak to the exec URL.
final class NetnsSocket {
    let fd: Int32

    init(netnsPath: String, host: String, port: UInt16) async throws {
        fd = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try Self.connectInNamespace(netnsPath: netnsPath, host: host, port: port) })
            }
            thread.start()
        }
    }

    deinit { close(fd) }

    /// Runs on a thread that ends right after, so its changed namespace never serves anything else.
    private static func connectInNamespace(netnsPath: String, host: String, port: UInt16) throws -> Int32 {
        let ns = open(netnsPath, O_RDONLY | O_CLOEXEC)
        guard ns >= 0 else { throw FixtureError("open \(netnsPath): \(String(cString: strerror(errno)))") }
        defer { close(ns) }
        guard setns(ns, cloneNewNet) == 0 else { throw FixtureError("setns: \(String(cString: strerror(errno)))") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { close(fd); throw FixtureError("bad IPv4 address \(host)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw FixtureError("connect \(host):\(port): \(message)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// CLONE_NEWNET from <sched.h>. Glibc's Swift module exposes neither it nor setns(2) (both need
    /// _GNU_SOURCE), so setns is looked up in libc at run time.
    private static let cloneNewNet: Int32 = 0x4000_0000
    private static let setns: @convention(c) (Int32, Int32) -> Int32 = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else { fatalError("libc has no setns") }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    func write(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw FixtureError("write: \(String(cString: strerror(errno)))") }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Reads until the peer closes (or the 10 s receive timeout), at most `limit` bytes.
    func readToEnd(limit: Int = 1 << 20) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            result += buffer[0 ..< n]
        }
        return result
    }
}

/// The parts of a WebSocket (RFC 6455) exchange the test needs: the client handshake and the parsing
/// of the server's unmasked frames.
enum WebSocketProbe {
    static func handshake(path: String, host: String, subprotocol: String) -> String {
        let key = Data((0 ..< 16).map { _ in UInt8.random(in: 0 ... 255) }).base64EncodedString()
        return "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: \(subprotocol)\r\n\r\n"
    }

    /// Splits a response into its HTTP head and the bytes after it.
    static func splitHead(_ bytes: [UInt8]) -> (head: String, rest: [UInt8])? {
        let marker: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= marker.count else { return nil }
        for i in 0 ... bytes.count - marker.count where Array(bytes[i ..< i + marker.count]) == marker {
            return (String(decoding: bytes[..<i], as: UTF8.self), Array(bytes[(i + marker.count)...]))
        }
        return nil
    }

    /// Data frames (opcode 1 or 2) as payloads; stops at a close frame or a truncated frame.
    static func frames(_ bytes: [UInt8]) -> [[UInt8]] {
        var payloads: [[UInt8]] = []
        var i = 0
        while i + 2 <= bytes.count {
            let opcode = bytes[i] & 0x0F
            var length = Int(bytes[i + 1] & 0x7F)
            var start = i + 2
            if length == 126 {
                guard start + 2 <= bytes.count else { break }
                length = Int(bytes[start]) << 8 | Int(bytes[start + 1])
                start += 2
            } else if length == 127 {
                guard start + 8 <= bytes.count else { break }
                length = bytes[start ..< start + 8].reduce(0) { $0 << 8 | Int($1) }
                start += 8
            }
            guard start + length <= bytes.count else { break }
            if opcode == 8 { break }
            if opcode == 1 || opcode == 2 { payloads.append(Array(bytes[start ..< start + length])) }
            i = start + length
        }
        return payloads
    }
}
