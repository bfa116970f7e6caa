import APIMachinery
import Foundation
import Testing
@testable import Kubelet

@Suite("Kubelet storage volumes")
struct StorageVolumeTests {
    static func tempDir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("skiff-storage-\(UInt32.random(in: 0...UInt32.max))")
    }

    @Test func atomicWriterSwapsDataAndDropsStalePaths() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = AtomicWriter(directory: dir)
        #expect(try writer.write(["a": (Data("1".utf8), 0o644), "sub/b": (Data("2".utf8), 0o600)]))
        let fm = FileManager.default
        let first = try fm.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("..data").path)
        #expect(first.hasPrefix("..") && first != "..data")
        #expect(try fm.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("a").path) == "..data/a")
        #expect(try String(contentsOf: dir.appendingPathComponent("sub/b"), encoding: .utf8) == "2")
        // The same payload: nothing is rewritten.
        #expect(try writer.write(["a": (Data("1".utf8), 0o644), "sub/b": (Data("2".utf8), 0o600)]) == false)
        #expect(try fm.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("..data").path) == first)
        // A new payload: a new directory, the old one and the dropped path gone.
        #expect(try writer.write(["a": (Data("one".utf8), 0o644)]))
        let second = try fm.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("..data").path)
        #expect(second != first)
        #expect(!fm.fileExists(atPath: dir.appendingPathComponent(first).path))
        #expect(!fm.fileExists(atPath: dir.appendingPathComponent("sub").path))
        #expect(try String(contentsOf: dir.appendingPathComponent("a"), encoding: .utf8) == "one")
        #expect(throws: AtomicWriterError.self) { try writer.write(["../escape": (Data(), 0o644)]) }
    }

    @Test func hostPathTypesAreChecked() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = dir.appendingPathComponent("made").path
        #expect(HostPathType.check(path: made, type: "DirectoryOrCreate") == nil)
        #expect(HostPathType.kind(of: made) == .typeDirectory)
        let file = dir.appendingPathComponent("f").path
        #expect(HostPathType.check(path: file, type: "FileOrCreate") == nil)
        #expect(HostPathType.check(path: file, type: "File") == nil)
        #expect(HostPathType.check(path: file, type: "Directory") == "hostPath type check failed: \(file) is not a directory")
        #expect(HostPathType.check(path: made, type: "File") == "hostPath type check failed: \(made) is not a file")
        #expect(HostPathType.check(path: made, type: "Socket") == "hostPath type check failed: \(made) is not a socket file")
        #expect(HostPathType.check(path: dir.appendingPathComponent("none").path, type: "") == nil)
    }

    @Test func claimsMountTheirVolumesDirectoryOnceBound() async throws {
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("local-path/pvc-1_default_data").path
        final class Claims: @unchecked Sendable { var bound = false }
        let state = Claims()
        let manager = VolumeManager(kubeletRoot: root, claims: { _, name in
            guard name == "data" else { return (nil, nil) }
            let claim: JSON = ["metadata": ["name": "data"], "spec": ["volumeName": state.bound ? "pvc-1" : ""],
                               "status": ["phase": state.bound ? "Bound" : "Pending"]]
            let pv: JSON = ["spec": ["hostPath": ["path": .string(data), "type": "DirectoryOrCreate"]]]
            return (claim, state.bound ? pv : nil)
        }) { _, _, _ in nil }
        let pod: JSON = ["metadata": ["uid": "u1", "namespace": "default", "name": "p"],
                         "spec": ["volumes": [["name": "store", "persistentVolumeClaim": ["claimName": "data"]]]]]
        await #expect(throws: VolumeSetUpError(volume: "store", message: "PVC default/data has non-bound phase (\"Pending\") or empty pvc.Spec.VolumeName (\"\")")) {
            _ = try await manager.setUp(pod: pod)
        }
        state.bound = true
        let paths = try await manager.setUp(pod: pod)
        #expect(paths["store"] == data)
        try "kept".write(toFile: data + "/file", atomically: true, encoding: .utf8)
        // The pod goes; the claim's data stays.
        manager.tearDown(uid: "u1")
        #expect(try String(contentsOfFile: data + "/file", encoding: .utf8) == "kept")
        let missing: JSON = ["metadata": ["uid": "u2", "namespace": "default", "name": "q"],
                             "spec": ["volumes": [["name": "v", "persistentVolumeClaim": ["claimName": "gone"]]]]]
        await #expect(throws: VolumeSetUpError(volume: "v", message: "persistentvolumeclaim \"gone\" not found")) {
            _ = try await manager.setUp(pod: missing)
        }
    }

    @Test func subPathExprExpandsTheContainersEnvironment() throws {
        #expect(EnvResolver.expand("logs/$(POD_NAME)/$(MISSING)/$$x", with: ["POD_NAME": "web-0"]) == "logs/web-0/$(MISSING)/$x")
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let container: JSON = ["volumeMounts": [["name": "v", "mountPath": "/logs", "subPathExpr": "$(POD_NAME)"]]]
        let mounts = try VolumeManager.mounts(container: container, volumes: ["v": root.path], environment: ["POD_NAME": "web-0"])
        #expect(mounts == [ContainerMount(containerPath: "/logs", hostPath: root.appendingPathComponent("web-0").path, readOnly: false)])
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("web-0").path))
        let escaping: JSON = ["volumeMounts": [["name": "v", "mountPath": "/x", "subPath": "../etc"]]]
        #expect(throws: APIError.self) { try VolumeManager.mounts(container: escaping, volumes: ["v": root.path]) }
    }
}

@Suite("DiskPressure")
struct DiskPressureTests {
    @Test func pressureStartsBelowATenthOfSpaceOrATwentiethOfInodes() {
        #expect(!DiskPressure.isUnderPressure(availableBlocks: 11, totalBlocks: 100, freeInodes: 50, totalInodes: 100))
        #expect(DiskPressure.isUnderPressure(availableBlocks: 9, totalBlocks: 100, freeInodes: 50, totalInodes: 100))
        #expect(DiskPressure.isUnderPressure(availableBlocks: 50, totalBlocks: 100, freeInodes: 4, totalInodes: 100))
        #expect(!DiskPressure.isUnderPressure(availableBlocks: 0, totalBlocks: 0, freeInodes: 0, totalInodes: 0))
    }
}
