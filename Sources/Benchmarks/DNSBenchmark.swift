import DNS
import Foundation
import Synchronization

/// Load for a DNS server over UDP: `concurrency` threads, each with its own socket and one query in
/// flight, cycling through `names` for `duration`. Threads rather than tasks because every step is a
/// blocking syscall, and a closed loop per thread measures throughput and latency together.
public enum DNSBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var queries: Int
        public var timeouts: Int
        public var errors: Int
        public var seconds: Double
        public var latenciesMicros: [Int]

        public var queriesPerSecond: Double { Double(queries) / seconds }

        func percentile(_ p: Double) -> Int {
            guard !latenciesMicros.isEmpty else { return 0 }
            return latenciesMicros[min(latenciesMicros.count - 1, Int(Double(latenciesMicros.count) * p))]
        }

        public var description: String {
            let qps = Int(queriesPerSecond.rounded())
            return "\(queries) answers in \(String(format: "%.2f", seconds)) s = \(qps) queries/s; timeouts \(timeouts), "
                + "bad answers \(errors); latency p50 \(percentile(0.5)) µs, p99 \(percentile(0.99)) µs, max \(latenciesMicros.last ?? 0) µs"
        }
    }

    /// Runs the load; bounded by `duration` plus one receive timeout.
    public static func run(server: ListenAddress, duration: Duration, concurrency: Int, names: [DNSName],
                           type: DNSRecordType = .a) async throws -> Result {
        precondition(!names.isEmpty && concurrency > 0)
        let packets = try names.map { try DNSMessage.query(id: 0, name: $0, type: type).encode() }
        let results = Mutex(Result(queries: 0, timeouts: 0, errors: 0, seconds: 0, latenciesMicros: []))
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + duration
        let workers = try (0..<concurrency).map { _ in try BlockingUDPSocket(server: server, timeoutMilliseconds: 1000) }
        let done = Mutex(0)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            for (w, socket) in workers.enumerated() {
                nonisolated(unsafe) let socket = socket
                let thread = Thread {
                    var mine = Result(queries: 0, timeouts: 0, errors: 0, seconds: 0, latenciesMicros: [])
                    mine.latenciesMicros.reserveCapacity(1 << 16)
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    var i = w
                    var id = UInt16(truncatingIfNeeded: w &* 7919)
                    while clock.now < deadline {
                        var packet = packets[i % packets.count]
                        i += 1
                        id &+= 1
                        packet[0] = UInt8(id >> 8)
                        packet[1] = UInt8(id & 0xFF)
                        let sent = clock.now
                        guard socket.send(packet) else { mine.errors += 1; continue }
                        // Skip stale answers to earlier, timed-out queries.
                        var answered = false
                        while let n = socket.receive(into: &buffer) {
                            if n >= 12 && buffer[0] == packet[0] && buffer[1] == packet[1] {
                                answered = true
                                if buffer[3] & 0x0F == 0 || buffer[3] & 0x0F == 3 { mine.queries += 1 } else { mine.errors += 1 }
                                break
                            }
                        }
                        if !answered { mine.timeouts += 1; continue }
                        let d = clock.now - sent
                        if mine.latenciesMicros.count < (1 << 20) {
                            mine.latenciesMicros.append(Int(d.components.seconds) * 1_000_000 + Int(d.components.attoseconds / 1_000_000_000_000))
                        }
                    }
                    results.withLock { r in
                        r.queries += mine.queries
                        r.timeouts += mine.timeouts
                        r.errors += mine.errors
                        r.latenciesMicros += mine.latenciesMicros
                    }
                    if done.withLock({ d -> Bool in d += 1; return d == concurrency }) { c.resume() }
                }
                thread.start()
            }
        }
        var r = results.withLock { $0 }
        let elapsed = clock.now - start
        r.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        r.latenciesMicros.sort()
        return r
    }
}
