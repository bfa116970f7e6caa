import CZlib
import NIOCore

/// One direction's header compression: every header block a session sends goes through one zlib stream
/// primed with `SPDYDictionary`, each block ending with a sync flush so the peer can inflate it at once.
/// The stream's state carries across blocks, so blocks must be compressed in the order they go on the wire
/// (the frame encoder runs on the channel's event loop, which guarantees that).
final class SPDYHeaderCompressor {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard CZlib_deflateInit2(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) == Z_OK else {
            stream.deallocate()
            throw SPDYProtocolError("deflateInit2 failed")
        }
        let dictionary = SPDYDictionary.bytes
        let rc = dictionary.withUnsafeBufferPointer { deflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
        guard rc == Z_OK else {
            deflateEnd(stream)
            stream.deallocate()
            throw SPDYProtocolError("deflateSetDictionary failed (\(rc))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses one header block and appends it to `out`.
    func compress(_ block: ByteBuffer, into out: inout ByteBuffer) throws {
        var input = Array(block.readableBytesView)
        var chunk = [UInt8](repeating: 0, count: 4096)
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.pointee.next_in = inBuffer.baseAddress
            stream.pointee.avail_in = uInt(inBuffer.count)
            repeat {
                let produced = try chunk.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = uInt(outBuffer.count)
                    let rc = deflate(stream, Z_SYNC_FLUSH)
                    guard rc == Z_OK || rc == Z_BUF_ERROR else { throw SPDYProtocolError("deflate failed (\(rc))") }
                    return outBuffer.count - Int(stream.pointee.avail_out)
                }
                out.writeBytes(chunk[0..<produced])
            } while stream.pointee.avail_out == 0
            stream.pointee.next_in = nil
        }
    }
}

/// The other direction: inflates the peer's header blocks with the same dictionary (zlib asks for it when
/// the first block names its Adler-32) and one stream for the whole session.
final class SPDYHeaderDecompressor {
    /// A decompressed block larger than this ends the session (a header bomb, not a remote command).
    static let maxBlockSize = 1 << 20
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard CZlib_inflateInit(stream) == Z_OK else {
            stream.deallocate()
            throw SPDYProtocolError("inflateInit failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates one compressed header block.
    func decompress(_ compressed: ByteBuffer) throws -> ByteBuffer {
        var input = Array(compressed.readableBytesView)
        var out = ByteBuffer()
        guard !input.isEmpty else { return out }
        var chunk = [UInt8](repeating: 0, count: 4096)
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.pointee.next_in = inBuffer.baseAddress
            stream.pointee.avail_in = uInt(inBuffer.count)
            defer { stream.pointee.next_in = nil }
            while true {
                var rc: Int32 = Z_OK
                let produced = chunk.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = uInt(outBuffer.count)
                    rc = inflate(stream, Z_SYNC_FLUSH)
                    return outBuffer.count - Int(stream.pointee.avail_out)
                }
                out.writeBytes(chunk[0..<produced])
                guard out.readableBytes <= Self.maxBlockSize else { throw SPDYProtocolError("header block over \(Self.maxBlockSize) bytes") }
                switch rc {
                case Z_NEED_DICT:
                    let dictionary = SPDYDictionary.bytes
                    let set = dictionary.withUnsafeBufferPointer { inflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
                    guard set == Z_OK else { throw SPDYProtocolError("the peer's header dictionary is not SPDY/3's (\(set))") }
                case Z_OK, Z_BUF_ERROR:
                    // Done when all input is used and zlib had room to spare (nothing held back).
                    if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
                    if rc == Z_BUF_ERROR && produced == 0 { throw SPDYProtocolError("truncated header block") }
                default:
                    throw SPDYProtocolError("inflate failed (\(rc))")
                }
            }
        }
        return out
    }
}
