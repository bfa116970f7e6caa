import Foundation

/// The tutorial images as OCI archives (`busybox.oci.tar`, `pause.oci.tar`, `nginx-alpine.oci.tar`),
/// built offline by shared/images/build-images.sh. Found in `$SKIFF_TEST_IMAGES`, else
/// `/work/tools/images`; built there (once, a few minutes) when absent.
enum TestImages {
    static let defaultDirectory = "/work/tools/images"
    private static let lock = NSLock()

    static func directory() throws -> String {
        let dir = ProcessInfo.processInfo.environment["SKIFF_TEST_IMAGES"] ?? defaultDirectory
        lock.lock()
        defer { lock.unlock() }
        if ["busybox", "pause"].allSatisfy({ FileManager.default.fileExists(atPath: "\(dir)/\($0).oci.tar") }) {
            return dir
        }
        guard let script = buildScript() else {
            throw FixtureError("no test images in \(dir) and no shared/images/build-images.sh to build them")
        }
        print("building the test images into \(dir) with \(script)")
        try runCommand("bash", [script, dir], timeout: 900)
        return dir
    }

    /// shared/ sits beside the repository (in CI and in /work).
    private static func buildScript() -> String? {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["SKIFF_IMAGES_SCRIPT"],
            repo.deletingLastPathComponent().appendingPathComponent("shared/images/build-images.sh").path,
            "/work/shared/images/build-images.sh",
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
