import Synchronization

/// The warnings admission plugins raise while a request is served, sent back as `Warning` headers
/// with the response. Kept per plugin and replaced on each call, because an update runs admission
/// again when its write is retried after a conflict, and only the last attempt's warnings are true.
final class AdmissionWarnings: Sendable {
    private let byPlugin = Mutex<[(plugin: String, warnings: [String])]>([])

    /// Sets `plugin`'s warnings, replacing what it said before.
    func set(_ plugin: String, _ warnings: [String]) {
        byPlugin.withLock { list in
            if let i = list.firstIndex(where: { $0.plugin == plugin }) {
                list[i].warnings = warnings
            } else {
                list.append((plugin, warnings))
            }
        }
    }

    /// Every plugin's warnings, in the order the plugins first spoke.
    var all: [String] { byPlugin.withLock { $0.flatMap(\.warnings) } }
}
