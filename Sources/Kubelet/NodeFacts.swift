import Foundation

/// What the kubelet reports about its machine: capacity, OS image, kernel. Read once at start.
public struct NodeFacts: Sendable, Equatable {
    public var cpuCores: Int
    public var memoryBytes: UInt64
    public var maxPods: Int
    public var osImage: String
    public var kernelVersion: String
    public var architecture: String
    public var machineID: String
    public var bootID: String

    public static func current(maxPods: Int = 110) -> NodeFacts {
        var osImage = "Linux"
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            for line in release.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                osImage = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let machine = withUnsafeBytes(of: &uts.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        func read(_ path: String) -> String {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return NodeFacts(
            cpuCores: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            maxPods: maxPods, osImage: osImage, kernelVersion: release,
            architecture: machine == "x86_64" ? "amd64" : (machine == "aarch64" ? "arm64" : machine),
            machineID: read("/etc/machine-id"), bootID: read("/proc/sys/kernel/random/boot_id"))
    }
}
