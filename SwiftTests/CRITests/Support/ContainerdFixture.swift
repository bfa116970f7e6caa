import CRI
import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A private containerd 1.6 for one test: its own root (a temporary directory), state and sockets
/// (`/run/skiff-test-<id>/`), network namespace (`skiff-test-<id>`, with a CNI bridge inside it) and
/// cgroup subtree (`/skiff-test/<id>` in every controller), laid out like a Skiff node (docs/nodes.md).
/// The tutorial images (busybox:1.35, pause:3.10) are imported with `ctr`, so nothing is pulled.
///
/// ``withContainerd(_:)`` tears it all down on every path: processes in its cgroups, containerd by PID,
/// the shims that serve its socket, mounts under its directories, its cgroups, network namespaces, and
/// the directories.
///
/// containerd 1.6.20 / runc 1.1.5 (Debian 12) as seen here — what a Skiff node has to get right:
/// - Start it with `nsenter --net=/run/netns/<ns>`, not `ip netns exec <ns>`: the latter also unshares the
///   mount namespace and remounts /sys for the network namespace, which hides /sys/fs/cgroup; every
///   RunPodSandbox then fails in runc with "no cgroup mount found in mountinfo" (and containerd's mounts
///   would be invisible to the host).
/// - Pod network namespaces go to `/var/run/netns/cni-<uuid>` by default (shared with everything else);
///   `netns_mounts_under_state_dir = true` puts them at `<state>/io.containerd.grpc.v1.cri/netns/cni-<uuid>`
///   (the test checks it through PodSandboxStatus's verbose info, `runtimeSpec.linux.namespaces`).
/// - RunPodSandbox needs a CNI network that gives eth0 an address: with no config the CRI plugin reports
///   NetworkReady=false ("cni plugin not initialized"). Hence a bridge + host-local network, created
///   inside containerd's own network namespace.
/// - overlayfs works on this machine's ext4, so the default snapshotter is used.
/// - runc's state defaults to the shared `/run/containerd/runc/<namespace>`; the runc option `Root` moves
///   it under the fixture's run dir. Shim sockets still go to `/run/containerd/s/<hash>` (1.6 derives
///   them from its compiled-in state dir, not from `state`); the shims are found by their
///   `-address <our socket>` argument.
/// - PullImage always asks the registry, even for an image that is present (no short cut): offline, the
///   kubelet must call ImageStatus first (pull policy IfNotPresent) and pull only when it is absent. A
///   failed pull is `Unknown` with containerd's message (which names the image), not `NotFound`.
/// - ImageFsInfo's usage is 0 until the first periodic scan (stats_collect_period, 10 s).
/// - The streaming server (exec/attach/port-forward) listens on 127.0.0.1 inside containerd's network
///   namespace; URLs look like `http://127.0.0.1:<port>/exec/<8-char token>`. It speaks both SPDY and
///   WebSocket; over WebSocket it accepts the subprotocols "", channel.k8s.io, base64.channel.k8s.io,
///   v4.channel.k8s.io and v4.base64.channel.k8s.io (containerd's pkg/cri/streaming/remotecommand,
///   vendored from the kubelet), and the test runs an exec over `v4.channel.k8s.io`.
/// - Removing a container or sandbox twice is fine; their status afterwards is gRPC NotFound.
final class ContainerdFixture: Sendable {
    let id: String
    /// Temporary root: containerd's `root`, the CNI config, IPAM state, pod logs.
    let root: String
    /// containerd's `state` and sockets (short: Unix socket paths are limited to 107 bytes).
    let runDir: String
    let netnsName: String
    /// Parent of every pod cgroup the test creates (cgroupfs syntax).
    let cgroupRoot: String
    let pid: Int32
    /// The pod CIDR of the fixture's CNI bridge.
    static let podSubnetPrefix = "10.244.250."

    var socket: String { runDir + "/containerd.sock" }
    var endpoint: String { "unix://" + socket }
    var netnsPath: String { "/run/netns/" + netnsName }
    var logFile: String { root + "/containerd.log" }

    /// Why these tests cannot run here, or nil: they need root and containerd (CI has both).
    static let skipReason: String? = {
        if geteuid() != 0 { return "containerd tests need root" }
        for tool in ["containerd", "ctr", "runc", "ip", "nsenter"] where !onPath(tool) {
            return "containerd tests need \(tool) on PATH (scripts/install-deps.sh installs it)"
        }
        return nil
    }()

