import Foundation

/// Finds the log file of a container attempt under the kubelet's log directory (docs/nodes.md):
/// `<root>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log`. The current attempt is the highest
/// restart count present; `previous` is the one before it.
public struct ContainerLogLocator: Sendable {
    public let paths: PodLogPaths

    public init(paths: PodLogPaths) {
        self.paths = paths
    }

    /// The restart counts that have a log file, ascending.
    public func attempts(namespace: String, pod: String, uid: String, container: String) -> [Int] {
        let dir = paths.podDirectory(namespace: namespace, pod: pod, uid: uid).appendingPathComponent(container, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasSuffix(".log") else { return nil }
            return Int(name.dropLast(4))
        }.sorted()
    }

    /// The file to read, or upstream's error when there is none.
    public func logFile(namespace: String, pod: String, uid: String, container: String, previous: Bool) throws -> (url: URL, attempt: Int) {
        let all = attempts(namespace: namespace, pod: pod, uid: uid, container: container)
        if previous {
            guard all.count >= 2 else {
                throw LogRequestError("previous terminated container \"\(container)\" in pod \"\(pod)\" not found")
            }
            let n = all[all.count - 2]
            return (paths.containerLog(namespace: namespace, pod: pod, uid: uid, container: container, restartCount: n), n)
        }
        guard let n = all.last else {
            throw LogRequestError("container \"\(container)\" in pod \"\(pod)\" has no log yet")
        }
        return (paths.containerLog(namespace: namespace, pod: pod, uid: uid, container: container, restartCount: n), n)
    }

    /// Whether `attempt` is still the newest attempt with a log file (following stops when not).
    public func isCurrent(namespace: String, pod: String, uid: String, container: String, attempt: Int) -> Bool {
        let all = attempts(namespace: namespace, pod: pod, uid: uid, container: container)
        return all.last == attempt
    }
}
