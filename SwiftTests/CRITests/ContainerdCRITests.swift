import CRI
import Foundation
import Testing

/// The CRI client against a real, private containerd (see ``ContainerdFixture``). Serialized: each test
/// starts its own containerd, and the machine has two cores.
@Suite(.serialized, .enabled(if: ContainerdFixture.skipReason == nil, Comment(rawValue: ContainerdFixture.skipReason ?? "")))
struct ContainerdCRITests {
    static let busybox = "docker.io/library/busybox:1.35"

    @Test func versionStatusAndImages() async throws {
        try await ContainerdFixture.withContainerd { fixture in
            try await withCRIClient(endpoint: fixture.endpoint) { cri in
                let version = try await cri.version()
                #expect(version.runtimeName == "containerd")
                #expect(version.runtimeApiVersion == "v1")
                #expect(version.runtimeVersion.contains("1.6"))

                let status = try await cri.status(Runtime_V1_StatusRequest())
                let conditions = Dictionary(status.status.conditions.map { ($0.type, $0.status) }, uniquingKeysWith: { a, _ in a })
                #expect(conditions["RuntimeReady"] == true)
                #expect(conditions["NetworkReady"] == true)

                let images = try await cri.listImages()
                #expect(images.contains { $0.repoTags.contains(Self.busybox) })
                #expect(images.contains { $0.repoTags.contains("registry.k8s.io/pause:3.10") })

                let busybox = try #require(try await cri.imageStatus(Self.busybox))
                #expect(busybox.id.hasPrefix("sha256:"))
                #expect(busybox.size > 0)
                // Short names resolve the way Docker's do.
                #expect(try await cri.imageStatus("busybox:1.35")?.id == busybox.id)
                #expect(try await cri.imageStatus("docker.io/library/busybox:0.0-absent") == nil)


                // Usage is filled in by a periodic scan (every 10 s), so only the mount point is certain.
                let fs = try await cri.imageFsInfo(Runtime_V1_ImageFsInfoRequest())
                #expect(fs.imageFilesystems.first?.fsID.mountpoint == fixture.root + "/root/io.containerd.snapshotter.v1.overlayfs")
            }
        }
    }

    /// A registry on a closed loopback port: the pull fails at once and nothing leaves the machine.
    @Test func pullOfAbsentImageFails() async throws {
        try await ContainerdFixture.withContainerd { fixture in
            try await withCRIClient(endpoint: fixture.endpoint) { cri in
                let image = "localhost:1/skiff/no-such-image:0"
                let error = await #expect(throws: CRIError.self) { try await cri.pullImage(image) }
                #expect(error?.method == "ImageService/PullImage")
                #expect(error?.message.contains(image) == true)
                // containerd 1.6 reports registry failures as Unknown (not NotFound).
                #expect(error?.code == .unknown)
                print("PullImage of an absent image: \(String(describing: error))")
            }
        }
    }

    @Test func podAndContainerLifecycle() async throws {
        try await ContainerdFixture.withContainerd { fixture in
            try await withCRIClient(endpoint: fixture.endpoint) { cri in
                try await runPod(fixture: fixture, cri: cri)
            }
        }
    }