    /// Starts a fixture, runs `body`, and tears the fixture down whatever `body` did.
    static func withContainerd(_ body: (ContainerdFixture) async throws -> Void) async throws {
        // Set-up, image imports and teardown wait for child processes: off the cooperative pool.
        let images = try await onOwnThread { try TestImages.directory() }
        let fixture = try await onOwnThread { try ContainerdFixture() }
        do {
            try await fixture.waitUntilServing()
            try await onOwnThread {
                for image in ["pause", "busybox"] {
                    try runCommand("ctr", ["--address", fixture.socket, "-n", "k8s.io", "images", "import", "\(images)/\(image).oci.tar"], timeout: 120)
                }
            }
            try await body(fixture)
        } catch {
            let log = (try? String(contentsOfFile: fixture.logFile, encoding: .utf8)) ?? ""
            print("containerd log (last lines):\n" + log.split(separator: "\n").suffix(30).joined(separator: "\n"))
            _ = try? await onOwnThread { fixture.tearDown() }
            throw error
        }
        _ = try? await onOwnThread { fixture.tearDown() }
    }

    private init() throws {
        let id = String(UInt32.random(in: 0 ... .max), radix: 16)
        self.id = id
        root = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-cri-\(id)").path
        runDir = "/run/skiff-test-\(id)"
        netnsName = "skiff-test-\(id)"
        cgroupRoot = "/skiff-test/\(id)"
        let fm = FileManager.default
        for dir in [root, root + "/cni", root + "/opt", root + "/logs", runDir] {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        try Self.config(root: root, runDir: runDir).write(toFile: root + "/config.toml", atomically: true, encoding: .utf8)
        try Self.cniConfig(root: root).write(toFile: root + "/cni/10-skiff-test.conflist", atomically: true, encoding: .utf8)
        do {
            try runCommand("ip", ["netns", "add", netnsName])
            try runCommand("ip", ["netns", "exec", netnsName, "ip", "link", "set", "lo", "up"])
            // nsenter --net, not `ip netns exec`: the latter also unshares the mount namespace and
            // remounts /sys for the new network namespace, which hides /sys/fs/cgroup (runc then fails
            // with "no cgroup mount found in mountinfo") and keeps containerd's mounts out of sight of the
            // host. nsenter execs containerd in place, so this PID is containerd's.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["nsenter", "--net=/run/netns/\(netnsName)", "containerd", "--config", root + "/config.toml"]
            _ = fm.createFile(atPath: root + "/containerd.log", contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/containerd.log"))
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            pid = process.processIdentifier
        } catch {
            try? runCommand("ip", ["netns", "delete", netnsName], check: false)
            try? fm.removeItem(atPath: root)
            try? fm.removeItem(atPath: runDir)
            throw error
        }
    }

    /// containerd's config (version 2): everything it writes is under `root`/`runDir`, no debug or
    /// metrics listener, the CRI plugin as a Skiff node configures it.
    static func config(root: String, runDir: String) -> String {
        """
        version = 2
        root = "\(root)/root"
        state = "\(runDir)/state"

        [grpc]
          address = "\(runDir)/containerd.sock"

        [ttrpc]
          address = "\(runDir)/ttrpc.sock"

        [debug]
          address = ""

        [metrics]
          address = ""

        [plugins."io.containerd.internal.v1.opt"]
          path = "\(root)/opt"

        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "registry.k8s.io/pause:3.10"
          restrict_oom_score_adj = true
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          netns_mounts_under_state_dir = true
          enable_selinux = false

          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "/usr/lib/cni"
            conf_dir = "\(root)/cni"

          [plugins."io.containerd.grpc.v1.cri".containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"

              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                SystemdCgroup = false
                Root = "\(runDir)/runc"

        """
    }

    /// A bridge with host-local IPAM (state kept under `root`), no masquerade; it exists only inside the
    /// fixture's network namespace.
    static func cniConfig(root: String) -> String {
        """
        {
          "cniVersion": "0.4.0",
          "name": "skiff-test",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "skt0",
              "isGateway": true,
              "ipMasq": false,
              "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "\(podSubnetPrefix)0/24"}]],
                "dataDir": "\(root)/cni-ipam"
              }
            }
          ]
        }

        """
    }

    /// Waits until containerd answers Version on its socket (and so has loaded the CRI plugin).
    private func waitUntilServing() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var last: (any Error)?
        while ContinuousClock.now < deadline {
            guard kill(pid, 0) == 0 else { throw FixtureError("containerd exited during start-up") }
            if FileManager.default.fileExists(atPath: socket) {
                do {
                    _ = try await withCRIClient(endpoint: endpoint) { try await $0.version() }
                    return
                } catch {
                    last = error
                }
            }
            // Polls until containerd serves CRI on its socket; nothing signals it.
            try await Task.sleep(for: .milliseconds(200))
        }
        throw FixtureError("containerd did not serve CRI on \(socket) within 30 s: \(String(describing: last))")
    }

    // MARK: - Teardown

    /// Best effort, in dependency order; never throws, so it also runs after a failed test.
    func tearDown() {
        // 1. Whatever still runs in the test's pod cgroups (containers, pause processes).
        for dir in cgroupDirectories() {
            killProcesses(inCgroup: dir)
        }
        // 2. containerd itself, by PID: SIGTERM, then SIGKILL after 5 s.
        stop(pid: pid, grace: 5)
        // 3. Shims serving our socket (they outlive containerd by design).
        for shim in shimPIDs() {
            stop(pid: shim, grace: 0)
        }
        // 4. Mounts under our directories (rootfs overlays, pod netns bind mounts, shm), deepest first.
        for mount in mounts(under: [root, runDir]).sorted(by: { $0.count > $1.count }) {
            if umount2(mount, Int32(MNT_DETACH)) != 0 {
                print("teardown: umount \(mount): \(String(cString: strerror(errno)))")
            }
        }
        // 5. cgroups, deepest first (each is empty by now).
        for dir in cgroupDirectories().sorted(by: { $0.count > $1.count }) {
            rmdir(dir)
        }
        for controller in cgroupControllers() {
            rmdir(controller + "/skiff-test")   // fails harmlessly while another test still uses it
        }
        // 6. The namespace and the directories.
        _ = try? runCommand("ip", ["netns", "delete", netnsName], check: false)
        try? FileManager.default.removeItem(atPath: runDir)
        try? FileManager.default.removeItem(atPath: root)
    }

    private func stop(pid: Int32, grace: Int) {
        guard kill(pid, SIGTERM) == 0 || errno != ESRCH else { return reap(pid) }
        for _ in 0 ..< grace * 10 where processExists(pid) {
            // Polls: the process's exit after SIGTERM, up to its grace period.
            usleep(100_000)
        }
        if processExists(pid) { kill(pid, SIGKILL) }
        reap(pid)
    }

    /// A zombie child still "exists" for kill(0); reap it if it is ours, then poll /proc.
    private func reap(_ pid: Int32) {
        for _ in 0 ..< 50 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return }
            if !processExists(pid) { return }
            // Polls: the process's exit after SIGKILL.
            usleep(100_000)
        }
    }

    private func processExists(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // Field 3 (after the parenthesised name) is the state; Z is a zombie.
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    /// PIDs of `containerd-shim-runc-v2 … -address <our socket>`.
    private func shimPIDs() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let args = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard args.first?.contains("containerd-shim") == true,
                  let flag = args.firstIndex(of: "-address"), flag + 1 < args.count,
                  args[flag + 1] == socket else { return nil }
            return pid
        }
    }

    /// Mount points at or under any of `prefixes`, from /proc/self/mountinfo (field 5, octal-escaped).
    private func mounts(under prefixes: [String]) -> [String] {
        guard let info = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return info.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = unescapeMountPath(String(fields[4]))
            return prefixes.contains { point == $0 || point.hasPrefix($0 + "/") } ? point : nil
        }
    }

    private func unescapeMountPath(_ path: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(path.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
               let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// cgroup v1 controller hierarchies (or the v2 root on a unified host).
    private func cgroupControllers() -> [String] {
        let base = "/sys/fs/cgroup"
        if FileManager.default.fileExists(atPath: base + "/cgroup.controllers") { return [base] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return entries.map { base + "/" + $0 }.filter { dir in
            var isDir: ObjCBool = false
            let attributes = try? FileManager.default.attributesOfItem(atPath: dir)
            return FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue
                && attributes?[.type] as? FileAttributeType != .typeSymbolicLink
        }
    }

    /// Every cgroup directory under `/skiff-test/<id>` in every controller.
    func cgroupDirectories() -> [String] {
        cgroupControllers().flatMap { controller -> [String] in
            let top = controller + cgroupRoot
            guard FileManager.default.fileExists(atPath: top) else { return [] }
            var dirs = [top]
            if let walker = FileManager.default.enumerator(atPath: top) {
                for case let path as String in walker where FileManager.default.fileExists(atPath: top + "/" + path + "/cgroup.procs") {
                    dirs.append(top + "/" + path)
                }
            }
            return dirs
        }
    }

    private func killProcesses(inCgroup dir: String) {
        guard let procs = try? String(contentsOfFile: dir + "/cgroup.procs", encoding: .utf8) else { return }
        for line in procs.split(separator: "\n") {
            if let pid = Int32(line) { kill(pid, SIGKILL) }
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
