import Foundation
import Testing

@testable import Cluster

@Suite struct NodeRuntimeConfigTests {
    let node = NodeLayout(cluster: "cfg", name: "cfg-worker", index: 1,
                          clusterRoot: URL(fileURLWithPath: "/var/lib/skiff/clusters/cfg"))

    @Test func containerdConfigNamesTheNodesOwnPaths() {
        let toml = ContainerdConfig(node: node).toml
        #expect(toml.contains(#"root = "/var/lib/skiff/clusters/cfg/nodes/cfg-worker/containerd""#))
        #expect(toml.contains(#"state = "/run/skiff/cfg/cfg-worker/state""#))
        #expect(toml.contains(#"address = "/run/skiff/cfg/cfg-worker/containerd.sock""#))
        #expect(toml.contains(#"address = "/run/skiff/cfg/cfg-worker/ttrpc.sock""#))
        #expect(toml.contains(#"conf_dir = "/var/lib/skiff/clusters/cfg/nodes/cfg-worker/cni/net.d""#))
        #expect(toml.contains("restrict_oom_score_adj = true"))
        #expect(toml.contains("SystemdCgroup = false"))
        #expect(toml.contains(#"Root = "/run/skiff/cfg/cfg-worker/runc""#))
        #expect(toml.contains(#"sandbox_image = "registry.k8s.io/pause:3.10""#))
    }

    @Test func tomlStringsAreEscaped() {
        #expect(ContainerdConfig.quote(#"a"b\c"#) == #""a\"b\\c""#)
        #expect(ContainerdConfig.quote("x\ny") == #""x\ny""#)
    }

    /// containerd itself reads the file back: `containerd config dump` merges it over the defaults.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd")))
    func containerdParsesTheConfig() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url.appendingPathComponent("config.toml")
        try Data(ContainerdConfig(node: node).toml.utf8).write(to: file)
        let r = try run(["containerd", "--config", file.path, "config", "dump"])
        #expect(r.status == 0, "\(r.err)")
        let dump = r.out
        #expect(dump.contains(#"root = "/var/lib/skiff/clusters/cfg/nodes/cfg-worker/containerd""#))
        #expect(dump.contains(#"address = "/run/skiff/cfg/cfg-worker/containerd.sock""#))
        #expect(dump.contains(#"sandbox_image = "registry.k8s.io/pause:3.10""#))
        #expect(dump.contains(#"stream_server_address = "127.0.0.1""#))
        #expect(dump.contains(#"max_conf_num = 1"#))
        #expect(dump.contains(#"snapshotter = "overlayfs""#))
        #expect(dump.contains(#"path = "/var/lib/skiff/clusters/cfg/nodes/cfg-worker/opt""#))
        #expect(dump.contains(#""io.containerd.snapshotter.v1.btrfs""#))
        #expect(dump.contains("SystemdCgroup = false"))
        #expect(dump.contains(#"Root = "/run/skiff/cfg/cfg-worker/runc""#))
    }

    @Test func cniConflistIsABridgeOverTheNodesPodRangeThenPortmap() throws {
        let json = try JSONSerialization.jsonObject(with: CNIConfig(node: node).json) as! [String: Any]
        #expect(json["cniVersion"] as? String == "1.0.0")
        let plugins = json["plugins"] as! [[String: Any]]
        #expect(plugins.count == 2)
        #expect(plugins[1]["type"] as? String == "portmap")
        #expect(plugins[1]["capabilities"] as? [String: Bool] == ["portMappings": true])
        #expect(plugins[1]["ipam"] == nil)
        let bridge = plugins[0]
        #expect(bridge["type"] as? String == "bridge")
        #expect(bridge["bridge"] as? String == "cni0")
        #expect(bridge["isGateway"] as? Bool == true)
        #expect(bridge["ipMasq"] as? Bool == false)
        #expect(bridge["hairpinMode"] as? Bool == true)
        let ipam = bridge["ipam"] as! [String: Any]
        #expect(ipam["type"] as? String == "host-local")
        #expect(((ipam["ranges"] as! [[[String: String]]])[0][0]["subnet"]) == "10.244.1.0/24")
        #expect((ipam["routes"] as! [[String: String]]) == [["dst": "0.0.0.0/0"]])
        #expect(ipam["dataDir"] as? String == "/run/skiff/cfg/cfg-worker/ipam")
    }
}
