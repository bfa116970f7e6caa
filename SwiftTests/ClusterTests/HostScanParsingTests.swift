import Foundation
import Testing

@testable import Cluster

@Suite struct HostScanParsingTests {
    @Test func mountinfoIsParsedWithEscapesAndSortedDeepestFirst() {
        let info = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        90 23 0:50 / /var/lib/skiff/clusters/c/nodes/n/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw shared:1 - overlay overlay rw
        91 23 0:51 / /run/skiff/c/n/state/sandboxes/x/shm rw - tmpfs shm rw
        92 23 0:52 / /var/lib/skiff/clusters/c/nodes/n/with\\040space rw - tmpfs tmpfs rw
        93 23 0:53 / /var/lib/skiff/clusters/cc/other rw - tmpfs tmpfs rw
        """
        let table = MountTable(mountinfo: info)
        #expect(table.cgroupRoots == ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/unified"])
        let under = table.mountPoints(under: ["/var/lib/skiff/clusters/c", "/run/skiff/c"])
        #expect(Set(under) == [
            "/var/lib/skiff/clusters/c/nodes/n/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs",
            "/run/skiff/c/n/state/sandboxes/x/shm", "/var/lib/skiff/clusters/c/nodes/n/with space",
        ])
        #expect(under.first == "/var/lib/skiff/clusters/c/nodes/n/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs")
    }

    @Test func shimsAreRecognisedByTheirContainerdAddress() {
        let shim = ["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "abc", "-address", "/run/skiff/c/n/containerd.sock"]
        #expect(ProcessScan.isShim(shim, of: "/run/skiff/c/n/containerd.sock"))
        #expect(!ProcessScan.isShim(shim, of: "/run/skiff/c/n2/containerd.sock"))
        #expect(!ProcessScan.isShim(["sleep", "-address", "/run/skiff/c/n/containerd.sock"], of: "/run/skiff/c/n/containerd.sock"))
    }

    @Test func podNamespacesAreFoundInContainerdMetadata() {
        let blob = Data("xx\u{0}{\"NetNSPath\":\"/var/run/netns/cni-0b9e2f4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\"}..netns/cni-short\u{0}".utf8)
        #expect(NodeTeardown.cniNamespaceNames(in: blob) == ["cni-0b9e2f4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"])
    }

    @Test func ctrImportLinesGiveNamesAndDigests() {
        let out = "unpacking docker.io/library/busybox:1.35 (sha256:301f)...done\nsomething else\n"
        let images = ImageArchiveLoader.parse(out)
        #expect(images.map(\.name) == ["docker.io/library/busybox:1.35"])
        #expect(images.map(\.digest) == ["sha256:301f"])
    }
}
