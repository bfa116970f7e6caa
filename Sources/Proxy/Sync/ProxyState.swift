import APIMachinery
import Client
import Foundation
import Synchronization

/// The Services and EndpointSlices the proxy knows, decoded to what it programs, and what has changed
/// since the last sync (upstream's `ServiceChangeTracker` and `EndpointsChangeTracker`, without the
/// per-object previous/current bookkeeping: a sync recomputes the whole desired state from here and lets
/// the diff find what changed, which is cheap next to the nft call).
public final class ProxyState: Sendable {
    /// One change's start, for network programming latency.
    public struct Trigger: Sendable, Equatable {
        /// The Service (`namespace/name`) whose endpoints changed.
        public var serviceKey: String
        public var time: Date
    }

    /// What one Service's rules are computed from.
    public struct ServiceInputs: Sendable, Equatable {
        public var ports: [ServicePortInfo] = []
        public var slices: [EndpointSliceInfo] = []
    }

    /// What a sync works from.
    public struct Snapshot: Sendable {
        /// Inputs by Service key (`namespace/name`): of every Service for a full sync, else of the changed ones.
        public var inputs: [String: ServiceInputs]
        /// Services whose ports or slices changed since the last snapshot.
        public var changed: Set<String>
        public var triggers: [Trigger]
    }

    struct State {
        var services: [String: [ServicePortInfo]] = [:]
        var slices: [String: EndpointSliceInfo] = [:]
        /// Service key → keys of the slices that point at it.
        var slicesByService: [String: Set<String>] = [:]
        var changed: Set<String> = []
        var triggers: [Trigger] = []
        var dirty = false
        var servicesSynced = false
        var slicesSynced = false

        func inputs(_ service: String) -> ServiceInputs {
            ServiceInputs(
                ports: services[service] ?? [],
                slices: (slicesByService[service] ?? []).sorted().compactMap { slices[$0] })
        }
    }

    let state = Mutex(State())
    /// Called after every change that needs a sync (the `Proxier` wakes its loop).
    let onChange: @Sendable () -> Void

    public init(onChange: @escaping @Sendable () -> Void = {}) {
        self.onChange = onChange
    }

    /// True once both collections were listed: syncing earlier would program a partial view (say, reject
    /// every service whose slices have not arrived yet).
    public var isInitialized: Bool { state.withLock { $0.servicesSynced && $0.slicesSynced } }
    public var isDirty: Bool { state.withLock { $0.dirty } }

    public func markServicesSynced() {
        state.withLock { $0.servicesSynced = true; $0.dirty = true }
        onChange()
    }

    public func markEndpointSlicesSynced() {
        state.withLock { $0.slicesSynced = true; $0.dirty = true }
        onChange()
    }

    /// Records a Service as it now is; false when nothing the proxy uses changed.
    @discardableResult
    public func updateService(_ service: JSON) -> Bool {
        guard let key = ObjectKey.of(service) else { return false }
        return setService(key, ServicePortInfo.from(service: service))
    }

    @discardableResult
    public func deleteService(key: String) -> Bool { setService(key, nil) }

    func setService(_ key: String, _ ports: [ServicePortInfo]?) -> Bool {
        let changed = state.withLock { s -> Bool in
            let before = s.services[key]
            let after = ports?.isEmpty == true ? nil : ports
            guard before != after else { return false }
            s.services[key] = after
            s.changed.insert(key)
            s.dirty = true
            return true
        }
        if changed { onChange() }
        return changed
    }

    /// Records an EndpointSlice as it now is. A change that matters to the rules is timed from the slice's
    /// trigger-time annotation, else from `observedAt`, unless `timed` is false (the initial list: those
    /// changes happened before the proxy started, and timing them would only measure its start-up).
    @discardableResult
    public func updateEndpointSlice(_ slice: JSON, observedAt: Date = Date(), timed: Bool = true) -> Bool {
        guard let key = ObjectKey.of(slice) else { return false }
        let info = EndpointSliceInfo.from(slice: slice)
        let trigger = EndpointSliceInfo.triggerTime(of: slice) ?? observedAt
        return setSlice(key, info, trigger: timed ? trigger : nil)
    }

    @discardableResult
    public func deleteEndpointSlice(key: String, observedAt: Date = Date()) -> Bool {
        setSlice(key, nil, trigger: observedAt)
    }

    func setSlice(_ key: String, _ info: EndpointSliceInfo?, trigger: Date?) -> Bool {
        let changed = state.withLock { s -> Bool in
            let before = s.slices[key]
            guard before != info else { return false }
            s.slices[key] = info
            if let old = before?.serviceKey {
                s.slicesByService[old]?.remove(key)
                if s.slicesByService[old]?.isEmpty == true { s.slicesByService[old] = nil }
                s.changed.insert(old)
            }
            if let new = info?.serviceKey {
                s.slicesByService[new, default: []].insert(key)
                s.changed.insert(new)
            }
            s.dirty = true
            if let trigger, let service = info?.serviceKey ?? before?.serviceKey {
                s.triggers.append(Trigger(serviceKey: service, time: trigger))
            }
            return true
        }
        if changed { onChange() }
        return changed
    }

    /// Everything a sync needs (`all`: inputs of every Service, for a full sync), and the changes it
    /// will carry (taken: they are no longer pending).
    public func takeSnapshot(all: Bool) -> Snapshot {
        state.withLock { s in
            let keys = all ? Set(s.services.keys).union(s.slicesByService.keys) : s.changed
            var inputs: [String: ServiceInputs] = [:]
            for k in keys { inputs[k] = s.inputs(k) }
            let snap = Snapshot(inputs: inputs, changed: s.changed, triggers: s.triggers)
            s.triggers = []
            s.changed = []
            s.dirty = false
            return snap
        }
    }

    /// Puts back what a failed sync took, so the retry carries (and times) it.
    public func requeue(_ snapshot: Snapshot) {
        state.withLock { s in
            s.triggers = snapshot.triggers + s.triggers
            s.changed.formUnion(snapshot.changed)
            s.dirty = true
        }
    }
}
