import EtcdStorage
import Foundation
import Storage
import TestSupport
import Testing

/// What only the etcd store has: etcd's own view of what it wrote, members that fail, and its options.
/// (Its KeyValueStore semantics are the conformance suite's, which runs against etcd too.)
@Suite("EtcdStore")
struct EtcdStoreTests {
    @Test func keysAreTheAPIServersKeysSoEtcdctlFindsTheObject() async throws {
        try await EtcdFixture.withEtcd { etcd in
            let store = try EtcdStore(endpoints: etcd.endpoints)
            let object = #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"nginx-pod","namespace":"default"}}"#
            let created = try await store.create("/registry/pods/default/nginx-pod", value: object.bytes)
            let printed = try etcd.etcdctl(["get", "/registry/pods/default/nginx-pod", "--print-value-only"])
            #expect(printed == object + "\n")
            // etcd's revision of the write is the store's plus one (EtcdRevisions): a new etcd starts at 1.
            let fields = try etcd.etcdctl(["get", "/registry/pods/default/nginx-pod", "-w", "fields"])
            #expect(fields.contains("\"ModRevision\" : \(created.modRevision + 1)\n"))
            #expect(created.modRevision == 1)
            // A key another etcd client wrote reads back through the store.
            _ = try etcd.etcdctl(["put", "/registry/configmaps/default/made-by-etcdctl", "hello"])
            let read = try await store.get("/registry/configmaps/default/made-by-etcdctl", revision: nil)
            #expect(read?.value == "hello".bytes)
            #expect(read?.modRevision == 2)
            await store.close()
        }
    }

    @Test func aWatchFollowsThroughTheLeadersDeathWithoutLosingOrRepeatingEvents() async throws {
        try await EtcdFixture.withEtcd(members: 3) { etcd in
            let leader = try #require(try etcd.leader())
            // The store talks to the leader first, so killing it both breaks the watch's stream and forces an
            // election; the watch must resume on another member from the last revision it delivered.
            let others = etcd.members.filter { $0.name != leader.name }
            let store = try EtcdStore(endpoints: ([leader] + others).map(etcd.endpoint))
            let stream = try await store.watch(prefix: "/registry/pods/", afterRevision: 0)
            var keys: [String] = []
            for i in 0..<20 {
                keys.append("/registry/pods/default/p\(i)")
                try await createAcknowledged(store, keys[i])
            }
            await etcd.kill(leader)
            for i in 20..<40 {
                keys.append("/registry/pods/default/p\(i)")
                try await createAcknowledged(store, keys[i])
            }
            let events = try await collect(stream, count: 40)
            #expect(events.map(\.kv.key) == keys)
            #expect(events.map(\.revision) == Array(1...40))
            #expect(events.allSatisfy { $0.kind == .put && $0.previous == nil })
            let newLeader = try etcd.leader(among: others)
            #expect(newLeader != nil)
            #expect(newLeader?.name != leader.name)
            // Reads, writes and new watches carry on against the surviving members.
            #expect(try await store.currentRevision() == 40)
            #expect(try await store.range(prefix: "/registry/pods/", startKey: nil, revision: nil, limit: nil).count == 40)
            await store.close()
        }
    }

    @Test func aWatchResumesFromHistoryWhenItsMemberComesBack() async throws {
        try await EtcdFixture.withEtcd(members: 3) { etcd in
            // A follower, so the other two keep their leader (a leader's death is the test above).
            let leader = try #require(try etcd.leader())
            let member = try #require(etcd.members.first { $0.name != leader.name })
            let others = etcd.members.filter { $0.name != member.name }
            // The store knows only this member, so while it is down its watch cannot resume anywhere.
            let store = try EtcdStore(endpoints: [etcd.endpoint(member)])
            let stream = try await store.watch(prefix: "/r/", afterRevision: 0)
            try await store.create("/r/before", value: Data())
            await etcd.kill(member)
            await expectStorageError(.unavailable("")) { try await store.currentRevision() } matching: {
                if case .unavailable = $0 { true } else { false }
            }
            // The other two keep a quorum and take writes from another client meanwhile; the watch must fetch
            // them from history when it resumes, not start from "now".
            for i in 1...3 { _ = try etcd.etcdctl(["put", "/r/meanwhile-\(i)", "x"], members: others) }
            try await etcd.start(member).value
            try await createAcknowledged(store, "/r/after")
            let events = try await collect(stream, count: 5)
            #expect(events.map(\.kv.key) == ["/r/before", "/r/meanwhile-1", "/r/meanwhile-2", "/r/meanwhile-3", "/r/after"])
            #expect(events.map(\.revision) == [1, 2, 3, 4, 5])
            await store.close()
        }
    }

