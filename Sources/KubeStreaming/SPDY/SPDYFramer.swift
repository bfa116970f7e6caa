import NIOCore

/// The wire format: frames to bytes and back, header blocks through the session's zlib streams.
///
/// Every frame starts with 8 bytes. A control frame: the control bit, version 3 (15 bits), its type (16),
/// flags (8) and the payload length (24). A data frame: the control bit clear, the stream id (31), flags (8)
/// and length (24). Writer and reader each own one direction's compression state, so a session has one of
/// each and uses them in wire order.
public struct SPDYFrameWriter {
    public static let version: UInt16 = 3
    /// The largest payload a frame can carry (24-bit length).
    public static let maxPayload = (1 << 24) - 1
    private let compressor: SPDYHeaderCompressor

    public init() throws { compressor = try SPDYHeaderCompressor() }

    public func write(_ frame: SPDYFrame, into out: inout ByteBuffer) throws {
        switch frame {
        case .data(let streamID, let data, let fin):
            guard data.readableBytes <= Self.maxPayload else { throw SPDYProtocolError("data frame of \(data.readableBytes) bytes") }
            out.writeInteger(streamID & 0x7FFF_FFFF)
            out.writeInteger(UInt32(fin ? SPDYFlags.fin : 0) << 24 | UInt32(data.readableBytes))
            out.writeImmutableBuffer(data)
        case .synStream(let streamID, let associated, let priority, let headers, let fin, let unidirectional):
            var payload = ByteBuffer()
            payload.writeInteger(streamID & 0x7FFF_FFFF)
            payload.writeInteger(associated & 0x7FFF_FFFF)
            payload.writeInteger(UInt8((priority & 0x7) << 5))
            payload.writeInteger(UInt8(0))  // credential slot
            try compressHeaders(headers, into: &payload)
            control(SPDYControlType.synStream, flags: (fin ? SPDYFlags.fin : 0) | (unidirectional ? SPDYFlags.unidirectional : 0), payload, into: &out)
        case .synReply(let streamID, let headers, let fin):
            var payload = ByteBuffer()
            payload.writeInteger(streamID & 0x7FFF_FFFF)
            try compressHeaders(headers, into: &payload)
            control(SPDYControlType.synReply, flags: fin ? SPDYFlags.fin : 0, payload, into: &out)
        case .headers(let streamID, let headers, let fin):
            var payload = ByteBuffer()
            payload.writeInteger(streamID & 0x7FFF_FFFF)
            try compressHeaders(headers, into: &payload)
            control(SPDYControlType.headers, flags: fin ? SPDYFlags.fin : 0, payload, into: &out)
        case .rstStream(let streamID, let status):
            control(SPDYControlType.rstStream, flags: 0, Self.words(streamID & 0x7FFF_FFFF, status), into: &out)
        case .settings(let settings, let clear):
            var payload = ByteBuffer()
            payload.writeInteger(UInt32(settings.count))
            for setting in settings {
                payload.writeInteger(UInt32(setting.flags) << 24 | (setting.id & 0xFF_FFFF))
                payload.writeInteger(setting.value)
            }
            control(SPDYControlType.settings, flags: clear ? SPDYFlags.clearSettings : 0, payload, into: &out)
        case .ping(let id):
            control(SPDYControlType.ping, flags: 0, Self.words(id), into: &out)
        case .goAway(let lastGood, let status):
            control(SPDYControlType.goAway, flags: 0, Self.words(lastGood & 0x7FFF_FFFF, status), into: &out)
        case .windowUpdate(let streamID, let delta):
            control(SPDYControlType.windowUpdate, flags: 0, Self.words(streamID & 0x7FFF_FFFF, delta & 0x7FFF_FFFF), into: &out)
        case .unknownControl(let type):
            throw SPDYProtocolError("cannot write a control frame of unknown type \(type)")
        }
    }

    private func compressHeaders(_ headers: SPDYHeaders, into payload: inout ByteBuffer) throws {
        var block = ByteBuffer()
        headers.writeBlock(into: &block)
        try compressor.compress(block, into: &payload)
    }

