import APIMachinery
import Client

/// Writes of a controller's ControllerRevisions (upstream's `realHistory`), reads coming from the
/// informer cache.
struct RevisionHistory {
    let client: KubeClient

    func path(_ namespace: String) -> ResourcePath { .controllerrevisions.inNamespace(namespace) }

    /// Creates `revision` for `parent`. A name taken by different data is a hash collision: the count goes
    /// up and the name is computed again; a name taken by the same data of the same parent is that
    /// revision (an earlier attempt that succeeded). Returns the revision as stored.
    func create(parent: JSON, revision: JSON, collisionCount: inout Int64) async throws -> JSON {
        while true {
            let candidate = ControllerHistory.rehashed(revision, parentName: parent.name, collisionCount: collisionCount)
            do {
                return try await client.create(path(parent.namespace), candidate)
            } catch let e as APIError where e.code == 409 && e.reason == "AlreadyExists" {
                let existing = try await client.get(path(parent.namespace), candidate.name)
                if existing.controllerRef?.uid == parent.uid && ControllerHistory.equal(existing, candidate) {
                    return existing
                }
                collisionCount += 1
            }
        }
    }

    /// Gives `revision` the number `number`, retrying on conflicts against the live object
    /// (upstream's `UpdateControllerRevision`).
    func renumber(_ revision: JSON, to number: Int64) async throws -> JSON {
        var current = revision
        for attempt in 0..<5 {
            if ControllerHistory.number(current) == number { return current }
            current["revision"] = .int(number)
            do {
                return try await client.update(path(revision.namespace), current)
            } catch let e as APIError where e.code == 409 && attempt < 4 {
                current = try await client.get(path(revision.namespace), revision.name)
            }
        }
        return current
    }

    func delete(_ revision: JSON) async throws {
        do {
            try await client.delete(path(revision.namespace), revision.name)
        } catch let e as APIError where e.code == 404 {}
    }
}
