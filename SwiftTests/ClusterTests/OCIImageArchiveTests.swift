import Crypto
import Foundation
import Testing

@testable import Cluster

@Suite struct OCIImageArchiveTests {
    let binary = Data("#!pretend pause binary\n".utf8)

    @Test func tarEntriesExtractWithTheirContentAndMode() throws {
        var tar = TarWriter()
        try tar.addDirectory("d")
        try tar.addFile("d/f", contents: Data("hello\n".utf8), mode: 0o755)
        let dir = try TemporaryDirectory()
        try tar.finished().write(to: dir.url.appendingPathComponent("a.tar"))
        let x = try run(["tar", "-xf", "a.tar"], in: dir.url)
        #expect(x.status == 0, "\(x.err)")
        let path = dir.url.appendingPathComponent("d/f").path
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello\n")
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o755)
        #expect(tar.finished().count % 512 == 0)
    }

    @Test func blobsAreNamedByTheirDigestsAndLinked() throws {
        let image = try PauseImage.archive(binary: binary, architecture: "amd64")
        let (indexData, blobs, manifestDigest) = image.blobs()
        for blob in blobs {
            let hex = SHA256.hash(data: blob.data).map { String(format: "%02x", $0) }.joined()
            #expect(blob.digest == "sha256:" + hex)
        }
        let index = try JSONSerialization.jsonObject(with: indexData) as! [String: Any]
        let entry = (index["manifests"] as! [[String: Any]])[0]
        #expect(entry["digest"] as? String == manifestDigest)
        #expect(entry["annotations"] as? [String: String] == [
            "io.containerd.image.name": "registry.k8s.io/pause:3.10", "org.opencontainers.image.ref.name": "3.10",
        ])
        let byDigest = Dictionary(uniqueKeysWithValues: blobs.map { ($0.digest, $0.data) })
        let manifest = try JSONSerialization.jsonObject(with: byDigest[manifestDigest]!) as! [String: Any]
        #expect(entry["size"] as? Int == byDigest[manifestDigest]!.count)
        let configDesc = manifest["config"] as! [String: Any]
        let config = try JSONSerialization.jsonObject(with: byDigest[configDesc["digest"] as! String]!) as! [String: Any]
        let inner = config["config"] as! [String: Any]
        #expect(inner["Entrypoint"] as? [String] == ["/pause"])
        #expect(inner["User"] as? String == "65535:65535")
        let layerDesc = (manifest["layers"] as! [[String: Any]])[0]
        #expect((config["rootfs"] as! [String: Any])["diff_ids"] as? [String] == [layerDesc["digest"] as! String])
        #expect(layerDesc["mediaType"] as? String == "application/vnd.oci.image.layer.v1.tar")
    }

    @Test func theArchiveIsAnOCILayoutAndReproducible() throws {
        let data = try PauseImage.archive(binary: binary).archive()
        #expect(data == (try PauseImage.archive(binary: binary).archive()))
        let dir = try TemporaryDirectory()
        try data.write(to: dir.url.appendingPathComponent("img.tar"))
        let x = try run(["tar", "-xf", "img.tar"], in: dir.url)
        #expect(x.status == 0)
        let layout = try String(contentsOf: dir.url.appendingPathComponent("oci-layout"), encoding: .utf8)
        #expect(layout == #"{"imageLayoutVersion":"1.0.0"}"#)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("blobs/sha256").path)
        #expect(blobs.count == 3)
        for name in blobs {
            let content = try Data(contentsOf: dir.url.appendingPathComponent("blobs/sha256/" + name))
            #expect(SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined() == name)
        }
    }
}
