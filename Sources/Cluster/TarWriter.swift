import Foundation

/// A minimal POSIX ustar writer: regular files and directories with fixed owner and time, so the same
/// content always gives the same bytes — and so the same digests, which image layers and archives are
/// named by.
public struct TarWriter: Sendable {
    public private(set) var data = Data()

    public init() {}

    public mutating func addDirectory(_ name: String, mode: Int = 0o755) throws {
        try appendHeader(name: name.hasSuffix("/") ? name : name + "/", mode: mode, size: 0, type: "5")
    }

    public mutating func addFile(_ name: String, contents: Data, mode: Int = 0o644) throws {
        try appendHeader(name: name, mode: mode, size: contents.count, type: "0")
        data.append(contents)
        pad()
    }

    /// The archive with its two zero end blocks.
    public func finished() -> Data {
        data + Data(count: 1024)
    }

    private mutating func pad() {
        let rem = data.count % 512
        if rem != 0 { data.append(Data(count: 512 - rem)) }
    }

    private mutating func appendHeader(name: String, mode: Int, size: Int, type: Character) throws {
        var h = [UInt8](repeating: 0, count: 512)
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 100 else { throw ClusterError("tar entry name longer than 100 bytes: \(name)") }
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { h[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let s = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - s.count)) + s).utf8) + [0]
        }
        put(nameBytes, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)          // uid
        put(octal(0, width: 8), at: 116)          // gid
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)         // mtime: the epoch, for reproducible bytes
        put(Array(String(type).utf8), at: 156)
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("root".utf8), at: 265)          // uname
        put(Array("root".utf8), at: 297)          // gname
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
        data.append(contentsOf: h)
    }
}
