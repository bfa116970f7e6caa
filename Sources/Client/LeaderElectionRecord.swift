import APIMachinery

/// Who holds a leader-election lock and since when (client-go's `resourcelock.LeaderElectionRecord`), as
/// kept in a `coordination.k8s.io/v1` Lease's spec.
public struct LeaderElectionRecord: Sendable, Equatable {
    /// Empty when nobody holds the lock (it was released): anyone may take it at once.
    public var holderIdentity: String
    /// How long others wait, from when they last saw the record change, before taking the lock over.
    public var leaseDurationSeconds: Int
    /// MicroTime text of when the holder acquired the lock.
    public var acquireTime: String?
    /// MicroTime text of the holder's last renewal.
    public var renewTime: String?
    /// How many times the lock has changed hands.
    public var leaderTransitions: Int

    public init(holderIdentity: String, leaseDurationSeconds: Int, acquireTime: String?, renewTime: String?,
                leaderTransitions: Int) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaderTransitions = leaderTransitions
    }

    /// The record a Lease spec holds (missing fields read as empty or zero, as upstream).
    public init(leaseSpec spec: JSON?) {
        holderIdentity = spec?["holderIdentity"]?.string ?? ""
        leaseDurationSeconds = Int(spec?["leaseDurationSeconds"]?.int ?? 0)
        acquireTime = spec?["acquireTime"]?.string
        renewTime = spec?["renewTime"]?.string
        leaderTransitions = Int(spec?["leaseTransitions"]?.int ?? 0)
    }

    /// The Lease spec for this record; every field is written, as client-go's lease lock does.
    public var leaseSpec: JSON {
        var spec: JSON = [
            "holderIdentity": .string(holderIdentity),
            "leaseDurationSeconds": .int(Int64(leaseDurationSeconds)),
            "leaseTransitions": .int(Int64(leaderTransitions)),
        ]
        spec["acquireTime"] = acquireTime.map { .string($0) } ?? .null
        spec["renewTime"] = renewTime.map { .string($0) } ?? .null
        return spec
    }
}
