import CZlib
import NIOCore
import Testing

@testable import KubeStreaming

@Suite struct SPDYFramerTests {
    /// Writes frames with one writer and reads them back with one reader, as the two ends of a session do.
    func roundTrip(_ frames: [SPDYFrame]) throws -> [SPDYFrame] {
        let writer = try SPDYFrameWriter()
        let reader = try SPDYFrameReader()
        var wire = ByteBuffer()
        for frame in frames { try writer.write(frame, into: &wire) }
        var out: [SPDYFrame] = []
        while let frame = try reader.read(&wire) { out.append(frame) }
        #expect(wire.readableBytes == 0)
        return out
    }

    @Test func everyFrameTypeSurvivesARoundTrip() throws {
        let frames: [SPDYFrame] = [
            .synStream(streamID: 1, associatedStreamID: 0, priority: 3, headers: ["streamtype": "error"], fin: false, unidirectional: true),
            .synReply(streamID: 1, headers: [:], fin: false),
            .data(streamID: 1, data: ByteBuffer(string: "hello"), fin: false),
            .data(streamID: 3, data: ByteBuffer(), fin: true),
            .rstStream(streamID: 5, status: SPDYResetStatus.cancel),
            .settings([SPDYSetting(id: SPDYSetting.initialWindowSizeID, value: 1 << 20, flags: 1)], clearPersisted: true),
            .ping(id: 2),
            .goAway(lastGoodStreamID: 7, status: 0),
            .headers(streamID: 1, headers: ["x-a": "b"], fin: true),
            .windowUpdate(streamID: 0, delta: 32768),
        ]
        #expect(try roundTrip(frames) == frames)
    }

    @Test func wireLayoutIsTheDrafts() throws {
        let writer = try SPDYFrameWriter()
        var wire = ByteBuffer()
        try writer.write(.data(streamID: 3, data: ByteBuffer(bytes: [0xAA]), fin: true), into: &wire)
        #expect(Array(wire.readableBytesView) == [0, 0, 0, 3, 0x01, 0, 0, 1, 0xAA])
        wire.clear()
        try writer.write(.windowUpdate(streamID: 5, delta: 0x1234), into: &wire)
        #expect(Array(wire.readableBytesView) == [0x80, 0x03, 0x00, 0x09, 0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0x12, 0x34])
        wire.clear()
        try writer.write(.ping(id: 1), into: &wire)
        #expect(Array(wire.readableBytesView) == [0x80, 0x03, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1])
    }

    @Test func aFrameIsReadOnlyOnceItHasAllArrived() throws {
        let writer = try SPDYFrameWriter()
        let reader = try SPDYFrameReader()
        var wire = ByteBuffer()
        try writer.write(.synStream(streamID: 1, headers: ["streamtype": "stdin"]), into: &wire)
        var partial = ByteBuffer()
        var bytes = Array(wire.readableBytesView)
        let last = bytes.removeLast()
        partial.writeBytes(bytes)
        #expect(try reader.read(&partial) == nil)
        #expect(partial.readableBytes == bytes.count, "a partial frame is left in place")
        partial.writeInteger(last)
        #expect(try reader.read(&partial) == .synStream(streamID: 1, headers: ["streamtype": "stdin"]))
    }

    @Test func headerBlocksShareOneCompressionStreamPerDirection() throws {
        // Later blocks refer back to earlier ones: the second identical block is much smaller, and only a
        // reader that inflated the first can read it.
        let writer = try SPDYFrameWriter()
        var first = ByteBuffer(), second = ByteBuffer()
        let headers: SPDYHeaders = ["streamtype": "stdout", "x-long-header-name": String(repeating: "v", count: 200)]
        try writer.write(.synStream(streamID: 1, headers: headers), into: &first)
        try writer.write(.synStream(streamID: 3, headers: headers), into: &second)
        #expect(second.readableBytes < first.readableBytes / 2)
        let reader = try SPDYFrameReader()
        #expect(try reader.read(&first) == .synStream(streamID: 1, headers: headers))
        #expect(try reader.read(&second) == .synStream(streamID: 3, headers: headers))
        let fresh = try SPDYFrameReader()
        second.moveReaderIndex(to: 0)
        #expect(throws: (any Error).self) { _ = try fresh.read(&second) }
    }

