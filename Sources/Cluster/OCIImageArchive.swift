import Crypto
import Foundation

/// A single-manifest OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) written as one tar
/// archive — what `ctr images import` reads. The index entry carries both the full reference
/// (`io.containerd.image.name`, which containerd names the image by) and the tag
/// (`org.opencontainers.image.ref.name`, what other OCI tools expect).
public struct OCIImageArchive: Sendable {
    public struct Descriptor: Codable, Sendable, Equatable {
        public var mediaType: String
        public var digest: String
        public var size: Int
        public var platform: Platform?
        public var annotations: [String: String]?
    }
    public struct Platform: Codable, Sendable, Equatable {
        public var architecture: String
        public var os: String
    }
    struct Manifest: Codable {
        var schemaVersion = 2
        var mediaType = OCIImageArchive.manifestType
        var config: Descriptor
        var layers: [Descriptor]
    }
    struct Index: Codable {
        var schemaVersion = 2
        var mediaType = "application/vnd.oci.image.index.v1+json"
        var manifests: [Descriptor]
    }
    /// The image configuration (the parts a runtime reads).
    public struct ImageConfig: Codable, Sendable, Equatable {
        public struct Config: Codable, Sendable, Equatable {
            public var user: String?
            public var env: [String]?
            public var entrypoint: [String]?
            public var cmd: [String]?
            public var workingDir: String?

            public init(user: String? = nil, env: [String]? = nil, entrypoint: [String]? = nil, cmd: [String]? = nil, workingDir: String? = nil) {
                self.user = user
                self.env = env
                self.entrypoint = entrypoint
                self.cmd = cmd
                self.workingDir = workingDir
            }

            enum CodingKeys: String, CodingKey {
                case user = "User", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd", workingDir = "WorkingDir"
            }
        }
        public struct RootFS: Codable, Sendable, Equatable {
            public var type = "layers"
            public var diffIDs: [String]

            enum CodingKeys: String, CodingKey {
                case type, diffIDs = "diff_ids"
            }
        }
        public var architecture: String
        public var os = "linux"
        public var config: Config
        public var rootfs: RootFS
    }

    public static let manifestType = "application/vnd.oci.image.manifest.v1+json"
    public static let configType = "application/vnd.oci.image.config.v1+json"
    public static let layerType = "application/vnd.oci.image.layer.v1.tar"

    public var reference: String
    public var tag: String
    public var architecture: String
    public var config: ImageConfig.Config
    /// One uncompressed layer (a tar of the image's files).
    public var layer: Data

    public init(reference: String, tag: String, architecture: String = Self.hostArchitecture, config: ImageConfig.Config, layer: Data) {
        self.reference = reference
        self.tag = tag
        self.architecture = architecture
        self.config = config
        self.layer = layer
    }

    public static var hostArchitecture: String {
        #if arch(arm64)
        "arm64"
        #else
        "amd64"
        #endif
    }

    public static func digest(_ data: Data) -> String {
        "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    static func encode<T: Encodable>(_ value: T) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! enc.encode(value)
    }

    /// The blobs by digest, and the index that names the manifest.
    public func blobs() -> (index: Data, blobs: [(digest: String, data: Data)], manifestDigest: String) {
        let layerDigest = Self.digest(layer)
        let configData = Self.encode(ImageConfig(architecture: architecture, config: config, rootfs: .init(diffIDs: [layerDigest])))
        let configDesc = Descriptor(mediaType: Self.configType, digest: Self.digest(configData), size: configData.count)
        let layerDesc = Descriptor(mediaType: Self.layerType, digest: layerDigest, size: layer.count)
        let manifestData = Self.encode(Manifest(config: configDesc, layers: [layerDesc]))
        let manifestDigest = Self.digest(manifestData)
        let index = Self.encode(Index(manifests: [
            Descriptor(mediaType: Self.manifestType, digest: manifestDigest, size: manifestData.count,
                       platform: Platform(architecture: architecture, os: "linux"),
                       annotations: ["io.containerd.image.name": reference, "org.opencontainers.image.ref.name": tag]),
        ]))
        return (index, [(layerDigest, layer), (configDesc.digest, configData), (manifestDigest, manifestData)], manifestDigest)
    }

    /// The whole layout as a tar archive.
    public func archive() throws -> Data {
        let (index, blobs, _) = blobs()
        var tar = TarWriter()
        try tar.addFile("oci-layout", contents: Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        try tar.addFile("index.json", contents: index)
        try tar.addDirectory("blobs")
        try tar.addDirectory("blobs/sha256")
        for blob in blobs {
            try tar.addFile("blobs/sha256/" + blob.digest.dropFirst("sha256:".count), contents: blob.data)
        }
        return tar.finished()
    }
}
