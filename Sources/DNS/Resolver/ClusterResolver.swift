/// Answers queries for the cluster zone from a `ClusterSnapshot`, following the Kubernetes DNS
/// specification (kubernetes/dns docs/specification.md) the way CoreDNS's kubernetes plugin implements it:
///
/// - `<svc>.<ns>.svc.<zone>`: the ClusterIPs; for a headless Service one record per ready endpoint address
///   (NXDOMAIN when there is none); a CNAME to the external name for `ExternalName`.
/// - `<hostname>.<svc>.<ns>.svc.<zone>`: the endpoint with that hostname (or dashed address).
/// - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV: the Service (or each ready endpoint) on that port, with
///   the target's addresses in the additional section.
/// - `<a-b-c-d>.<ns>.pod.<zone>`: per `PodMode`.
/// - PTR for ClusterIPs, endpoint addresses and pod addresses.
/// - `dns-version.<zone>` TXT, the zone's SOA and NS, `ns.dns.<zone>`.
///
/// A name that exists with no data of the asked type is NOERROR with the SOA in the authority section
/// (NODATA); a name that does not exist is NXDOMAIN with the SOA. Names outside the zone (and reverse names
/// the cluster does not know) have no upstream to go to, so they fail at once per `OutOfZone` rather than
/// time out. Stub resolvers with `ndots:5` try `name.<ns>.svc.<zone>` first, so search-path misses such
/// as `web.default.svc.cluster.local.default.svc.cluster.local` must be cheap NXDOMAINs: they have too many
/// labels and are rejected before any lookup.
public struct ClusterResolver: Sendable {
    public let config: ResolverConfig
    public let state: ClusterState

    /// The version of the schema above that `dns-version.<zone>` reports (CoreDNS's value).
    public static let schemaVersion = "1.1.0"

    public init(config: ResolverConfig, state: ClusterState) {
        self.config = config
        self.state = state
    }

    /// The outcome of looking one question up.
    public enum Outcome: Sendable, Equatable {
        case answer([DNSRecord], additional: [DNSRecord])
        case noData
        case nxDomain
        /// Not ours to answer (outside the zone, no upstream).
        case notAuthoritative
    }

    // MARK: Whole messages

    /// The response to a decoded query. Returns nil for messages that must not be answered (responses).
    public func respond(to query: DNSMessage) -> DNSMessage? {
        guard !query.header.isResponse else { return nil }
        var r = DNSMessage(header: DNSHeader(id: query.header.id))
        r.header.isResponse = true
        r.header.opcode = query.header.opcode
        r.header.recursionDesired = query.header.recursionDesired
        r.header.checkingDisabled = query.header.checkingDisabled
        r.header.recursionAvailable = true
        r.questions = query.questions
        if let e = query.edns {
            var mine = EDNS(udpPayloadSize: UInt16(config.maxUDPPayload), dnssecOK: e.dnssecOK)
            mine.version = 0
            r.edns = mine
            // RFC 6891 §6.1.3: a version we do not implement gets BADVERS.
            if e.version > 0 {
                r.rcode = .badVersion
                return r
            }
        }
        guard query.header.opcode == 0 else {
            r.rcode = .notImplemented
            return r
        }
        guard query.questions.count == 1, let q = query.questions.first else {
            r.rcode = .formatError
            return r
        }
        guard q.recordClass == .in || q.recordClass == .any else {
            r.rcode = .refused
            return r
        }
        switch lookup(q) {
        case .answer(let records, let extra):
            r.header.authoritative = true
            r.answers = records
            r.additional = extra
        case .noData:
            r.header.authoritative = true
            r.authority = [soaRecord()]
        case .nxDomain:
            r.header.authoritative = true
            r.rcode = .nameError
            r.authority = [soaRecord()]
        case .notAuthoritative:
            switch config.outOfZone {
            case .refused: r.rcode = .refused
            case .servfail: r.rcode = .serverFailure
            case .nxdomain: r.rcode = .nameError
            }
        }
        return r
    }

    /// Decodes `packet`, answers it and encodes the answer within the size the transport allows (for UDP:
    /// 512 bytes, or the client's EDNS size up to `maxUDPPayload`, truncating with TC beyond). Returns nil
    /// when nothing should be sent back (too short to carry an ID, or itself a response).
    public func respond(toPacket packet: [UInt8], overUDP: Bool) -> [UInt8]? {
        serve(packet: packet, overUDP: overUDP)?.reply
    }

    /// One answered packet, with what the metrics report of it (CoreDNS's `type`, `rcode` and `plugin`).
    public struct Served: Sendable {
        public var reply: [UInt8]
        /// The question's type; nil when the query could not be read.
        public var questionType: DNSRecordType?
        public var rcode: DNSResponseCode
        /// Answered from the cluster zone (CoreDNS: by the kubernetes plugin), not refused or failed outright.
        public var fromZone: Bool
    }

