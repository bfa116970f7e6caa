import Foundation
import NetworkNamespaces
#if canImport(Glibc)
import Glibc
#endif

/// httpGet and tcpSocket probes against a pod address. Pod addresses live inside the node's network
/// namespace while the kubelet runs in the root one, so each probe runs on a short-lived thread that
/// first joins the node's namespace (`setns` changes only the calling thread), then connects there. The
/// thread ends with the probe, taking its namespace membership with it.
struct NetworkProber: Sendable {
    /// `/run/netns/skiff-N`, or nil to probe from the kubelet's own namespace.
    let networkNamespace: String?

    /// Succeeds when a connection is accepted within the timeout.
    func tcpConnect(host: String, port: Int, timeout: Duration) async -> ProbeResult {
        await onNamespaceThread { deadline in
            switch Self.connect(host: host, port: port, deadline: deadline) {
            case .success(let fd):
                close(fd)
                return .success
            case .failure(let error):
                return .failure(error.description)
            }
        }(timeout)
    }

    /// Succeeds on an HTTP status from 200 to 399, as upstream's prober; fails with Go's messages
    /// (`HTTP probe failed with statuscode: 404`, `Get "http://...": dial tcp ...: connect: connection refused`).
    func httpGet(host: String, port: Int, path: String, timeout: Duration) async -> ProbeResult {
        let target = path.hasPrefix("/") ? path : "/" + path
        let url = "http://\(host):\(port)\(target)"
        return await onNamespaceThread { deadline in
            let fd: Int32
            switch Self.connect(host: host, port: port, deadline: deadline) {
            case .success(let connected): fd = connected
            case .failure(let error):
                if case .timedOut = error { return .failure(Self.awaitingHeaders(url)) }
                return .failure("Get \"\(url)\": \(error)")
            }
            defer { close(fd) }
            let request = "GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n\r\n"
            let sent = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return .failure("Get \"\(url)\": write: broken pipe") }
            // Only the status line matters: "HTTP/1.1 200 OK".
            var buffer = [UInt8](repeating: 0, count: 64)
            var got = 0
            while got < 12 {
                guard Self.wait(fd, events: Int16(POLLIN), deadline: deadline) else { return .failure(Self.awaitingHeaders(url)) }
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, 64 - got, 0) }
                if n <= 0 { break }
                got += n
            }
            let line = String(decoding: buffer[0..<got], as: UTF8.self)
            let parts = line.split(separator: " ")
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
                return .failure("Get \"\(url)\": net/http: HTTP/1.x transport connection broken: malformed HTTP response")
            }
            return (200..<400).contains(code) ? .success : .failure("HTTP probe failed with statuscode: \(code)")
        }(timeout)
    }

    static func awaitingHeaders(_ url: String) -> String {
        "Get \"\(url)\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    }

    /// Runs `body` on a fresh thread inside the namespace, with an absolute deadline.
    private func onNamespaceThread(_ body: @escaping @Sendable (ContinuousClock.Instant) -> ProbeResult) -> @Sendable (Duration) async -> ProbeResult {
        let netns = networkNamespace
        return { timeout in
            do {
                return try await NetworkNamespace.run(in: netns) { body(.now + timeout) }
            } catch {
                return .failure("\(error)")
            }
        }
    }

    /// Why a connection could not be made, worded as Go's `net.Dial` error.
    enum DialError: Error, CustomStringConvertible {
        case timedOut(address: String)
        case failed(address: String, errno: Int32)
        case badAddress(String)

        var description: String {
            switch self {
            case .timedOut(let address): "dial tcp \(address): i/o timeout"
            case .failed(let address, let code): "dial tcp \(address): connect: \(String(cString: strerror(code)).lowercased())"
            case .badAddress(let host): "dial tcp: lookup \(host): no such host"
            }
        }
    }

    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) -> Result<Int32, DialError> {
        let address = "\(host):\(port)"
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { return .failure(.badAddress(host)) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.failed(address: address, errno: errno)) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 && errno != EINPROGRESS {
            let code = errno
            close(fd)
            return .failure(.failed(address: address, errno: code))
        }
        guard wait(fd, events: Int16(POLLOUT), deadline: deadline) else { close(fd); return .failure(.timedOut(address: address)) }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        if err != 0 { close(fd); return .failure(.failed(address: address, errno: err)) }
        return .success(fd)
    }

    static func wait(_ fd: Int32, events: Int16, deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - .now
        let ms = Int32(max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
        var p = pollfd(fd: fd, events: events, revents: 0)
        return poll(&p, 1, ms) == 1 && (p.revents & events) != 0
    }
}