    @Test func anUnreachableEtcdIsUnavailable() async throws {
        let port = try EtcdFixture.freePort()
        let store = try EtcdStore(endpoints: [EtcdEndpoint(host: "127.0.0.1", port: port, secure: false)])
        await expectStorageError(.unavailable("")) { try await store.currentRevision() } matching: {
            if case .unavailable = $0 { true } else { false }
        }
        await expectStorageError(.unavailable("")) { try await store.create("/k", value: Data()) } matching: {
            if case .unavailable = $0 { true } else { false }
        }
        await expectStorageError(.unavailable("")) { try await store.watch(prefix: "/", afterRevision: 0) } matching: {
            if case .unavailable = $0 { true } else { false }
        }
        await store.close()
    }

    @Test func serversAndTLSFilesAreParsedAsKubeAPIServerTakesThem() throws {
        #expect(try EtcdEndpoint.list("https://10.0.0.1:2379,https://10.0.0.2:2380") == [
            EtcdEndpoint(host: "10.0.0.1", port: 2379, secure: true), EtcdEndpoint(host: "10.0.0.2", port: 2380, secure: true),
        ])
        #expect(try EtcdEndpoint(parsing: "http://127.0.0.1:23790") == EtcdEndpoint(host: "127.0.0.1", port: 23790, secure: false))
        #expect(try EtcdEndpoint(parsing: "https://etcd.example") == EtcdEndpoint(host: "etcd.example", port: 2379, secure: true))
        #expect(try EtcdEndpoint(parsing: "https://[::1]:2379/") == EtcdEndpoint(host: "::1", port: 2379, secure: true))
        #expect(try EtcdEndpoint(parsing: "127.0.0.1:2379").secure == false)
        #expect(EtcdEndpoint(host: "::1", port: 2379, secure: true).description == "https://[::1]:2379")
        #expect(throws: EtcdConfigurationError("etcd server unix:///run/etcd.sock: only http:// and https:// URLs are supported")) {
            try EtcdEndpoint(parsing: "unix:///run/etcd.sock")
        }
        #expect(throws: EtcdConfigurationError("etcd server https://a:99999: bad port")) { try EtcdEndpoint(parsing: "https://a:99999") }
        #expect(throws: EtcdConfigurationError("--etcd-servers names no server")) { try EtcdEndpoint.list(" , ") }
        #expect(throws: EtcdConfigurationError("--etcd-certfile and --etcd-keyfile must be given together")) {
            try EtcdTLSFiles(certFile: "/c.pem").validate()
        }
        try EtcdTLSFiles(caFile: "/ca.pem", certFile: "/c.pem", keyFile: "/k.pem").validate()
    }

    /// Creates `key`, again while members fail under the call (a member down, an election): a write that was
    /// applied but not acknowledged is then found existing, and counts as acknowledged.
    func createAcknowledged(_ store: EtcdStore, _ key: String) async throws {
        var failed: String?
        let created = await eventually {
            do {
                try await store.create(key, value: key.bytes)
                return true
            } catch StorageError.keyExists where failed != nil {
                return true
            } catch {
                failed = "\(error)"
                return false
            }
        }
        #expect(created, "\(key): \(failed ?? "")")
    }
}

/// Asserts that `body` throws a StorageError for which `matching` holds.
func expectStorageError<T>(
    _ example: StorageError, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T, matching: (StorageError) -> Bool
) async {
    do {
        _ = try await body()
        Issue.record("expected an error like \(example), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as StorageError {
        #expect(matching(error), "got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected an error like \(example), got \(error)", sourceLocation: sourceLocation)
    }
}