    /// `respond(toPacket:overUDP:)`, telling also what was asked and how it was answered.
    public func serve(packet: [UInt8], overUDP: Bool) -> Served? {
        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: packet)
        } catch {
            // Unparseable: FORMERR with the ID and the flags we understand, if the header is there.
            guard packet.count >= 12, packet[2] & 0x80 == 0 else { return nil }
            var h = DNSHeader(id: UInt16(packet[0]) << 8 | UInt16(packet[1]))
            h.isResponse = true
            h.opcode = (packet[2] >> 3) & 0x0F
            h.recursionDesired = packet[2] & 0x01 != 0
            h.rcode = UInt8(DNSResponseCode.formatError.rawValue)
            guard let bytes = try? DNSMessage(header: h).encode() else { return nil }
            return Served(reply: bytes, questionType: nil, rcode: .formatError, fromZone: false)
        }
        guard let response = respond(to: query) else { return nil }
        var limit = 65535
        if overUDP {
            limit = 512
            if let e = query.edns { limit = max(512, min(Int(e.udpPayloadSize), config.maxUDPPayload)) }
        }
        let type = query.questions.first?.type
        if let bytes = try? response.encode(maxSize: limit) {
            return Served(reply: bytes, questionType: type, rcode: response.rcode, fromZone: response.header.authoritative)
        }
        var failed = DNSMessage(header: response.header, questions: response.questions, edns: response.edns)
        failed.rcode = .serverFailure
        guard let bytes = try? failed.encode(maxSize: limit) else { return nil }
        return Served(reply: bytes, questionType: type, rcode: .serverFailure, fromZone: false)
    }

    // MARK: Questions

    public func lookup(_ q: DNSQuestion) -> Outcome {
        let snap = state.snapshot()
        if let rest = q.name.labels(below: config.zone) {
            return lookupInZone(q, rest.map { String(decoding: $0.map(DNSName.lower), as: UTF8.self) }, snap)
        }
        if let ip = IPAddress(reverseName: q.name) {
            let names = reverse(ip, snap)
            if names.isEmpty { return .notAuthoritative }
            guard q.type == .ptr || q.type == .any else { return .noData }
            return .answer(names.map { DNSRecord(name: q.name, ttl: config.ttl, data: .ptr($0)) }, additional: [])
        }
        if let completed = serviceShorthand(q, snap) { return completed }
        return .notAuthoritative
    }

    /// `<svc>.<ns>` asked as an absolute name, for an existing Service: a CNAME to
    /// `<svc>.<ns>.svc.<zone>` and that name's records. Stub resolvers that try a dotted name as written
    /// before their search list (busybox's `nslookup kubernetes.default` asks only that) otherwise get
    /// nothing for a name every Kubernetes tutorial uses; no real name outside the cluster has a namespace
    /// as its top-level label, so the completion cannot hide one.
    func serviceShorthand(_ q: DNSQuestion, _ snap: ClusterSnapshot) -> Outcome? {
        guard q.name.labels.count == 2 else { return nil }
        let l = q.name.labels.map { String(decoding: $0.map(DNSName.lower), as: UTF8.self) }
        let labels: [String]
        if snap.namespaceExists(l[1]), snap.services[ClusterSnapshot.key(l[1], l[0])] != nil {
            labels = [l[0], l[1], "svc"]
        } else if let ns = endpointShorthandNamespace(host: l[0], service: l[1], snap) {
            labels = [l[0], l[1], ns, "svc"]
        } else {
            return nil
        }
        guard let full = try? config.zone.prepending(labels) else { return nil }
        let cname = DNSRecord(name: q.name, ttl: config.ttl, data: .cname(full))
        switch lookupInZone(DNSQuestion(name: full, type: q.type), labels, snap) {
        case .answer(let records, let extra): return .answer([cname] + records, additional: extra)
        case .noData: return .answer([cname], additional: [])
        default: return nil
        }
    }

    /// `<hostname>.<service>` asked as written (busybox's `nslookup web-0.nginx` asks nothing else): the
    /// namespace whose Service of that name has a published endpoint of that hostname, when exactly one
    /// does (`default` when several do). A StatefulSet pod's name under its governing Service then
    /// resolves as it does through a search path.
    func endpointShorthandNamespace(host: String, service: String, _ snap: ClusterSnapshot) -> String? {
        var found: [String] = []
        for (key, svc) in snap.services where svc.name.lowercased() == service && svc.externalName == nil {
            let published = snap.endpoints(ofService: key).contains {
                ($0.endpoint.ready || svc.publishNotReady) && endpointHostname($0.endpoint) == host
            }
            if published { found.append(svc.namespace.lowercased()) }
        }
        if found.count == 1 { return found[0] }
        return found.contains("default") ? "default" : nil
    }

    func lookupInZone(_ q: DNSQuestion, _ l: [String], _ snap: ClusterSnapshot) -> Outcome {
        let zone = config.zone
        if l.isEmpty {
            switch q.type {
            case .soa: return .answer([soaRecord(serial: snap.serial)], additional: [])
            case .ns:
                let ns = nameserverName
                return .answer([DNSRecord(name: q.name, ttl: config.ttl, data: .ns(ns))],
                               additional: config.nameserverAddresses.map { addressRecord(ns, $0) })
            default: return .noData
            }
        }
        if l == ["dns-version"] {
            guard q.type == .txt || q.type == .any else { return .noData }
            return .answer([DNSRecord(name: q.name, ttl: 28800, data: .txt([Array(Self.schemaVersion.utf8)]))], additional: [])
        }
        if l == ["ns", "dns"] {
            guard !config.nameserverAddresses.isEmpty else { return .nxDomain }
            return addresses(config.nameserverAddresses.map { addressRecord(q.name, $0) }, for: q.type)
        }
        let kind = l[l.count - 1]
        guard kind == "svc" || kind == "pod" else { return .nxDomain }
        guard l.count >= 2 else { return .noData }
        let ns = l[l.count - 2]
        guard snap.namespaceExists(ns) else { return .nxDomain }
        guard l.count >= 3 else { return .noData }
        let name = l[l.count - 3]
        let prefix = Array(l[..<(l.count - 3)])
        if kind == "pod" {
            guard prefix.isEmpty else { return .nxDomain }
            return podLookup(q, ns: ns, label: name, snap)
        }
        // endpoint.svc, _port._proto.svc, or svc; anything longer (search-path misses) does not exist.
        guard prefix.count <= 2, let svc = snap.services[ClusterSnapshot.key(ns, name)] else { return .nxDomain }
        let svcName = (try? zone.prepending([svc.name, svc.namespace, "svc"])) ?? q.name
        if let external = svc.externalName {
            guard prefix.isEmpty else { return .nxDomain }
            switch q.type {
            case .a, .aaaa, .cname, .any: return .answer([DNSRecord(name: q.name, ttl: config.ttl, data: .cname(external))], additional: [])
            default: return .noData
            }
        }
        let key = ClusterSnapshot.key(ns, name)
        let ready = snap.endpoints(ofService: key).filter { $0.endpoint.ready || svc.publishNotReady }

        if prefix.count == 1 {
            // An endpoint by hostname (or dashed address), for headless and ClusterIP Services alike.
            let wanted = prefix[0]
            let ips = ready.filter { endpointHostname($0.endpoint) == wanted }.flatMap(\.endpoint.addresses)
            guard !ips.isEmpty else { return .nxDomain }
            return addresses(unique(ips).map { addressRecord(q.name, $0) }, for: q.type)
        }

        var port: String?
        var proto: String?
        if prefix.count == 2 {
            port = strip(prefix[0])
            proto = strip(prefix[1])
        }
        func matches(_ p: ServiceEntry.Port) -> Bool {
            (port == nil || p.name == port) && (proto == nil || p.proto == proto)
        }

        if svc.headless {
            // Ready endpoints × matching ports (for a plain name every endpoint counts, ports or not).
            let pairs = ready.flatMap { e in e.ports.filter(matches).map { (e.endpoint, $0) } }
            let endpoints = prefix.isEmpty ? ready.map(\.endpoint) : pairs.map(\.0)
            guard !endpoints.isEmpty else { return .nxDomain }
            switch q.type {
            case .srv:
                var answers: [DNSRecord] = []
                var extra: [DNSRecord] = []
                let weight = srvWeight(pairs.count)
                for (e, p) in pairs {
                    guard let target = try? svcName.prepending([endpointHostname(e)]) else { continue }
                    answers.append(DNSRecord(name: q.name, ttl: config.ttl, data: .srv(priority: 0, weight: weight, port: p.port, target: target)))
                    for ip in e.addresses { extra.append(addressRecord(target, ip)) }
                }
                return answers.isEmpty ? .noData : .answer(answers, additional: dedupe(extra))
            default:
                return addresses(unique(endpoints.flatMap(\.addresses)).map { addressRecord(q.name, $0) }, for: q.type)
            }
        }

        let ports = svc.ports.filter(matches)
        if prefix.count == 2 && ports.isEmpty { return .nxDomain }
        switch q.type {
        case .srv:
            let weight = srvWeight(ports.count)
            let answers = ports.map { DNSRecord(name: q.name, ttl: config.ttl, data: .srv(priority: 0, weight: weight, port: $0.port, target: svcName)) }
            return answers.isEmpty ? .noData : .answer(answers, additional: svc.clusterIPs.map { addressRecord(svcName, $0) })
        default:
            return addresses(svc.clusterIPs.map { addressRecord(q.name, $0) }, for: q.type)
        }
    }

    func podLookup(_ q: DNSQuestion, ns: String, label: String, _ snap: ClusterSnapshot) -> Outcome {
        guard config.podMode != .disabled else { return .nxDomain }
        // 1-2-3-4 is IPv4; anything else dashed stands for an IPv6 address's colons (as CoreDNS).
        let dashes = label.filter { $0 == "-" }.count
        let text = dashes == 3 && !label.contains("--") ? label.replacingDashes(with: ".") : label.replacingDashes(with: ":")
        guard let ip = IPAddress(text) else { return .nxDomain }
        if config.podMode == .verified {
            let keys = snap.podsByIP[ip] ?? []
            guard keys.contains(where: { snap.pods[$0]?.namespace.lowercased() == ns }) else { return .nxDomain }
        }
        return addresses([addressRecord(q.name, ip)], for: q.type)
    }

    /// The names an address has: its Service, else the endpoints listing it, else its pod.
    func reverse(_ ip: IPAddress, _ snap: ClusterSnapshot) -> [DNSName] {
        let zone = config.zone
        if let keys = snap.servicesByIP[ip], let k = keys.sorted().first, let svc = snap.services[k],
           let name = try? zone.prepending([svc.name, svc.namespace, "svc"]) {
            return [name]
        }
        var names: [DNSName] = []
        for k in (snap.endpointsByIP[ip] ?? []).sorted() {
            guard let svc = snap.services[k] else { continue }
            for (e, _) in snap.endpoints(ofService: k) where (e.ready || svc.publishNotReady) && e.addresses.contains(ip) {
                if let n = try? zone.prepending([endpointHostname(e), svc.name, svc.namespace, "svc"]), !names.contains(n) { names.append(n) }
            }
        }
        if !names.isEmpty { return names }
        guard config.podMode != .disabled else { return [] }
        for k in (snap.podsByIP[ip] ?? []).sorted() {
            guard let pod = snap.pods[k], let n = try? zone.prepending([dashed(ip), pod.namespace, "pod"]) else { continue }
            return [n]
        }
        return []
    }

    // MARK: Helpers

    var nameserverName: DNSName { (try? config.zone.prepending(["ns", "dns"])) ?? config.zone }

    public func soaRecord(serial: UInt32? = nil) -> DNSRecord {
        let zone = config.zone
        let soa = DNSRecord.SOA(
            mname: nameserverName, rname: (try? zone.prepending(["hostmaster"])) ?? zone,
            serial: serial ?? state.snapshot().serial, refresh: 7200, retry: 1800, expire: 86400, minimum: config.ttl)
        return DNSRecord(name: zone, ttl: config.ttl, data: .soa(soa))
    }

    func addressRecord(_ name: DNSName, _ ip: IPAddress) -> DNSRecord {
        switch ip {
        case .v4(let a): return DNSRecord(name: name, ttl: config.ttl, data: .a(a))
        case .v6(let a): return DNSRecord(name: name, ttl: config.ttl, data: .aaaa(a))
        }
    }

    /// The A or AAAA records among `records` for `type`; NODATA when the name has only the other family
    /// (or the type is not an address type).
    func addresses(_ records: [DNSRecord], for type: DNSRecordType) -> Outcome {
        let picked = records.filter { type == .any || $0.type == type }
        return picked.isEmpty ? .noData : .answer(picked, additional: [])
    }

    /// An endpoint's DNS label: its hostname, else its first address with dashes (CoreDNS's default).
    func endpointHostname(_ e: SliceEntry.Endpoint) -> String {
        if let h = e.hostname, !h.isEmpty { return h }
        return e.addresses.first.map(dashed) ?? ""
    }

    func dashed(_ ip: IPAddress) -> String {
        ip.description.replacingCharacters(":", "-").replacingCharacters(".", "-")
    }

    func strip(_ s: String) -> String { s.hasPrefix("_") ? String(s.dropFirst()) : s }

    /// Equal weights adding up to 100, as CoreDNS spreads them.
    func srvWeight(_ n: Int) -> UInt16 { n <= 1 ? 100 : UInt16(max(1, 100 / n)) }

    func unique(_ ips: [IPAddress]) -> [IPAddress] {
        var seen = Set<IPAddress>()
        return ips.filter { seen.insert($0).inserted }
    }

    func dedupe(_ records: [DNSRecord]) -> [DNSRecord] {
        var out: [DNSRecord] = []
        for r in records where !out.contains(r) { out.append(r) }
        return out
    }
}

extension String {
    func replacingDashes(with s: Character) -> String { replacingCharacters("-", s) }

    func replacingCharacters(_ from: Character, _ to: Character) -> String {
        String(map { $0 == from ? to : $0 })
    }
}
