import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The node's DiskPressure condition (upstream's eviction manager signal `nodefs.available`, whose
/// default hard threshold is 10%): true when the file system holding the kubelet's root directory has
/// less than a tenth of its space, or less than 5% of its inodes, left for unprivileged users.
public enum DiskPressure {
    public static let availableThreshold = 0.10
    public static let inodesFreeThreshold = 0.05

    /// Whether these `statvfs` figures mean pressure.
    public static func isUnderPressure(availableBlocks: UInt64, totalBlocks: UInt64, freeInodes: UInt64, totalInodes: UInt64) -> Bool {
        if totalBlocks > 0, Double(availableBlocks) / Double(totalBlocks) < availableThreshold { return true }
        if totalInodes > 0, Double(freeInodes) / Double(totalInodes) < inodesFreeThreshold { return true }
        return false
    }

    /// The file system at `path` under pressure now; false when it cannot be read.
    public static func check(path: String) -> Bool {
        #if canImport(Glibc)
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return false }
        return isUnderPressure(availableBlocks: UInt64(s.f_bavail), totalBlocks: UInt64(s.f_blocks),
                               freeInodes: UInt64(s.f_favail), totalInodes: UInt64(s.f_files))
        #else
        return false
        #endif
    }
}
