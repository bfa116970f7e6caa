import Foundation

/// The volume ownership a pod's `securityContext.fsGroup` implies (upstream `SetVolumeOwnership`): what
/// the kubelet writes for the pod is group-owned by the fsGroup, so containers running as other users in
/// that group can read (and, in emptyDirs, write) it. hostPath volumes — and so local-path claims — are
/// the node's and are left as they are, as upstream leaves them.
enum VolumeOwnership {
    /// A new emptyDir: mode 0777 (umask aside), and with an fsGroup its group and the setgid bit, so files
    /// made inside inherit the group.
    static func prepareEmptyDir(_ dir: URL, fsGroup: Int64?) {
        var mode = 0o777
        if let fsGroup {
            _ = chown(dir.path, uid_t.max, gid_t(truncatingIfNeeded: fsGroup))
            mode |= 0o2000
        }
        _ = chmod(dir.path, mode_t(mode))
    }

    /// Gives `root` and everything under it (symlinks themselves, not their targets) to `group`.
    static func setGroup(of root: URL, to group: UInt32) {
        _ = lchown(root.path, uid_t.max, group)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return }
        while let rel = walker.nextObject() as? String {
            _ = lchown(root.appendingPathComponent(rel).path, uid_t.max, group)
        }
    }
}
