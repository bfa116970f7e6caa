import KubeStreaming
import NIOCore

/// SPDY/3.1 frames as `kubectl exec`, `attach` and `port-forward` send them through the API server and
/// the kubelet (header blocks zlib-compressed with SPDY's dictionary): an input is read as a stream of
/// frames, and the frames read are written by a fresh writer and read back alike.
public struct SPDYFrameTarget: ParserFuzzTarget {
    public let name = "spdy"
    public init() {}

    public var seeds: [[UInt8]] {
        guard let writer = try? SPDYFrameWriter() else { return [] }
        var out = ByteBufferAllocator().buffer(capacity: 512)
        let frames: [SPDYFrame] = [
            .synStream(streamID: 1, associatedStreamID: 0, priority: 0, headers: SPDYHeaders([("streamtype", "error")]),
                       fin: false, unidirectional: false),
            .synStream(streamID: 3, associatedStreamID: 0, priority: 0,
                       headers: SPDYHeaders([("streamtype", "stdout"), ("port", "80")]), fin: false, unidirectional: false),
            .synReply(streamID: 3, headers: SPDYHeaders([("x", "y")]), fin: false),
            .data(streamID: 3, data: ByteBuffer(string: "hello"), fin: false),
            .settings([SPDYSetting(id: 7, value: 65536)], clearPersisted: false),
            .ping(id: 1),
            .windowUpdate(streamID: 3, delta: 4096),
            .rstStream(streamID: 3, status: 5),
            .goAway(lastGoodStreamID: 3, status: 0),
        ]
        for frame in frames { try? writer.write(frame, into: &out) }
        return [Array(out.readableBytesView)]
    }

    public func check(_ input: [UInt8]) -> ParserFuzzOutcome {
        guard let reader = try? SPDYFrameReader() else { return .problem("no zlib") }
        var buffer = ByteBuffer(bytes: input)
        var frames: [SPDYFrame] = []
        do {
            while let frame = try reader.read(&buffer) { frames.append(frame) }
        } catch {
            return .refused
        }
        guard !frames.isEmpty else { return .refused }
        guard let writer = try? SPDYFrameWriter(), let again = try? SPDYFrameReader() else { return .problem("no zlib") }
        var written = ByteBufferAllocator().buffer(capacity: input.count)
        do {
            for frame in frames { try writer.write(frame, into: &written) }
        } catch {
            // A frame the reader accepts but the writer cannot write (say, headers that grow past the
            // 24-bit length once recompressed) is not a reading mistake.
            return .accepted
        }
        var readBack: [SPDYFrame] = []
        do {
            while let frame = try again.read(&written) { readBack.append(frame) }
        } catch {
            return .problem("written frames do not read back: \(error)")
        }
        return readBack == frames ? .accepted : .problem("frames read back differently")
    }
}
