import APIMachinery
import Foundation
import Registry

/// ClusterIP and NodePort allocation for Services, on create, update and delete.
extension APIHandler {
    func allocateServiceAddresses(_ service: JSON, dryRun: Bool) async throws -> JSON {
        var svc = service
        let name = svc.metaName ?? ""
        let type = svc[path: ["spec", "type"]]?.string ?? "ClusterIP"
        var reserved: [String] = []
        var ports: [Int] = []
        func fail(_ errors: [FieldError]) async -> APIError {
            for ip in reserved { await serviceIPs.release(ip) }
            for p in ports { await nodePorts.release(p) }
            return APIError.invalid(kind: "Service", name: name, group: "", errors: errors)
        }
        if type != "ExternalName" {
            let requested = svc[path: ["spec", "clusterIP"]]?.string ?? svc[path: ["spec", "clusterIPs"]]?[0]?.string ?? ""
            if requested == "None" {
                svc[path: ["spec", "clusterIPs"]] = ["None"]
            } else if requested.isEmpty {
                guard let ip = await serviceIPs.allocate() else {
                    throw await fail([.forbidden("spec.clusterIPs", "failed to allocate IP: range is full")])
                }
                reserved.append(ip)
                svc[path: ["spec", "clusterIP"]] = .string(ip)
                svc[path: ["spec", "clusterIPs"]] = [.string(ip)]
            } else {
                guard await serviceIPs.contains(requested) else {
                    throw await fail([FieldError(.invalid, "spec.clusterIPs", value: "[]string{\"\(requested)\"}",
                        detail: "failed to allocate IP \(requested): the provided IP (\(requested)) is not in the valid range. The range of valid IPs is \(serviceIPs.cidrDescription)")])
                }
                guard await serviceIPs.reserve(requested) else {
                    throw await fail([FieldError(.invalid, "spec.clusterIPs", value: "[]string{\"\(requested)\"}",
                        detail: "failed to allocate IP \(requested): provided IP is already allocated")])
                }
                reserved.append(requested)
                svc[path: ["spec", "clusterIP"]] = .string(requested)
                svc[path: ["spec", "clusterIPs"]] = [.string(requested)]
            }
        }
        // Upstream's initNodePorts: every port of a type that needs node ports gets one; a LoadBalancer
        // with allocateLoadBalancerNodePorts=false keeps only the ones asked for.
        let spec = svc["spec"] ?? [:]
        if ServiceStrategy.needsNodePort(spec) || type == "LoadBalancer" {
            var list = svc[path: ["spec", "ports"]]?.array ?? []
            for i in list.indices {
                if let p = list[i]["nodePort"]?.int, p != 0 {
                    guard await nodePorts.reserve(Int(p)) else {
                        throw await fail([.invalid("spec.ports[\(i)].nodePort", number: p, "provided port is already allocated")])
                    }
                    ports.append(Int(p))
                } else if ServiceStrategy.needsNodePort(spec) {
                    guard let p = await nodePorts.allocate() else {
                        throw await fail([.forbidden("spec.ports[\(i)].nodePort", "failed to allocate a nodePort: range is full")])
                    }
                    ports.append(p)
                    list[i]["nodePort"] = .int(Int64(p))
                }
            }
            svc[path: ["spec", "ports"]] = .array(list)
        }
        if ServiceStrategy.needsHealthCheckNodePort(spec) {
            do {
                let p = try await reserveHealthCheckNodePort(&svc)
                ports.append(p)
            } catch let e as FieldError {
                throw await fail([e])
            }
        }
        if dryRun {
            for ip in reserved { await serviceIPs.release(ip) }
            for p in ports { await nodePorts.release(p) }
        }
        return svc
    }

    /// Keeps a Service's allocated ClusterIP when an update leaves it out, and refuses a changed ClusterIP
    /// (it is immutable upstream). Only while the new type still has a ClusterIP: a switch to ExternalName
    /// drops it (the strategy's `dropTypeDependentFields`). Node ports left out are patched back by the
    /// strategy's `patchAllocatedValues`, as upstream, only when both the old and the new type use them: a
    /// LoadBalancer turned ClusterIP must not get its node ports back (they would be refused).
    func keepServiceAllocations(_ next: inout JSON, old: JSON) throws {
        guard (next[path: ["spec", "type"]]?.string ?? "ClusterIP") != "ExternalName" else { return }
        let oldIP = old[path: ["spec", "clusterIP"]]?.string ?? ""
        let newIP = next[path: ["spec", "clusterIP"]]?.string ?? ""
        if newIP.isEmpty {
            next[path: ["spec", "clusterIP"]] = old[path: ["spec", "clusterIP"]]
            next[path: ["spec", "clusterIPs"]] = old[path: ["spec", "clusterIPs"]]
        } else if newIP != oldIP, !oldIP.isEmpty {
            throw APIError.invalid(kind: "Service", name: next.metaName ?? "", group: "", errors: [
                FieldError(.invalid, "spec.clusterIPs[0]", value: "\"\(newIP)\"", detail: "may not change once set"),
            ])
        }
        if next[path: ["spec", "clusterIPs"]] == nil { next[path: ["spec", "clusterIPs"]] = old[path: ["spec", "clusterIPs"]] }
    }

