import APIMachinery
import Client
import Foundation

/// One sync of one Deployment (upstream's `syncDeployment` and the functions of sync.go, rolling.go,
/// recreate.go and progress.go it calls).
///
/// It keeps the latest copy of the Deployment and of each of its ReplicaSets as its own writes return
/// them, so later steps of the same sync decide on what they just wrote rather than on the cache.
final class DeploymentSync {
    let c: DeploymentController
    var d: JSON
    /// The latest known copy of each claimed ReplicaSet, by UID.
    var current: [String: JSON] = [:]
    let now = Date()

    init(controller: DeploymentController, deployment: JSON) {
        c = controller
        d = deployment
    }

    typealias U = DeploymentUtil

    func cur(_ rs: JSON) -> JSON { current[rs.uid] ?? rs }
    func cur(_ rss: [JSON]) -> [JSON] { rss.map(cur) }
    func latest(_ rs: JSON?) -> JSON? { rs.map { cur($0) } }
    func remember(_ rs: JSON) { current[rs.uid] = rs }

    var rsPath: ResourcePath { .replicasets.inNamespace(d.namespace) }

    func run() async throws {
        let selector: LabelSelector
        do {
            selector = try LabelSelector(labelSelector: d[path: ["spec", "selector"]])
        } catch {
            c.logger.error("deployment \(d.key) has an invalid selector: \(error)")
            return
        }
        if selector.isEverything {
            c.event(d, .warning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
            if d.integer(at: ["status", "observedGeneration"]) < d.generation {
                d[path: ["status", "observedGeneration"]] = .int(d.generation)
                d = try await c.writeStatus(d)
            }
            return
        }
        let inNamespace = (try? c.replicaSets.store.byIndex(Indexer.namespaceIndex, d.namespace)) ?? []
        let rsList = try await ControllerRefManager(
            client: c.client, resource: .replicasets, owner: d, ownerKind: DeploymentController.kind,
            ownerAPIVersion: DeploymentController.apiVersion, matches: { selector.matches($0.labels) }, logger: c.logger
        ).claim(inNamespace)
        for rs in rsList { remember(rs) }

        if d.isBeingDeleted {
            let (newRS, oldRSs) = try await allReplicaSetsSyncingRevision(rsList, create: false)
            try await syncStatus(cur(oldRSs) + [latest(newRS)].compactMap { $0 }, newRS: latest(newRS))
            return
        }
        try await checkPausedConditions()
        if U.isPaused(d) {
            try await sync(rsList)
            return
        }
        if try await isScalingEvent(rsList) {
            try await sync(rsList)
            return
        }
        switch U.strategyType(d) {
        case "Recreate": try await rolloutRecreate(rsList)
        case "RollingUpdate": try await rolloutRolling(rsList)
        default: throw APIError.badRequest("unexpected deployment strategy type: \(U.strategyType(d))")
        }
    }

    // MARK: Revisions and the new ReplicaSet

    /// (new ReplicaSet, all old ones), with the new one's revision (and the Deployment's) brought up to
    /// date; the new one is created when `create` and missing.
    func allReplicaSetsSyncingRevision(_ rsList: [JSON], create: Bool) async throws -> (JSON?, [JSON]) {
        let all = cur(rsList)
        let old = U.findOld(d, all)
        let newRS = try await newReplicaSet(all, old: old, create: create)
        return (newRS, old)
    }

    func setDeploymentRevision(_ revision: String) -> Bool {
        if d.annotations[U.revisionAnnotation] == revision { return false }
        U.setAnnotation(&d, U.revisionAnnotation, revision)
        return true
    }

    func newReplicaSet(_ rsList: [JSON], old: [JSON], create: Bool) async throws -> JSON? {
        let newRevision = U.maxRevision(old) + 1
        if let existing = U.findNew(d, rsList) {
            var copy = existing
            let annotationsUpdated = U.setNewReplicaSetAnnotations(d, &copy, newRevision: newRevision, exists: true)
            let minReady = d.integer(at: ["spec", "minReadySeconds"])
            if annotationsUpdated || copy.integer(at: ["spec", "minReadySeconds"]) != minReady {
                copy[path: ["spec", "minReadySeconds"]] = minReady == 0 ? nil : .int(minReady)
                let updated = try await c.client.update(rsPath, copy)
                remember(updated)
                return updated
            }
            var needsUpdate = setDeploymentRevision(copy.annotations[U.revisionAnnotation] ?? "")
            if U.progressDeadline(d) != nil, U.condition(d["status"], U.progressing) == nil {
                var status = d["status"] ?? [:]
                U.setCondition(&status, U.newCondition(U.progressing, "True", U.foundNewReplicaSet, "Found new replica set \"\(copy.name)\"", now: now))
                d["status"] = status
                needsUpdate = true
            }
            if needsUpdate { d = try await c.writeStatus(d) }
            return copy
        }
        guard create else { return nil }

        let template = d[path: ["spec", "template"]] ?? [:]
        let collisionCount = d[path: ["status", "collisionCount"]]?.int
        let hash = PodTemplateHash.compute(template, collisionCount: collisionCount)
        var newTemplate = template
        newTemplate[path: ["metadata", "labels", PodTemplateHash.label]] = .string(hash)
        var selector = d[path: ["spec", "selector"]] ?? [:]
        selector[path: ["matchLabels", PodTemplateHash.label]] = .string(hash)
        var rs: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string("\(d.name)-\(hash)"), "namespace": .string(d.namespace),
                "ownerReferences": [OwnerReference.controller(of: d, apiVersion: DeploymentController.apiVersion, kind: DeploymentController.kind).json],
                "labels": newTemplate[path: ["metadata", "labels"]] ?? [:],
            ],
            "spec": ["replicas": 0, "selector": selector, "template": newTemplate],
        ]
        let minReady = d.integer(at: ["spec", "minReadySeconds"])
        if minReady != 0 { rs[path: ["spec", "minReadySeconds"]] = .int(minReady) }
        let newReplicas = newRSNewReplicas(old + [rs], rs)
        rs[path: ["spec", "replicas"]] = .int(newReplicas)
        _ = U.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: false)

        var created: JSON
        var alreadyExists = false
        do {
            created = try await c.client.create(rsPath, rs)
        } catch let e as APIError where e.code == 409 && e.reason == "AlreadyExists" {
            alreadyExists = true
            let existing = try await c.client.get(rsPath, rs.name)
            if existing.controllerRef?.uid == d.uid,
               U.equalIgnoringHash(existing[path: ["spec", "template"]], d[path: ["spec", "template"]]) {
                created = existing
            } else {
                // A hash collision: another object holds the name. A new collision count changes the hash.
                d[path: ["status", "collisionCount"]] = .int((collisionCount ?? 0) + 1)
                d = try await c.writeStatus(d)
                throw e
            }
        } catch {
            let msg = "Failed to create new replica set \"\(rs.name)\": \(error)"
            if U.progressDeadline(d) != nil {
                var status = d["status"] ?? [:]
                U.setCondition(&status, U.newCondition(U.progressing, "False", U.failedReplicaSetCreate, msg, now: now))
                d["status"] = status
                _ = try? await c.writeStatus(d)
            }
            c.event(d, .warning, U.failedReplicaSetCreate, msg)
            throw error
        }
        remember(created)
        if !alreadyExists && newReplicas > 0 {
            c.event(d, .normal, "ScalingReplicaSet", "Scaled up replica set \(created.name) from 0 to \(newReplicas)")
        }
        var needsUpdate = setDeploymentRevision(String(newRevision))
        if !alreadyExists, U.progressDeadline(d) != nil {
            var status = d["status"] ?? [:]
            U.setCondition(&status, U.newCondition(U.progressing, "True", U.newReplicaSetCreated, "Created new replica set \"\(created.name)\"", now: now))
            d["status"] = status
            needsUpdate = true
        }
        if needsUpdate { d = try await c.writeStatus(d) }
        return created
    }

    /// How many replicas the new ReplicaSet may have now (upstream's `NewRSNewReplicas`).
    func newRSNewReplicas(_ allRSs: [JSON], _ newRS: JSON) -> Int64 {
        let want = U.replicas(d)
        guard U.isRollingUpdate(d) else { return want }
        let surge = (try? U.scaledValue(d[path: ["spec", "strategy", "rollingUpdate", "maxSurge"]] ?? "25%", total: want, roundUp: true)) ?? 0
        let currentPods = U.replicaCount(allRSs)
        let maxTotal = want + surge
        if currentPods >= maxTotal { return U.replicas(newRS) }
        let scaleUp = min(maxTotal - currentPods, want - U.replicas(newRS))
        return U.replicas(newRS) + scaleUp
    }

    // MARK: Scaling

    /// Scales `rs` to `newScale` and records the event; (scaled, latest copy).
    @discardableResult
    func scaleAndRecord(_ rs: JSON, to newScale: Int64) async throws -> Bool {
        let rs = cur(rs)
        if U.replicas(rs) == newScale { return false }
        return try await scale(rs, to: newScale, operation: U.replicas(rs) < newScale ? "up" : "down")
    }

    @discardableResult
    func scale(_ rs: JSON, to newScale: Int64, operation: String) async throws -> Bool {
        let rs = cur(rs)
        let sizeNeedsUpdate = U.replicas(rs) != newScale
        let maxReplicas = U.replicas(d) + U.maxSurge(d)
        let annotationsNeedUpdate = U.replicasAnnotationsNeedUpdate(rs, desired: U.replicas(d), max: maxReplicas)
        guard sizeNeedsUpdate || annotationsNeedUpdate else { return false }
        let oldScale = U.replicas(rs)
        var copy = rs
        copy[path: ["spec", "replicas"]] = .int(newScale)
        U.setReplicasAnnotations(&copy, desired: U.replicas(d), max: maxReplicas)
        let updated = try await c.client.update(rsPath, copy)
        remember(updated)
        if sizeNeedsUpdate {
            c.event(d, .normal, "ScalingReplicaSet", "Scaled \(operation) replica set \(rs.name) from \(oldScale) to \(newScale)")
        }
        return sizeNeedsUpdate
    }

    /// Some active ReplicaSet's desired-replicas annotation differs from `spec.replicas`.
    func isScalingEvent(_ rsList: [JSON]) async throws -> Bool {
        let (newRS, oldRSs) = try await allReplicaSetsSyncingRevision(rsList, create: false)
        for rs in U.active(cur(oldRSs) + [latest(newRS)].compactMap { $0 }) {
            if let desired = U.desiredReplicasAnnotation(rs), desired != U.replicas(d) { return true }
        }
        return false
    }

    /// Scaling and paused Deployments: resize proportionally without rolling (upstream's `sync`).
    func sync(_ rsList: [JSON]) async throws {
        let (newRS, oldRSs) = try await allReplicaSetsSyncingRevision(rsList, create: false)
        try await scaleProportionally(newRS, oldRSs)
        if U.isPaused(d) { try await cleanup(oldRSs) }
        try await syncStatus(cur(oldRSs) + [latest(newRS)].compactMap { $0 }, newRS: latest(newRS))
    }

    /// Upstream's `scale`: the one active (or latest) ReplicaSet takes the new size; otherwise the
    /// change is spread over the active ones in proportion to their size.
    func scaleProportionally(_ newRS: JSON?, _ oldRSs: [JSON]) async throws {
        let newRS = latest(newRS), oldRSs = cur(oldRSs)
        if let target = activeOrLatest(newRS, oldRSs) {
            if U.replicas(target) == U.replicas(d) { return }
            try await scaleAndRecord(target, to: U.replicas(d))
            return
        }
        if let newRS, isSaturated(newRS) {
            for old in U.active(oldRSs) { try await scaleAndRecord(old, to: 0) }
            return
        }
        guard U.isRollingUpdate(d) else { return }
        var all = U.active(oldRSs + [newRS].compactMap { $0 })
        let allReplicas = U.replicaCount(all)
        let allowed = U.replicas(d) > 0 ? U.replicas(d) + U.maxSurge(d) : 0
        let toAdd = allowed - allReplicas
        var operation = ""
        if toAdd > 0 {
            all.sort(by: U.bySizeNewer)
            operation = "up"
        } else if toAdd < 0 {
            all.sort(by: U.bySizeOlder)
            operation = "down"
        }
        var added: Int64 = 0
        var sizes: [String: Int64] = [:]
        for rs in all {
            if toAdd != 0 {
                let p = proportion(rs, toAdd: toAdd, added: added)
                sizes[rs.name] = U.replicas(rs) + p
                added += p
            } else {
                sizes[rs.name] = U.replicas(rs)
            }
        }
        for (i, rs) in all.enumerated() {
            if i == 0 && toAdd != 0 {
                sizes[rs.name] = max(0, (sizes[rs.name] ?? 0) + toAdd - added)
            }
            try await scale(rs, to: sizes[rs.name] ?? 0, operation: operation)
        }
    }

    func activeOrLatest(_ newRS: JSON?, _ oldRSs: [JSON]) -> JSON? {
        if newRS == nil && oldRSs.isEmpty { return nil }
        let newestFirst = oldRSs.sorted { U.byCreation($1, $0) }
        let active = U.active(newestFirst + [newRS].compactMap { $0 })
        switch active.count {
        case 0: return newRS ?? newestFirst.first
        case 1: return active[0]
        default: return nil
        }
    }

    func isSaturated(_ rs: JSON) -> Bool {
        guard let desired = U.desiredReplicasAnnotation(rs) else { return false }
        let want = U.replicas(d)
        return U.replicas(rs) == want && desired == want && U.availableReplicas(rs) == want
    }

    func proportion(_ rs: JSON, toAdd: Int64, added: Int64) -> Int64 {
        if U.replicas(rs) == 0 || toAdd == 0 || toAdd == added { return 0 }
        let fraction = replicaSetFraction(rs)
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }

    func replicaSetFraction(_ rs: JSON) -> Int64 {
        if U.replicas(d) == 0 { return -U.replicas(rs) }
        let deploymentReplicas = U.replicas(d) + U.maxSurge(d)
        let annotated = U.maxReplicasAnnotation(rs) ?? U.statusReplicas(d)
        guard annotated > 0 else { return 0 }
        let size = Double(U.replicas(rs) * deploymentReplicas) / Double(annotated)
        return Int64(size.rounded()) - U.replicas(rs)
    }

    /// Deletes the oldest idle ReplicaSets beyond `revisionHistoryLimit` (upstream's `cleanupDeployment`).
    func cleanup(_ oldRSs: [JSON]) async throws {
        guard let limit = U.revisionHistoryLimit(d) else { return }
        let cleanable = cur(oldRSs).filter { !$0.isBeingDeleted }
        let diff = cleanable.count - Int(limit)
        guard diff > 0 else { return }
        for rs in cleanable.sorted(by: U.byRevision).prefix(diff) {
            if U.statusReplicas(rs) != 0 || U.replicas(rs) != 0 || rs.generation > rs.integer(at: ["status", "observedGeneration"]) {
                continue
            }
            do {
                try await c.client.delete(rsPath, rs.name)
            } catch let e as APIError where e.code == 404 {
                continue
            }
        }
    }

    // MARK: Rolling update

    func rolloutRolling(_ rsList: [JSON]) async throws {
        let (created, oldRSs) = try await allReplicaSetsSyncingRevision(rsList, create: true)
        guard let newRS = created else { return }
        var all: [JSON] { cur(oldRSs) + [cur(newRS)] }

        if try await reconcileNewReplicaSet(all, newRS) {
            return try await syncRolloutStatus(all, newRS: latest(newRS))
        }
        if try await reconcileOldReplicaSets(all, U.active(cur(oldRSs)), cur(newRS)) {
            return try await syncRolloutStatus(all, newRS: latest(newRS))
        }
        if U.isComplete(d, d["status"] ?? [:]) { try await cleanup(oldRSs) }
        try await syncRolloutStatus(all, newRS: latest(newRS))
    }

    func reconcileNewReplicaSet(_ all: [JSON], _ newRS: JSON) async throws -> Bool {
        let newRS = cur(newRS)
        let want = U.replicas(d)
        if U.replicas(newRS) == want { return false }
        if U.replicas(newRS) > want { return try await scaleAndRecord(newRS, to: want) }
        return try await scaleAndRecord(newRS, to: newRSNewReplicas(all, newRS))
    }

    func reconcileOldReplicaSets(_ all: [JSON], _ oldRSs: [JSON], _ newRS: JSON) async throws -> Bool {
        if U.replicaCount(oldRSs) == 0 { return false }
        let allPods = U.replicaCount(all)
        let minAvailable = U.replicas(d) - U.maxUnavailable(d)
        let newUnavailable = U.replicas(newRS) - U.availableReplicas(newRS)
        let maxScaledDown = allPods - minAvailable - newUnavailable
        if maxScaledDown <= 0 { return false }
        let cleaned = try await cleanupUnhealthyReplicas(oldRSs, max: maxScaledDown)
        let scaledDown = try await scaleDownOldForRollingUpdate(cur(oldRSs) + [cur(newRS)], cur(oldRSs))
        return cleaned + scaledDown > 0
    }

    /// Scales down old ReplicaSets' unavailable replicas first: they serve nothing.
    func cleanupUnhealthyReplicas(_ oldRSs: [JSON], max maxCleanup: Int64) async throws -> Int64 {
        var total: Int64 = 0
        for rs in oldRSs.sorted(by: U.byCreation) {
            if total >= maxCleanup { break }
            let rs = cur(rs)
            let replicas = U.replicas(rs), available = U.availableReplicas(rs)
            if replicas == 0 || replicas == available { continue }
            let count = min(maxCleanup - total, replicas - available)
            try await scaleAndRecord(rs, to: replicas - count)
            total += count
        }
        return total
    }

    /// Scales old ReplicaSets down, oldest first, as far as the availability floor allows.
    func scaleDownOldForRollingUpdate(_ all: [JSON], _ oldRSs: [JSON]) async throws -> Int64 {
        let minAvailable = U.replicas(d) - U.maxUnavailable(d)
        let available = U.availableReplicaCount(all)
        if available <= minAvailable { return 0 }
        let target = available - minAvailable
        var total: Int64 = 0
        for rs in oldRSs.sorted(by: U.byCreation) {
            if total >= target { break }
            let rs = cur(rs)
            if U.replicas(rs) == 0 { continue }
            let count = min(U.replicas(rs), target - total)
            try await scaleAndRecord(rs, to: U.replicas(rs) - count)
            total += count
        }
        return total
    }

    // MARK: Recreate

    func rolloutRecreate(_ rsList: [JSON]) async throws {
        var (newRS, oldRSs) = try await allReplicaSetsSyncingRevision(rsList, create: false)
        var scaledDown = false
        for rs in U.active(cur(oldRSs)) where U.replicas(rs) != 0 {
            if try await scaleAndRecord(rs, to: 0) { scaledDown = true }
        }
        if scaledDown || oldPodsRunning(latest(newRS), cur(oldRSs), rsList) {
            return try await syncRolloutStatus(cur(oldRSs) + [latest(newRS)].compactMap { $0 }, newRS: latest(newRS))
        }
        if newRS == nil {
            (newRS, oldRSs) = try await allReplicaSetsSyncingRevision(rsList, create: true)
        }
        if let newRS { try await scaleAndRecord(newRS, to: U.replicas(d)) }
        if U.isComplete(d, d["status"] ?? [:]) { try await cleanup(oldRSs) }
        try await syncRolloutStatus(cur(oldRSs) + [latest(newRS)].compactMap { $0 }, newRS: latest(newRS))
    }

    /// Old ReplicaSets still report replicas, or some of their pods have not finished.
    func oldPodsRunning(_ newRS: JSON?, _ oldRSs: [JSON], _ rsList: [JSON]) -> Bool {
        if U.actualReplicaCount(oldRSs) > 0 { return true }
        for rs in rsList where rs.uid != newRS?.uid {
            let pods = (try? c.pods.store.byIndex(Indexes.controllerUID, rs.uid)) ?? []
            for pod in pods {
                let phase = PodState.phase(pod)
                if phase == "Failed" || phase == "Succeeded" { continue }
                return true
            }
        }
        return false
    }

    // MARK: Status

    func checkPausedConditions() async throws {
        guard U.progressDeadline(d) != nil else { return }
        let cond = U.condition(d["status"], U.progressing)
        if cond?["reason"]?.string == U.timedOut { return }
        let pausedCondExists = cond?["reason"]?.string == U.paused
        var status = d["status"] ?? [:]
        if U.isPaused(d) && !pausedCondExists {
            U.setCondition(&status, U.newCondition(U.progressing, "Unknown", U.paused, "Deployment is paused", now: now))
        } else if !U.isPaused(d) && pausedCondExists {
            U.setCondition(&status, U.newCondition(U.progressing, "Unknown", U.resumed, "Deployment is resumed", now: now))
        } else {
            return
        }
        d["status"] = status
        d = try await c.writeStatus(d)
    }

    /// Upstream's `calculateStatus`: counts from the ReplicaSets and the Available condition.
    func calculateStatus(_ all: [JSON], newRS: JSON?) -> JSON {
        let available = U.availableReplicaCount(all)
        let unavailable = max(0, U.replicaCount(all) - available)
        var status: JSON = [:]
        func put(_ k: String, _ v: Int64) { if v != 0 { status[k] = .int(v) } }
        put("observedGeneration", d.generation)
        put("replicas", U.actualReplicaCount(all))
        put("updatedReplicas", newRS.map { U.actualReplicaCount([$0]) } ?? 0)
        put("readyReplicas", U.readyReplicaCount(all))
        put("availableReplicas", available)
        put("unavailableReplicas", unavailable)
        if let cc = d[path: ["status", "collisionCount"]] { status["collisionCount"] = cc }
        if let conds = d[path: ["status", "conditions"]], !(conds.array ?? []).isEmpty { status["conditions"] = conds }
        if available >= U.replicas(d) - U.maxUnavailable(d) {
            U.setCondition(&status, U.newCondition(U.available, "True", U.minimumReplicasAvailable, "Deployment has minimum availability.", now: now))
        } else {
            U.setCondition(&status, U.newCondition(U.available, "False", U.minimumReplicasUnavailable, "Deployment does not have minimum availability.", now: now))
        }
        return status
    }

    func syncStatus(_ all: [JSON], newRS: JSON?) async throws {
        let status = calculateStatus(all, newRS: newRS)
        if Semantic.equal(d["status"], status) { return }
        d["status"] = status
        d = try await c.writeStatus(d)
    }

    /// Status plus the Progressing condition (upstream's `syncRolloutStatus`).
    func syncRolloutStatus(_ all: [JSON], newRS: JSON?) async throws {
        var status = calculateStatus(all, newRS: newRS)
        let deadline = U.progressDeadline(d)
        if deadline == nil { U.removeCondition(&status, U.progressing) }
        let currentCond = U.condition(d["status"], U.progressing)
        let alreadyComplete = U.statusField(status, "replicas") == U.statusField(status, "updatedReplicas")
            && currentCond?["reason"]?.string == U.newReplicaSetAvailable
        if deadline != nil && !alreadyComplete {
            let subject = newRS.map { "ReplicaSet \"\($0.name)\"" } ?? "Deployment \"\(d.name)\""
            if U.isComplete(d, status) {
                U.setCondition(&status, U.newCondition(U.progressing, "True", U.newReplicaSetAvailable, "\(subject) has successfully progressed.", now: now))
            } else if U.isProgressing(d, status) {
                var cond = U.newCondition(U.progressing, "True", U.replicaSetUpdated, "\(subject) is progressing.", now: now)
                if let currentCond {
                    if currentCond["status"]?.string == "True" { cond["lastTransitionTime"] = currentCond["lastTransitionTime"] }
                    U.removeCondition(&status, U.progressing)
                }
                U.setCondition(&status, cond)
            } else if U.isTimedOut(d, status, now: now) {
                U.setCondition(&status, U.newCondition(U.progressing, "False", U.timedOut, "\(subject) has timed out progressing.", now: now))
            }
        }
        if let failure = replicaFailure(all, newRS: newRS) {
            U.setCondition(&status, failure)
        } else {
            U.removeCondition(&status, U.replicaFailure)
        }
        if Semantic.equal(d["status"], status) {
            requeueIfStuck(status)
            return
        }
        d["status"] = status
        d = try await c.writeStatus(d)
    }

    /// A ReplicaFailure condition of the new (else any) ReplicaSet, as the Deployment's.
    func replicaFailure(_ all: [JSON], newRS: JSON?) -> JSON? {
        let ordered = [newRS].compactMap { $0 } + all.filter { $0.uid != newRS?.uid }
        for rs in ordered {
            if let c = U.condition(rs["status"], U.replicaFailure) {
                return U.newCondition(U.replicaFailure, c["status"]?.string ?? "True", c["reason"]?.string ?? "", c["message"]?.string ?? "", now: now)
            }
        }
        return nil
    }

    /// Without any change to write, check again when the progress deadline would pass.
    func requeueIfStuck(_ status: JSON) {
        guard let deadline = U.progressDeadline(d), let cond = U.condition(d["status"], U.progressing) else { return }
        if U.isComplete(d, status) || cond["reason"]?.string == U.timedOut { return }
        guard let updated = cond["lastUpdateTime"]?.string.flatMap(RFC3339.parse) else { return }
        let after = updated.addingTimeInterval(Double(deadline)).timeIntervalSince(Date())
        if after < 1 {
            c.queue.addRateLimited(d.key)
        } else {
            c.queue.addAfter(d.key, .milliseconds(Int64((after + 1) * 1000)))
        }
    }
}
