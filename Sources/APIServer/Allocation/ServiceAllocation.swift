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
        if type == "NodePort" || type == "LoadBalancer" {
            var list = svc[path: ["spec", "ports"]]?.array ?? []
            for i in list.indices {
                if let p = list[i]["nodePort"]?.int, p != 0 {
                    guard await nodePorts.reserve(Int(p)) else {
                        throw await fail([.invalid("spec.ports[\(i)].nodePort", number: p, "provided port is already allocated")])
                    }
                    ports.append(Int(p))
                } else {
                    guard let p = await nodePorts.allocate() else {
                        throw await fail([.forbidden("spec.ports[\(i)].nodePort", "failed to allocate a nodePort: range is full")])
                    }
                    ports.append(p)
                    list[i]["nodePort"] = .int(Int64(p))
                }
            }
            svc[path: ["spec", "ports"]] = .array(list)
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

    /// Returns a deleted object's addresses and ports to their pools.
    func releaseAllocations(_ info: ResourceInfo, _ object: JSON) async {
        guard info.resource == "services", info.group.isEmpty else { return }
        for ip in object[path: ["spec", "clusterIPs"]]?.array ?? [] {
            if let s = ip.string, s != "None" { await serviceIPs.release(s) }
        }
        for p in object[path: ["spec", "ports"]]?.array ?? [] {
            if let n = p["nodePort"]?.int { await nodePorts.release(Int(n)) }
        }
    }

    /// Marks the addresses of stored Services as used (at start-up).
    func restoreAllocations() async throws {
        guard let services = store("", "services") else { return }
        let page = try await services.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil)
        for svc in page.items {
            for ip in svc[path: ["spec", "clusterIPs"]]?.array ?? [] {
                if let s = ip.string, s != "None" { _ = await serviceIPs.reserve(s) }
            }
            for p in svc[path: ["spec", "ports"]]?.array ?? [] {
                if let n = p["nodePort"]?.int { _ = await nodePorts.reserve(Int(n)) }
            }
        }
    }
}