    /// Upstream's `allocHealthCheckNodePort`: the port asked for, or the next free one.
    private func reserveHealthCheckNodePort(_ svc: inout JSON) async throws -> Int {
        if let p = svc[path: ["spec", "healthCheckNodePort"]]?.int, p != 0 {
            guard await nodePorts.reserve(Int(p)) else {
                throw FieldError.invalid("spec.healthCheckNodePort", number: p, "failed to allocate requested HealthCheck NodePort \(p): provided port is already allocated")
            }
            return Int(p)
        }
        guard let p = await nodePorts.allocate() else {
            throw FieldError.forbidden("spec.healthCheckNodePort", "failed to allocate a HealthCheck NodePort: range is full")
        }
        svc[path: ["spec", "healthCheckNodePort"]] = .int(Int64(p))
        return p
    }

    /// Every node port a stored Service holds: its ports' and its health check's.
    static func heldNodePorts(_ svc: JSON) -> Set<Int> {
        var held = Set((svc[path: ["spec", "ports"]]?.array ?? []).compactMap { $0["nodePort"]?.int }.filter { $0 != 0 }.map(Int.init))
        if let hc = svc[path: ["spec", "healthCheckNodePort"]]?.int, hc != 0 { held.insert(Int(hc)) }
        return held
    }

    /// Upstream's `allocateUpdate` for node ports (`updateNodePorts`, `updateHealthCheckNodePort`): an
    /// update that turns a Service into one that needs node ports (ClusterIP → NodePort, Cluster → Local)
    /// gets them before validation, ports asked for are reserved, and what the old Service held and the new
    /// one does not is returned to the pool — by the caller, once the write succeeded (`freed`). `taken`
    /// are the ports reserved here, to return if the update fails (upstream's `txn.Revert`).
    func updateServiceNodePorts(_ next: inout JSON, old: JSON) async throws -> (taken: [Int], freed: [Int]) {
        let spec = next["spec"] ?? [:]
        let oldHeld = Self.heldNodePorts(old)
        var taken: [Int] = []
        func fail(_ e: FieldError) async -> APIError {
            for p in taken { await nodePorts.release(p) }
            return APIError.invalid(kind: "Service", name: next.metaName ?? "", group: "", errors: [e])
        }
        let type = spec["type"]?.string ?? "ClusterIP"
        if ServiceStrategy.needsNodePort(spec) || type == "LoadBalancer" {
            var list = spec["ports"]?.array ?? []
            for i in list.indices {
                if let p = list[i]["nodePort"]?.int, p != 0 {
                    if oldHeld.contains(Int(p)) || taken.contains(Int(p)) { continue }
                    guard await nodePorts.reserve(Int(p)) else {
                        throw await fail(.invalid("spec.ports[\(i)].nodePort", number: p, "provided port is already allocated"))
                    }
                    taken.append(Int(p))
                } else if ServiceStrategy.needsNodePort(spec) {
                    guard let p = await nodePorts.allocate() else {
                        throw await fail(.forbidden("spec.ports[\(i)].nodePort", "failed to allocate a nodePort: range is full"))
                    }
                    taken.append(p)
                    list[i]["nodePort"] = .int(Int64(p))
                }
            }
            next[path: ["spec", "ports"]] = .array(list)
        }
        if ServiceStrategy.needsHealthCheckNodePort(spec) {
            let asked = next[path: ["spec", "healthCheckNodePort"]]?.int ?? 0
            if asked == 0 || !oldHeld.contains(Int(asked)) {
                do { taken.append(try await reserveHealthCheckNodePort(&next)) } catch let e as FieldError { throw await fail(e) }
            }
        }
        let freed = oldHeld.subtracting(Self.heldNodePorts(next))
        return (taken, freed.sorted())
    }

    /// Returns a deleted object's addresses and ports to their pools.
    func releaseAllocations(_ info: ResourceInfo, _ object: JSON) async {
        guard info.resource == "services", info.group.isEmpty else { return }
        for ip in object[path: ["spec", "clusterIPs"]]?.array ?? [] {
            if let s = ip.string, s != "None" { await serviceIPs.release(s) }
        }
        for p in Self.heldNodePorts(object) { await nodePorts.release(p) }
    }

    /// Marks the addresses of stored Services as used (at start-up).
    func restoreAllocations() async throws {
        guard let services = store("", "services") else { return }
        let page = try await services.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil)
        for svc in page.items {
            for ip in svc[path: ["spec", "clusterIPs"]]?.array ?? [] {
                if let s = ip.string, s != "None" { _ = await serviceIPs.reserve(s) }
            }
            for p in Self.heldNodePorts(svc) { _ = await nodePorts.reserve(p) }
        }
    }
}
