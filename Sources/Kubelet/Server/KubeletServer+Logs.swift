import APIMachinery
import Foundation
import KubeStreaming
import StaticPods

extension KubeletServer {
    /// `/containerLogs/{ns}/{pod}/{container}`: the container's current (or previous) attempt's log.
    func containerLogs(namespace: String, pod name: String, container: String, query: QueryString) throws -> AsyncThrowingStream<Data, Error> {
        let options = try ContainerLogOptions(query: query.first)
        let (pod, uid) = try resolve(namespace: namespace, pod: name, container: container)
        if let staticPod = config.staticPods(), let mirrored = pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]]?.string {
            return try componentLog(staticPods: staticPod, mirrored: mirrored, pod: pod, uid: uid, options: options)
        }
        let status = Self.containerStatus(pod, container)
        let attempts = locator.attempts(namespace: namespace, pod: name, uid: uid, container: container)
        if runtime == nil, attempts.isEmpty {
            throw LogRequestError("container \"\(container)\" in pod \"\(name)\" has no log: it runs on a simulated node, where no process runs")
        }
        if !options.previous, attempts.isEmpty, let reason = status?[path: ["state", "waiting", "reason"]]?.string {
            throw LogRequestError("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        let (file, attempt) = try locator.logFile(namespace: namespace, pod: name, uid: uid, container: container, previous: options.previous)
        let locator = self.locator
        let pods = self.pods
        var reader = ContainerLogReader(file: file, options: options)
        reader.keepFollowing = {
            // Follow the attempt while it is the newest, its pod is the same pod, and its container has not
            // stopped for good (upstream stops following when the container is no longer running).
            guard !options.previous, locator.isCurrent(namespace: namespace, pod: name, uid: uid, container: container, attempt: attempt),
                  let now = pods.pod(namespace: namespace, name: name), now.metaUID == uid
            else { return false }
            if let s = Self.containerStatus(now, container), s[path: ["state", "terminated"]] != nil,
               (s["restartCount"]?.int ?? 0) <= Int64(attempt) {
                let phase = now[path: ["status", "phase"]]?.string
                return !(phase == "Succeeded" || phase == "Failed")
            }
            return true
        }
        return reader.stream()
    }

    /// A mirror pod's log: the log of the component behind it. Followed while the mirror pod is the same pod.
    func componentLog(staticPods: [StaticPod], mirrored: String, pod: JSON, uid: String, options: ContainerLogOptions) throws -> AsyncThrowingStream<Data, Error> {
        let namespace = pod[path: ["metadata", "namespace"]]?.string ?? "kube-system"
        let name = pod[path: ["metadata", "name"]]?.string ?? ""
        guard let sp = staticPods.first(where: { $0.name == mirrored }), let file = sp.logFile else {
            throw LogRequestError("container \"\(mirrored)\" in pod \"\(name)\" has no log: its static pod names no log file")
        }
        if options.previous {
            throw LogRequestError("previous terminated container \"\(mirrored)\" in pod \"\(name)\" not found")
        }
        guard FileManager.default.fileExists(atPath: file) else {
            throw LogRequestError("container \"\(mirrored)\" in pod \"\(name)\" has no log yet")
        }
        let pods = self.pods
        var reader = ContainerLogReader(file: URL(fileURLWithPath: file), options: options)
        reader.format = .componentLog
        reader.keepFollowing = { pods.pod(namespace: namespace, name: name)?.metaUID == uid }
        return reader.stream()
    }

    static func containerStatus(_ pod: JSON, _ container: String) -> JSON? {
        for key in ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"] {
            if let s = pod[path: ["status", key]]?.array?.first(where: { $0["name"]?.string == container }) { return s }
        }
        return nil
    }
}