    private func runPod(fixture: ContainerdFixture, cri: CRIClient) async throws {
        let uid = UUID().uuidString.lowercased()
        // The kubelet creates the pod's and the container's log directories before CreateContainer.
        let logDirectory = "\(fixture.root)/logs/default_cri-test_\(uid)"
        try FileManager.default.createDirectory(atPath: logDirectory + "/sh", withIntermediateDirectories: true)

        var sandbox = Runtime_V1_PodSandboxConfig()
        sandbox.metadata.name = "cri-test"
        sandbox.metadata.uid = uid
        sandbox.metadata.namespace = "default"
        sandbox.hostname = "cri-test"
        sandbox.logDirectory = logDirectory
        sandbox.dnsConfig.servers = ["10.96.0.10"]
        sandbox.dnsConfig.searches = ["default.svc.cluster.local"]
        sandbox.labels = ["io.kubernetes.pod.uid": uid, "skiff.test": fixture.id]
        sandbox.annotations = ["skiff.io/test": "yes"]
        sandbox.linux.cgroupParent = "\(fixture.cgroupRoot)/pod\(uid)"
        sandbox.linux.securityContext.namespaceOptions.network = .pod
        sandbox.linux.securityContext.namespaceOptions.pid = .container
        sandbox.linux.securityContext.namespaceOptions.ipc = .pod

        var run = Runtime_V1_RunPodSandboxRequest()
        run.config = sandbox
        let podID = try await cri.runPodSandbox(run).podSandboxID
        #expect(!podID.isEmpty)

        var statusRequest = Runtime_V1_PodSandboxStatusRequest()
        statusRequest.podSandboxID = podID
        statusRequest.verbose = true
        let podStatus = try await cri.podSandboxStatus(statusRequest)
        #expect(podStatus.status.state == .sandboxReady)
        #expect(podStatus.status.network.ip.hasPrefix(ContainerdFixture.podSubnetPrefix))
        #expect(podStatus.status.annotations["skiff.io/test"] == "yes")
        // With netns_mounts_under_state_dir the pod's network namespace is bind-mounted under the state dir.
        let netnsPath = try #require(Self.networkNamespacePath(verboseInfo: podStatus.info["info"] ?? ""))
        print("pod network namespace: \(netnsPath)")
        #expect(netnsPath.hasPrefix(fixture.runDir + "/state/io.containerd.grpc.v1.cri/netns/cni-"))

        let listed = try await cri.listPodSandboxes(labels: ["skiff.test": fixture.id])
        #expect(listed.map(\.id) == [podID])
        #expect(try await cri.listPodSandboxes(labels: ["skiff.test": "other"]).isEmpty)

        var container = Runtime_V1_ContainerConfig()
        container.metadata.name = "sh"
        container.image.image = Self.busybox
        container.command = ["sh", "-c"]
        container.args = ["echo hello; sleep 30"]
        container.workingDir = "/tmp"
        container.envs = [Runtime_V1_KeyValue.with { $0.key = "GREETING"; $0.value = "hi" }]
        container.labels = ["io.kubernetes.container.name": "sh"]
        container.logPath = "sh/0.log"
        container.linux.resources.cpuShares = 256
        container.linux.resources.cpuPeriod = 100_000
        container.linux.resources.cpuQuota = 50_000
        container.linux.resources.memoryLimitInBytes = 64 << 20
        container.linux.resources.oomScoreAdj = 1000
        container.linux.securityContext.namespaceOptions.pid = .container

        var create = Runtime_V1_CreateContainerRequest()
        create.podSandboxID = podID
        create.config = container
        create.sandboxConfig = sandbox
        let containerID = try await cri.createContainer(create).containerID

        var start = Runtime_V1_StartContainerRequest()
        start.containerID = containerID
        _ = try await cri.startContainer(start)

        var statusOfContainer = Runtime_V1_ContainerStatusRequest()
        statusOfContainer.containerID = containerID
        let running = try await cri.containerStatus(statusOfContainer).status
        #expect(running.state == .containerRunning)
        #expect(running.startedAt > 0 && running.createdAt > 0 && running.finishedAt == 0)
        #expect(running.image.image == Self.busybox)
        #expect(running.imageRef.hasPrefix("sha256:") || running.imageRef.contains("@sha256:"))
        #expect(running.logPath == logDirectory + "/sh/0.log")
        #expect(running.labels["io.kubernetes.container.name"] == "sh")
        #expect(try await cri.listContainers(podSandboxID: podID).map(\.id) == [containerID])

        // The container's cgroup is under the pod's cgroup parent (cgroupfs driver), with the requested limit.
        let podCgroup = "\(fixture.cgroupRoot)/pod\(uid)/\(containerID)"
        let unified = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
        let limitFile = unified ? "/sys/fs/cgroup\(podCgroup)/memory.max" : "/sys/fs/cgroup/memory\(podCgroup)/memory.limit_in_bytes"
        let limit = try String(contentsOfFile: limitFile, encoding: .utf8)
        #expect(limit.trimmingCharacters(in: .whitespacesAndNewlines) == "\(64 << 20)")

        var exec = Runtime_V1_ExecSyncRequest()
        exec.containerID = containerID
        exec.cmd = ["echo", "hi"]
        exec.timeout = 10
        let result = try await cri.execSync(exec)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "hi\n")
        #expect(result.stderr.isEmpty)
        #expect(result.exitCode == 0)

        exec.cmd = ["sh", "-c", "echo $GREETING $(pwd) >&2; exit 3"]
        let failed = try await cri.execSync(exec)
        #expect(String(decoding: failed.stderr, as: UTF8.self) == "hi /tmp\n")
        #expect(failed.exitCode == 3)

        // The CRI log: "<RFC3339Nano> stdout F hello".
        let log = try await waitForFile(logDirectory + "/sh/0.log", containing: "hello")
        #expect(log.split(separator: "\n").contains { $0.hasSuffix(" stdout F hello") })

        try await checkStreamingExec(fixture: fixture, cri: cri, containerID: containerID)

