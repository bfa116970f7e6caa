import Foundation

/// Process limits a component raises for itself.
enum ResourceLimits {
    /// Lifts the soft limit on open files to the hard one: the node simulator holds a listening socket
    /// per node, past the usual soft limit of 1,024 at a thousand nodes.
    static func raiseOpenFiles() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
