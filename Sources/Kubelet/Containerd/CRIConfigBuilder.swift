import APIMachinery
import CRI
import Foundation

/// Turns a pod and its containers into CRI's sandbox and container configurations, as upstream's
/// kuberuntime does (`generatePodSandboxConfig`, `generateContainerConfig`). Pure: no runtime calls.
enum CRIConfigBuilder {
    struct PodIdentity {
        var uid: String
        var name: String
        var namespace: String
        init(_ pod: JSON) {
            uid = pod[path: ["metadata", "uid"]]?.string ?? ""
            name = pod[path: ["metadata", "name"]]?.string ?? ""
            namespace = pod[path: ["metadata", "namespace"]]?.string ?? "default"
        }
    }

    static func sandboxConfig(pod: JSON, attempt: UInt32, logDirectory: String, cgroupParent: String, dns: PodDNS?) -> Runtime_V1_PodSandboxConfig {
        let id = PodIdentity(pod)
        var config = Runtime_V1_PodSandboxConfig()
        config.metadata.name = id.name
        config.metadata.uid = id.uid
        config.metadata.namespace = id.namespace
        config.metadata.attempt = attempt
        config.hostname = pod[path: ["spec", "hostname"]]?.string ?? String(id.name.prefix(63))
        config.logDirectory = logDirectory
        if let dns {
            config.dnsConfig.servers = dns.servers
            config.dnsConfig.searches = dns.searches
            config.dnsConfig.options = dns.options
        }
        var labels: [String: String] = [:]
        for (k, v) in pod[path: ["metadata", "labels"]]?.object ?? [:] { labels[k] = v.string ?? "" }
        labels[CRILabels.podUID] = id.uid
        labels[CRILabels.podName] = id.name
        labels[CRILabels.podNamespace] = id.namespace
        labels[CRILabels.managedBy] = CRILabels.managedByValue
        config.labels = labels
        var annotations: [String: String] = [:]
        for (k, v) in pod[path: ["metadata", "annotations"]]?.object ?? [:] { annotations[k] = v.string ?? "" }
        annotations[CRILabels.gracePeriod] = String(pod[path: ["spec", "terminationGracePeriodSeconds"]]?.int ?? 30)
        config.annotations = annotations
        for c in pod[path: ["spec", "containers"]]?.array ?? [] {
            for p in c["ports"]?.array ?? [] {
                guard let hostPort = p["hostPort"]?.int, hostPort > 0 else { continue }
                var m = Runtime_V1_PortMapping()
                m.containerPort = Int32(p["containerPort"]?.int ?? 0)
                m.hostPort = Int32(hostPort)
                m.protocol = p["protocol"]?.string == "UDP" ? .udp : .tcp
                config.portMappings.append(m)
            }
        }
        config.linux.cgroupParent = cgroupParent
        if pod[path: ["spec", "hostNetwork"]]?.bool == true {
            config.linux.securityContext.namespaceOptions.network = .node
        }
        if pod[path: ["spec", "hostPID"]]?.bool == true { config.linux.securityContext.namespaceOptions.pid = .node }
        if pod[path: ["spec", "hostIPC"]]?.bool == true { config.linux.securityContext.namespaceOptions.ipc = .node }
        return config
    }