        var attach = Runtime_V1_AttachRequest()
        attach.containerID = containerID
        attach.stdout = true
        #expect(try await cri.attach(attach).url.hasPrefix("http://127.0.0.1:"))
        var forward = Runtime_V1_PortForwardRequest()
        forward.podSandboxID = podID
        forward.port = [80]
        #expect(try await cri.portForward(forward).url.hasPrefix("http://127.0.0.1:"))

        var stats = Runtime_V1_ContainerStatsRequest()
        stats.containerID = containerID
        let usage = try await cri.containerStats(stats).stats
        #expect(usage.attributes.id == containerID)
        #expect(usage.memory.workingSetBytes.value > 0)

        var stop = Runtime_V1_StopContainerRequest()
        stop.containerID = containerID
        stop.timeout = 1
        _ = try await cri.stopContainer(stop)
        let exited = try await cri.containerStatus(statusOfContainer).status
        #expect(exited.state == .containerExited)
        #expect(exited.finishedAt >= exited.startedAt)
        #expect(exited.exitCode != 0)   // sh as PID 1 ignores SIGTERM, so it is killed after the grace period

        var remove = Runtime_V1_RemoveContainerRequest()
        remove.containerID = containerID
        _ = try await cri.removeContainer(remove)
        _ = try await cri.removeContainer(remove)   // idempotent
        let gone = await #expect(throws: CRIError.self) { try await cri.containerStatus(statusOfContainer) }
        #expect(gone?.isNotFound == true)

        var stopPod = Runtime_V1_StopPodSandboxRequest()
        stopPod.podSandboxID = podID
        _ = try await cri.stopPodSandbox(stopPod)
        #expect(try await cri.podSandboxStatus(statusRequest).status.state == .sandboxNotready)
        var removePod = Runtime_V1_RemovePodSandboxRequest()
        removePod.podSandboxID = podID
        _ = try await cri.removePodSandbox(removePod)
        let podGone = await #expect(throws: CRIError.self) { try await cri.podSandboxStatus(statusRequest) }
        #expect(podGone?.code == .notFound)
        #expect(try await cri.listPodSandboxes().isEmpty)
    }

    /// Exec returns a URL on the streaming server; a WebSocket client offering `v4.channel.k8s.io` (what
    /// kubectl and the API server's proxy speak) gets that subprotocol, the command's stdout on channel 1
    /// and a v4 JSON status on channel 3.
    private func checkStreamingExec(fixture: ContainerdFixture, cri: CRIClient, containerID: String) async throws {
        var request = Runtime_V1_ExecRequest()
        request.containerID = containerID
        request.cmd = ["echo", "hi"]
        request.stdout = true
        request.stderr = true
        let url = try #require(URL(string: try await cri.exec(request).url))
        print("Exec URL: \(url)")
        #expect(url.scheme == "http")
        #expect(url.host == "127.0.0.1")
        #expect(url.path.hasPrefix("/exec/"))

        let port = try #require(url.port.flatMap { UInt16(exactly: $0) })
        let socket = try await NetnsSocket(netnsPath: fixture.netnsPath, host: "127.0.0.1", port: port)
        try socket.write(WebSocketProbe.handshake(path: url.path, host: "127.0.0.1:\(port)", subprotocol: "v4.channel.k8s.io"))
        let response = socket.readToEnd()
        let (head, body) = try #require(WebSocketProbe.splitHead(response))
        #expect(head.hasPrefix("HTTP/1.1 101"))
        #expect(head.lowercased().contains("sec-websocket-protocol: v4.channel.k8s.io"))
        var channels: [UInt8: [UInt8]] = [:]
        for frame in WebSocketProbe.frames(body) where !frame.isEmpty {
            channels[frame[0], default: []] += frame.dropFirst()
        }
        #expect(String(decoding: channels[1] ?? [], as: UTF8.self) == "hi\n")
        #expect(String(decoding: channels[3] ?? [], as: UTF8.self).contains("\"status\":\"Success\""))
    }

    /// The network namespace path in PodSandboxStatus's verbose `info` (containerd: runtimeSpec.linux.namespaces).
    static func networkNamespacePath(verboseInfo: String) -> String? {
        guard let info = try? JSONSerialization.jsonObject(with: Data(verboseInfo.utf8)) as? [String: Any],
              let spec = info["runtimeSpec"] as? [String: Any], let linux = spec["linux"] as? [String: Any],
              let namespaces = linux["namespaces"] as? [[String: Any]] else { return nil }
        return namespaces.first { $0["type"] as? String == "network" }?["path"] as? String
    }

    private func waitForFile(_ path: String, containing text: String) async throws -> String {
        for _ in 0 ..< 50 {
            if let content = try? String(contentsOfFile: path, encoding: .utf8), content.contains(text) { return content }
            // Polls the container's log file for the text.
            try await Task.sleep(for: .milliseconds(100))
        }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
