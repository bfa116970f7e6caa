/// A resource record. Data for the types a cluster DNS server produces is typed; anything else is kept as
/// raw bytes (and never compressed, as RFC 3597 requires for types the writer does not know).
public struct DNSRecord: Sendable, Equatable {
    public var name: DNSName
    public var recordClass: DNSClass
    public var ttl: UInt32
    public var data: RecordData

    public init(name: DNSName, ttl: UInt32, data: RecordData, recordClass: DNSClass = .in) {
        self.name = name
        self.ttl = ttl
        self.data = data
        self.recordClass = recordClass
    }

    public var type: DNSRecordType { data.type }

    public enum RecordData: Sendable, Equatable {
        /// An IPv4 address, 4 bytes in network order.
        case a(IPv4Address)
        /// An IPv6 address, 16 bytes in network order.
        case aaaa(IPv6Address)
        case cname(DNSName)
        case ns(DNSName)
        case ptr(DNSName)
        case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
        /// Character strings, each at most 255 bytes.
        case txt([[UInt8]])
        case soa(SOA)
        case unknown(type: DNSRecordType, bytes: [UInt8])

        public var type: DNSRecordType {
            switch self {
            case .a: return .a
            case .aaaa: return .aaaa
            case .cname: return .cname
            case .ns: return .ns
            case .ptr: return .ptr
            case .srv: return .srv
            case .txt: return .txt
            case .soa: return .soa
            case .unknown(let t, _): return t
            }
        }
    }

    /// The SOA record's data (RFC 1035 §3.3.13).
    public struct SOA: Sendable, Equatable {
        public var mname: DNSName
        public var rname: DNSName
        public var serial: UInt32
        public var refresh: UInt32
        public var retry: UInt32
        public var expire: UInt32
        public var minimum: UInt32
        public init(mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
            self.mname = mname
            self.rname = rname
            self.serial = serial
            self.refresh = refresh
            self.retry = retry
            self.expire = expire
            self.minimum = minimum
        }
    }
}