    private func control(_ type: UInt16, flags: UInt8, _ payload: ByteBuffer, into out: inout ByteBuffer) {
        out.writeInteger(0x8000 | Self.version)
        out.writeInteger(type)
        out.writeInteger(UInt32(flags) << 24 | UInt32(payload.readableBytes))
        out.writeImmutableBuffer(payload)
    }

    private static func words(_ values: UInt32...) -> ByteBuffer {
        var buffer = ByteBuffer()
        for v in values { buffer.writeInteger(v) }
        return buffer
    }
}

/// Reads frames from the bytes of a session as they arrive: `read` returns nil until a whole frame is
/// buffered, and consumes exactly one frame when it returns one.
public struct SPDYFrameReader {
    private let decompressor: SPDYHeaderDecompressor

    public init() throws { decompressor = try SPDYHeaderDecompressor() }

    public func read(_ buffer: inout ByteBuffer) throws -> SPDYFrame? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
              let second = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self)
        else { return nil }
        let flags = UInt8(second >> 24)
        let length = Int(second & 0xFF_FFFF)
        guard buffer.readableBytes >= 8 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 8)
        var payload = buffer.readSlice(length: length)!
        if first & 0x8000_0000 == 0 {
            return .data(streamID: first & 0x7FFF_FFFF, data: payload, fin: flags & SPDYFlags.fin != 0)
        }
        let version = UInt16(first >> 16 & 0x7FFF)
        guard version == SPDYFrameWriter.version else { throw SPDYProtocolError("SPDY version \(version), not 3") }
        let type = UInt16(first & 0xFFFF)
        let fin = flags & SPDYFlags.fin != 0
        func word() throws -> UInt32 {
            guard let v = payload.readInteger(as: UInt32.self) else { throw SPDYProtocolError("control frame \(type) too short") }
            return v
        }
        switch type {
        case SPDYControlType.synStream:
            let streamID = try word() & 0x7FFF_FFFF
            let associated = try word() & 0x7FFF_FFFF
            guard let priority = payload.readInteger(as: UInt8.self), payload.readInteger(as: UInt8.self) != nil else {
                throw SPDYProtocolError("SYN_STREAM too short")
            }
            return .synStream(streamID: streamID, associatedStreamID: associated, priority: priority >> 5,
                              headers: try inflateHeaders(payload), fin: fin, unidirectional: flags & SPDYFlags.unidirectional != 0)
        case SPDYControlType.synReply:
            let streamID = try word() & 0x7FFF_FFFF
            return .synReply(streamID: streamID, headers: try inflateHeaders(payload), fin: fin)
        case SPDYControlType.headers:
            let streamID = try word() & 0x7FFF_FFFF
            return .headers(streamID: streamID, headers: try inflateHeaders(payload), fin: fin)
        case SPDYControlType.rstStream:
            return .rstStream(streamID: try word() & 0x7FFF_FFFF, status: try word())
        case SPDYControlType.settings:
            let count = try word()
            guard Int(count) * 8 == payload.readableBytes else { throw SPDYProtocolError("SETTINGS with \(count) entries in \(length) bytes") }
            var settings: [SPDYSetting] = []
            for _ in 0..<count {
                let idWord = try word()
                settings.append(SPDYSetting(id: idWord & 0xFF_FFFF, value: try word(), flags: UInt8(idWord >> 24)))
            }
            return .settings(settings, clearPersisted: flags & SPDYFlags.clearSettings != 0)
        case SPDYControlType.ping:
            return .ping(id: try word())
        case SPDYControlType.goAway:
            return .goAway(lastGoodStreamID: try word() & 0x7FFF_FFFF, status: try word())
        case SPDYControlType.windowUpdate:
            return .windowUpdate(streamID: try word() & 0x7FFF_FFFF, delta: try word() & 0x7FFF_FFFF)
        default:
            return .unknownControl(type: type)
        }
    }

    private func inflateHeaders(_ compressed: ByteBuffer) throws -> SPDYHeaders {
        var block = try decompressor.decompress(compressed)
        return try SPDYHeaders.readBlock(&block)
    }
}
