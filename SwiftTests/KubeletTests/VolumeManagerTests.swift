import APIMachinery
import Foundation
import Testing
@testable import Kubelet

@Suite("VolumeManager")
struct VolumeManagerTests {
    @Test func configMapSecretAndEmptyDirAreLaidOutAndUpdatedInPlace() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-vol-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        final class Box: @unchecked Sendable { var value = "one" }
        let box = Box()
        let manager = VolumeManager(kubeletRoot: root) { kind, _, name in
            kind == .configMap && name == "cfg" ? ["greeting": box.value] : (kind == .secret && name == "s" ? ["token": "t0k"] : nil)
        }
        let pod: JSON = [
            "metadata": ["uid": "u1", "namespace": "default", "name": "p"],
            "spec": ["volumes": [["name": "config", "configMap": ["name": "cfg"]],
                                 ["name": "creds", "secret": ["secretName": "s", "defaultMode": 0o400]],
                                 ["name": "scratch", "emptyDir": [:]]]],
        ]
        let paths = try await manager.setUp(pod: pod)
        let greeting = URL(fileURLWithPath: paths["config"]!).appendingPathComponent("greeting")
        #expect(try String(contentsOf: greeting, encoding: .utf8) == "one")
        let token = URL(fileURLWithPath: paths["creds"]!).appendingPathComponent("token").path
        #expect(try String(contentsOfFile: token, encoding: .utf8) == "t0k")
        let mode = try FileManager.default.attributesOfItem(atPath: URL(fileURLWithPath: token).resolvingSymlinksInPath().path)[.posixPermissions] as? Int
        #expect(mode == 0o400)
        #expect(FileManager.default.fileExists(atPath: paths["scratch"]!))

        box.value = "two"
        _ = try await manager.setUp(pod: pod)
        #expect(try String(contentsOf: greeting, encoding: .utf8) == "two")

        let container: JSON = ["volumeMounts": [["name": "config", "mountPath": "/etc/cfg", "readOnly": true]]]
        #expect(try VolumeManager.mounts(container: container, volumes: paths) == [ContainerMount(containerPath: "/etc/cfg", hostPath: paths["config"]!, readOnly: true)])

        manager.tearDown(uid: "u1")
        #expect(!FileManager.default.fileExists(atPath: manager.podDirectory(uid: "u1").path))
    }

    @Test func missingConfigMapIsAFailedMountNamingTheVolume() async {
        let manager = VolumeManager(kubeletRoot: URL(fileURLWithPath: "/tmp/skiff-vol-none")) { _, _, _ in nil }
        let pod: JSON = ["metadata": ["uid": "u2"], "spec": ["volumes": [["name": "c", "configMap": ["name": "gone"]]]]]
        // Upstream's FailedMount message, word for word.
        await #expect(throws: VolumeSetUpError(volume: "c", message: "configmap \"gone\" not found")) { _ = try await manager.setUp(pod: pod) }
        #expect(VolumeSetUpError(volume: "c", message: "configmap \"gone\" not found").description
                == "MountVolume.SetUp failed for volume \"c\" : configmap \"gone\" not found")
        try? FileManager.default.removeItem(atPath: "/tmp/skiff-vol-none")
    }
}
