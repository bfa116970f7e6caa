import Dispatch
import Foundation
import Logging
import Synchronization

/// The log backend: events become JSON lines on the request's own task (a few microseconds of
/// encoding), and a serial dispatch queue — not the cooperative pool the requests run on — writes them
/// to the file, at most `batchDelay` after the first of a batch arrived. Lines that arrive meanwhile are
/// written together, so a busy server makes one wake-up and one `write(2)` per batch, not per request.
///
/// Upstream's log backend writes in the request by default (blocking mode), and in batch mode buffers up
/// to 10,000 events before dropping. Here the buffer is bounded in bytes (`maxPendingBytes`) and an event
/// that does not fit is dropped and counted, with a warning, rather than holding up the request or growing
/// without end when the disk stalls.
public final class AuditLogWriter: AuditSink {
    private struct Pending {
        var lines: [UInt8] = []
        /// A write task is queued or running; it takes whatever is pending until nothing is.
        var draining = false
        var dropped = 0
    }

    private let pending = Mutex(Pending())
    private let file: Mutex<AuditLogFile>
    private let queue = DispatchQueue(label: "skiff.apiserver.audit-log")
    private let logger: Logger
    let maxPendingBytes: Int

    /// `path` "-" is standard output; `maxSizeMegabytes` 0 never rotates.
    public init(path: String, maxSizeMegabytes: Int = 0, maxBackups: Int = 0, logger: Logger = Logger(label: "audit"),
                maxPendingBytes: Int = 64 << 20, now: @escaping @Sendable () -> Date = Date.init) throws {
        if path == "-" {
            file = Mutex(AuditLogFile(standardOutput: ()))
        } else {
            file = Mutex(try AuditLogFile(path: path, maxBytes: maxSizeMegabytes << 20, maxBackups: maxBackups, now: now))
        }
        self.logger = logger
        self.maxPendingBytes = maxPendingBytes
    }

    public func process(_ event: AuditEvent) {
        append(event.jsonLine())
    }

    func append(_ line: [UInt8]) {
        let startDrain = pending.withLock { p -> Bool in
            guard p.lines.count + line.count <= maxPendingBytes else {
                p.dropped += 1
                return false
            }
            p.lines += line
            if p.draining { return false }
            p.draining = true
            return true
        }
        // A short wait gathers the events of many requests into one wake-up of the queue and one write:
        // waking it per request cost a context switch each on a busy 2-core server.
        if startDrain { queue.asyncAfter(deadline: .now() + Self.batchDelay) { self.drain() } }
    }

    /// How long the first of a batch of events waits for others before the batch is written.
    static let batchDelay = DispatchTimeInterval.milliseconds(10)

    /// Runs on `queue`: writes until nothing is pending.
    private func drain() {
        while true {
            let (batch, dropped) = pending.withLock { p -> ([UInt8], Int) in
                let taken = (p.lines, p.dropped)
                p.lines = []
                p.dropped = 0
                if taken.0.isEmpty { p.draining = false }
                return taken
            }
            if dropped > 0 { logger.warning("audit log buffer full: dropped \(dropped) audit events") }
            if batch.isEmpty { return }
            do {
                try file.withLock { try $0.append(batch) }
            } catch {
                logger.error("\(error)")
            }
        }
    }

    /// Waits until every event processed so far is written (shutdown, tests). Blocks its thread.
    public func flush() {
        queue.sync { drain() }
    }
}
