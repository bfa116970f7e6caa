import NIOCore
import NIOEmbedded
import NIOWebSocket

/// WebSocket frames as `kubectl exec`/`attach`/`port-forward` (v5.channel.k8s.io) send them to the API
/// server and the API server to the kubelet, through swift-nio's decoder with Skiff's message limit: the
/// frames read are encoded again and read back alike; a frame past the limit is refused, not a crash.
public struct WebSocketFrameTarget: ParserFuzzTarget {
    public let name = "websocket"
    /// Skiff's limit on one message (`WebSocketRelay.maxMessageSize`).
    let maxFrameSize = 1 << 20
    public init() {}

    public var seeds: [[UInt8]] {
        let frames = [
            WebSocketFrame(fin: true, opcode: .binary, maskKey: WebSocketMaskingKey([1, 2, 3, 4]), data: ByteBuffer(bytes: [0, 0x6C, 0x73, 0x0A])),
            WebSocketFrame(fin: true, opcode: .binary, maskKey: WebSocketMaskingKey([9, 8, 7, 6]),
                           data: ByteBuffer(string: "\u{4}{\"Width\":80,\"Height\":24}")),
            WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "p")),
            WebSocketFrame(fin: false, opcode: .text, data: ByteBuffer(string: "part")),
            WebSocketFrame(fin: true, opcode: .continuation, data: ByteBuffer(string: "rest")),
            WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xE8])),
        ]
        return [encode(frames)].compactMap { $0 }
    }

    func decoder() -> EmbeddedChannel {
        EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)))
    }

    func encode(_ frames: [WebSocketFrame]) -> [UInt8]? {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        var out: [UInt8] = []
        for frame in frames {
            guard (try? channel.writeOutbound(frame)) != nil else { return nil }
            while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { out += buffer.readableBytesView }
        }
        _ = try? channel.finish()
        return out
    }

    func decode(_ bytes: [UInt8]) throws -> [WebSocketFrame] {
        let channel = decoder()
        defer { _ = try? channel.finish() }
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        var frames: [WebSocketFrame] = []
        while let frame = try channel.readInbound(as: WebSocketFrame.self) { frames.append(frame) }
        return frames
    }

    public func check(_ input: [UInt8]) -> ParserFuzzOutcome {
        let frames: [WebSocketFrame]
        do {
            frames = try decode(input)
        } catch {
            return .refused
        }
        guard !frames.isEmpty else { return .refused }
        // The encoder masks a frame's data with its key as it writes, so it is given the unmasked payload.
        let plain = frames.map { f in
            WebSocketFrame(fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, maskKey: f.maskKey, data: f.unmaskedData)
        }
        guard let written = encode(plain) else { return .problem("decoded frames cannot be encoded") }
        guard let again = try? decode(written) else { return .problem("re-encoded frames do not decode") }
        func content(_ f: WebSocketFrame) -> [UInt8] { Array(f.unmaskedData.readableBytesView) }
        let same = again.count == frames.count && zip(again, frames).allSatisfy { a, b in
            a.fin == b.fin && a.opcode == b.opcode && a.rsv1 == b.rsv1 && a.rsv2 == b.rsv2 && a.rsv3 == b.rsv3 && content(a) == content(b)
        }
        return same ? .accepted : .problem("re-encoded frames decode differently")
    }
}