    @Test func headerBlocksAreRealZlibWithTheSPDYDictionary() throws {
        // The block inflates with plain zlib given the dictionary, and zlib names the dictionary's Adler-32.
        let compressor = try SPDYHeaderCompressor()
        var block = ByteBuffer()
        SPDYHeaders([("streamtype", "resize")]).writeBlock(into: &block)
        var compressed = ByteBuffer()
        try compressor.compress(block, into: &compressed)
        let bytes = Array(compressed.readableBytesView)
        #expect(bytes[0] & 0x0F == 8, "deflate")
        #expect(bytes[1] & 0x20 != 0, "FDICT: a preset dictionary")
        let dictID = UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5])
        let adler = SPDYDictionary.bytes.withUnsafeBufferPointer { UInt32(adler32(1, $0.baseAddress, uInt($0.count))) }
        #expect(dictID == adler)
        #expect(SPDYDictionary.bytes.count == 1423)
        #expect(adler == 0xE3C6_A7C2)
        var inflated = try SPDYHeaderDecompressor().decompress(compressed)
        #expect(try SPDYHeaders.readBlock(&inflated) == ["streamtype": "resize"])
        #expect(bytes.suffix(4) == [0, 0, 0xFF, 0xFF], "each block ends with a sync flush")
    }

    @Test func namesAreLowerCasedAndRepeatedValuesKept() throws {
        var headers = SPDYHeaders()
        headers.add("StreamType", "stdin")
        headers.add("X-Multi", "a\u{0}b")
        let back = try roundTrip([.synReply(streamID: 1, headers: headers, fin: false)])
        guard case .synReply(_, let h, _) = back[0] else { Issue.record("not a reply"); return }
        #expect(h.fields.map(\.name) == ["streamtype", "x-multi"])
        #expect(h["STREAMTYPE"] == "stdin" && h["x-multi"] == "a\u{0}b")
    }

    @Test func malformedInputIsAProtocolError() throws {
        let reader = try SPDYFrameReader()
        var wrongVersion = ByteBuffer(bytes: [0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1])
        #expect(throws: SPDYProtocolError.self) { _ = try reader.read(&wrongVersion) }
        var shortSettings = ByteBuffer(bytes: [0x80, 0x03, 0x00, 0x04, 0, 0, 0, 4, 0, 0, 0, 2])
        #expect(throws: SPDYProtocolError.self) { _ = try reader.read(&shortSettings) }
        var unknown = ByteBuffer(bytes: [0x80, 0x03, 0x00, 0x0A, 0, 0, 0, 2, 9, 9])
        #expect(try reader.read(&unknown) == .unknownControl(type: 10))
    }
}

@Suite struct SPDYWindowTests {
    @Test func sendingStopsAtTheInitialWindowUntilAnUpdate() {
        var w = SPDYSendWindows(policy: .enforce)
        w.open(1)
        #expect(w.allowance(stream: 1, wanted: 100_000) == 65536)
        w.spend(stream: 1, count: 65536)
        #expect(w.allowance(stream: 1, wanted: 10) == 0)
        w.windowUpdate(stream: 1, delta: 1000)
        #expect(w.allowance(stream: 1, wanted: 10_000) == 0, "the session window is spent too")
        w.windowUpdate(stream: 0, delta: 500)
        #expect(w.allowance(stream: 1, wanted: 10_000) == 500)
    }

    @Test func initialWindowSettingsMoveOpenStreams() {
        var w = SPDYSendWindows(policy: .enforce)
        w.open(1)
        w.spend(stream: 1, count: 60000)
        w.initialWindowSize(16384)
        #expect(w.window(of: 1) == 16384 - 60000)
        #expect(w.allowance(stream: 1, wanted: 1) == 0)
        w.open(3)
        #expect(w.window(of: 3) == 16384)
    }

    @Test func aPeerThatNeverAnnouncesFlowControlIsPacedByTCPOnly() {
        var w = SPDYSendWindows(policy: .enforceOnceAnnounced)
        w.open(1)
        w.spend(stream: 1, count: 1 << 20)
        #expect(w.allowance(stream: 1, wanted: 32768) == 32768)
        #expect(w.window(of: 1) == 65536 - (1 << 20), "still tracked")
        w.windowUpdate(stream: 1, delta: 100)
        #expect(w.binding)
        #expect(w.allowance(stream: 1, wanted: 32768) == 0, "binding from the first update on")
    }

    @Test func consumedDataReopensBothWindowsAtHalfAWindow() {
        var r = SPDYReceiveWindows()
        #expect(r.consumed(stream: 1, count: 20000).isEmpty)
        let updates = r.consumed(stream: 1, count: 20000)
        #expect(updates.map(\.streamID) == [1, 0])
        #expect(updates.map(\.delta) == [40000, 40000])
        #expect(r.consumed(stream: 3, count: 40000, streamOpen: false).map(\.streamID) == [0], "a finished stream needs no update")
    }
}
