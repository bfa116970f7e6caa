import APIMachinery
import Foundation
import Storage
import Synchronization

/// Decoded objects and encoded watch lines of recent store events, shared by every watch of the server.
///
/// One write fans out to every watcher of its resource; without this each watcher would parse the stored
/// bytes and serialise the event again (a hundred watchers, a hundred times). Keyed by key and
/// mod-revision, which name one stored version exactly; bounded, oldest evicted first.
final class WatchEventCache: Sendable {
    private struct State {
        var objects: [String: JSON] = [:]
        var lines: [String: Data] = [:]
        var order: [String] = []
        var lineOrder: [String] = []
    }
    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// `tag` names the version the object is decoded to (one stored object is served in several).
    func object(_ kv: KeyValue, tag: String, decode: (KeyValue) throws -> JSON) -> JSON? {
        let key = "\(kv.modRevision)\u{0}\(kv.key)\u{0}\(tag)"
        if let hit = state.withLock({ $0.objects[key] }) { return hit }
        guard let obj = try? decode(kv) else { return nil }
        state.withLock { s in
            if s.objects.updateValue(obj, forKey: key) == nil { s.order.append(key) }
            if s.order.count > capacity {
                let drop = s.order.count - capacity
                for k in s.order.prefix(drop) { s.objects[k] = nil }
                s.order.removeFirst(drop)
            }
        }
        return obj
    }

    /// The encoded line for `tag` (event type, format and version) of one stored version.
    func line(_ tag: String, _ kv: KeyValue, encode: () -> Data) -> Data {
        let key = "\(kv.modRevision)\u{0}\(kv.key)\u{0}\(tag)"
        if let hit = state.withLock({ $0.lines[key] }) { return hit }
        let data = encode()
        state.withLock { s in
            if s.lines.updateValue(data, forKey: key) == nil { s.lineOrder.append(key) }
            if s.lineOrder.count > capacity {
                let drop = s.lineOrder.count - capacity
                for k in s.lineOrder.prefix(drop) { s.lines[k] = nil }
                s.lineOrder.removeFirst(drop)
            }
        }
        return data
    }
}
