import Foundation
import Testing
@testable import Storage

/// The store holds every Secret: no other local user may read its folder or files.
@Suite("Store file modes")
struct PrivateFilesTests {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func newStoreFilesAre0600InA0700Folder() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteStore(path: folder.databasePath)
        try await store.create("/registry/secrets/default/s", value: Data("x".utf8))
        #expect(try mode(folder.url.path) == 0o700)
        for suffix in ["", "-wal", "-shm"] {
            let file = folder.databasePath + suffix
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
            #expect(try mode(file) == 0o600, "\(file)")
        }
        await store.close()
    }

    @Test func openingNarrowsAnOlderStoresModes() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try SQLiteStore(path: folder.databasePath)
        try await first.create("/registry/a", value: Data())
        await first.close()
        chmod(folder.url.path, 0o755)
        chmod(folder.databasePath, 0o644)
        let second = try SQLiteStore(path: folder.databasePath)
        #expect(try mode(folder.url.path) == 0o700)
        #expect(try mode(folder.databasePath) == 0o600)
        #expect(try await second.get("/registry/a", revision: nil) != nil)
        await second.close()
    }
}