    /// One container's configuration. `env` is already resolved; `$(VAR)` in command and args expands
    /// against it, as upstream does.
    static func containerConfig(pod: JSON, container: JSON, kind: String, attempt: UInt32, imageRef: String,
                                env: [(name: String, value: String)], mounts: [ContainerMount]) -> Runtime_V1_ContainerConfig {
        let id = PodIdentity(pod)
        let name = container["name"]?.string ?? ""
        let vars = Dictionary(env.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        var config = Runtime_V1_ContainerConfig()
        config.metadata.name = name
        config.metadata.attempt = attempt
        config.image.image = imageRef
        config.image.userSpecifiedImage = container["image"]?.string ?? ""
        config.command = (container["command"]?.array ?? []).compactMap(\.string).map { EnvResolver.expand($0, with: vars) }
        config.args = (container["args"]?.array ?? []).compactMap(\.string).map { EnvResolver.expand($0, with: vars) }
        config.workingDir = container["workingDir"]?.string ?? ""
        config.envs = env.map { var kv = Runtime_V1_KeyValue(); kv.key = $0.name; kv.value = $0.value; return kv }
        config.mounts = mounts.map {
            var m = Runtime_V1_Mount()
            m.containerPath = $0.containerPath
            m.hostPath = $0.hostPath
            m.readonly = $0.readOnly
            return m
        }
        config.labels = [CRILabels.podUID: id.uid, CRILabels.podName: id.name, CRILabels.podNamespace: id.namespace,
                         CRILabels.containerName: name, CRILabels.managedBy: CRILabels.managedByValue]
        config.annotations = [CRILabels.containerKind: kind, "io.kubernetes.container.restartCount": String(attempt)]
        config.logPath = PodLogPaths.relativeContainerLog(container: name, restartCount: Int(attempt))
        config.stdin = container["stdin"]?.bool ?? false
        config.stdinOnce = container["stdinOnce"]?.bool ?? false
        config.tty = container["tty"]?.bool ?? false
        config.linux.resources = resources(container)
        let security = container["securityContext"] ?? [:]
        let podSecurity = pod[path: ["spec", "securityContext"]] ?? [:]
        if security["privileged"]?.bool == true { config.linux.securityContext.privileged = true }
        if let uid = security["runAsUser"]?.int ?? podSecurity["runAsUser"]?.int {
            config.linux.securityContext.runAsUser.value = uid
        }
        if let gid = security["runAsGroup"]?.int ?? podSecurity["runAsGroup"]?.int {
            config.linux.securityContext.runAsGroup.value = gid
        }
        if security["readOnlyRootFilesystem"]?.bool == true { config.linux.securityContext.readonlyRootfs = true }
        for cap in security[path: ["capabilities", "add"]]?.array ?? [] {
            if let c = cap.string { config.linux.securityContext.capabilities.addCapabilities.append(c) }
        }
        for cap in security[path: ["capabilities", "drop"]]?.array ?? [] {
            if let c = cap.string { config.linux.securityContext.capabilities.dropCapabilities.append(c) }
        }
        if pod[path: ["spec", "hostNetwork"]]?.bool == true {
            config.linux.securityContext.namespaceOptions.network = .node
        }
        return config
    }

    /// Requests and limits as cgroup settings, by upstream's formulas: shares from the CPU request
    /// (1024 per core, at least 2), a CFS quota from the CPU limit over a 100 ms period, the memory limit
    /// as is, and the OOM score adjustment of the pod's QoS class.
    static func resources(_ container: JSON) -> Runtime_V1_LinuxContainerResources {
        var r = Runtime_V1_LinuxContainerResources()
        func quantity(_ section: String, _ name: String) -> Quantity? {
            container[path: ["resources", section, name]].flatMap { try? Quantity(json: $0) }
        }
        let cpuRequest = quantity("requests", "cpu") ?? quantity("limits", "cpu")
        let cpuLimit = quantity("limits", "cpu")
        let memoryRequest = quantity("requests", "memory") ?? quantity("limits", "memory")
        let memoryLimit = quantity("limits", "memory")
        r.cpuShares = max(2, (cpuRequest?.milliValue ?? 0) * 1024 / 1000)
        if let cpuLimit {
            r.cpuPeriod = 100_000
            r.cpuQuota = max(1000, cpuLimit.milliValue * 100_000 / 1000)
        }
        if let memoryLimit { r.memoryLimitInBytes = memoryLimit.value }
        let guaranteed = cpuLimit != nil && memoryLimit != nil && cpuRequest == cpuLimit && memoryRequest == memoryLimit
        let bestEffort = cpuRequest == nil && memoryRequest == nil
        r.oomScoreAdj = guaranteed ? -997 : (bestEffort ? 1000 : 500)
        return r
    }

    /// The pod's `/etc/hosts`, as upstream's kubelet writes it for pods on the pod network.
    static func hostsFile(pod: JSON, podIP: String) -> String {
        let name = pod[path: ["metadata", "name"]]?.string ?? ""
        let hostname = pod[path: ["spec", "hostname"]]?.string ?? name
        var text = """
        # Kubernetes-managed hosts file.
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        fe00::0\tip6-mcastprefix
        fe00::1\tip6-allnodes
        fe00::2\tip6-allrouters

        """
        if !podIP.isEmpty {
            if let sub = pod[path: ["spec", "subdomain"]]?.string, !sub.isEmpty {
                let ns = pod[path: ["metadata", "namespace"]]?.string ?? "default"
                text += "\(podIP)\t\(hostname).\(sub).\(ns).svc.cluster.local\t\(hostname)\n"
            } else {
                text += "\(podIP)\t\(hostname)\n"
            }
        }
        for alias in pod[path: ["spec", "hostAliases"]]?.array ?? [] {
            let names = (alias["hostnames"]?.array ?? []).compactMap(\.string)
            if let ip = alias["ip"]?.string, !names.isEmpty {
                text += "\n# Entries added by HostAliases.\n\(ip)\t\(names.joined(separator: "\t"))\n"
            }
        }
        return text
    }
}
