import HummingbirdWebSocket
import Logging
import NIOCore

/// Relays one exec or attach session between a caller's channel WebSocket (`v5.channel.k8s.io` from
/// kubectl through the API server, or `v4`) and a runtime's streaming server spoken to over SPDY/3.1 —
/// what upstream's kubelet and API server do (`remotecommand`'s SPDY executor, `StreamTranslatorHandler`).
///
/// SPDY is what lets stdin end: v5's close signal `[0xFF, 0]` becomes a FIN on the stdin stream, and the
/// command reads end of file (`kubectl exec -i p -- cat < file` finishes). Over the runtime's WebSocket v4
/// there is no such signal. The mapping:
///
/// | caller (WebSocket)                | runtime (SPDY stream, `streamtype` header) |
/// | --------------------------------- | ------------------------------------------ |
/// | channel 0 → data                  | `stdin`: DATA                               |
/// | `[255, 0]` (v5 close of stdin)    | `stdin`: empty DATA with FIN                |
/// | channel 4 → `{"Width":…}`         | `resize`: DATA (a JSON stream)              |
/// | channel 1 / 2 ←                   | `stdout` / `stderr`: DATA                   |
/// | channel 3 ← the final `Status`    | `error`: everything until its end           |
///
/// The session ends when the runtime has ended stdout, stderr and the error stream (it writes the
/// `Status`, then resets every stream and closes); the caller then gets the `Status` on channel 3 — or
/// `Success` when the error stream was empty, as upstream's v4 client reads an empty one. A caller that
/// goes away ends the session at once.
public enum RemoteCommandSPDYRelay {
    /// The SPDY header naming a remote-command stream (`v1.StreamType`, lower-cased on the wire).
    public static let streamTypeHeader = "streamtype"

    /// `replay` is read once the runtime's streams are open, as `(channel, bytes)` pairs, and reaches the
    /// caller ahead of the live output once the attach has shown it works (`OutputReplayGate`): the
    /// kubelet's first attach to a `stdinOnce` container hands over what the container wrote before anyone
    /// attached (`kubectl run --rm -i` of a short command).
    public static func relay(
        callerInbound: WebSocketInboundStream, callerOutbound: WebSocketOutboundWriter, callerProtocol: String,
        runtime: SPDYConnection, options: RemoteCommandOptions, logger: Logger,
        replay: @Sendable () -> [(channel: UInt8, data: ByteBuffer)] = { [] }, replayPatience: Duration = .milliseconds(300)
    ) async throws {
        guard runtime.streamProtocol == StreamProtocol.v4 else {
            throw SPDYProtocolError("the runtime chose stream protocol \(runtime.streamProtocol ?? "none"), not \(StreamProtocol.v4)")
        }
        try await runtime.run(role: .client) { session in
            var streams: [String: SPDYStream] = [:]
            for type in options.spdyStreamTypes {
                streams[type] = try await session.openStream(headers: [streamTypeHeader: type])
            }
            let opened = streams
            let gate = OutputReplayGate(replay())
            enum Ended { case caller, output, status(ByteBuffer), replayDue }
            await withTaskGroup(of: Ended.self) { group in
                group.addTask {
                    try? await Task.sleep(for: replayPatience)
                    return .replayDue
                }
                group.addTask {
                    await pumpCaller(callerInbound, callerProtocol: callerProtocol, stdin: opened["stdin"], resize: opened["resize"], logger: logger)
                    return .caller
                }
                for (type, channel) in [("stdout", StreamChannel.stdout), ("stderr", StreamChannel.stderr)] {
                    guard let stream = opened[type] else { continue }
                    group.addTask {
                        do {
                            for try await chunk in stream.inbound {
                                try await gate.release(to: callerOutbound)
                                var message = ByteBuffer(integer: channel)
                                message.writeImmutableBuffer(chunk)
                                try await callerOutbound.write(.binary(message))
                            }
                        } catch {
                            logger.debug("remote command: \(type) relay ended: \(error)")
                        }
                        return .output
                    }
                }
                group.addTask {
                    let status = (try? await opened["error"]!.inbound.collect()) ?? ByteBuffer()
                    return .status(status)
                }
                var outputs = (opened["stdout"] == nil ? 0 : 1) + (opened["stderr"] == nil ? 0 : 1) + 1
                var status: ByteBuffer?
                while outputs > 0, let ended = await group.next() {
                    switch ended {
                    case .caller:
                        logger.debug("remote command: the caller went away")
                        group.cancelAll()
                        return
                    case .output:
                        outputs -= 1
                    case .status(let bytes):
                        status = bytes
                        outputs -= 1
                        if OutputReplayGate.attachFailed(bytes) { await gate.discard() }
                    case .replayDue:
                        try? await gate.release(to: callerOutbound)
                    }
                }
                try? await gate.release(to: callerOutbound)
                var message = ByteBuffer(integer: StreamChannel.error)
                if let status, status.readableBytes > 0 {
                    message.writeImmutableBuffer(status)
                } else {
                    message = StreamStatus.success()
                }
                try? await callerOutbound.write(.binary(message))
                group.cancelAll()
            }
        }
    }

    /// The caller's messages to the runtime until the caller's WebSocket ends.
    static func pumpCaller(_ inbound: WebSocketInboundStream, callerProtocol: String, stdin: SPDYStream?, resize: SPDYStream?, logger: Logger) async {
        var iterator = inbound.makeAsyncIterator()
        var stdinOpen = stdin != nil
        do {
            while let message = try await iterator.nextMessage(maxSize: WebSocketRelay.maxMessageSize) {
                guard case .binary(var buffer) = message, let channel = buffer.readInteger(as: UInt8.self) else { continue }
                switch channel {
                case StreamChannel.stdin where stdinOpen:
                    do { try await stdin!.write(buffer) } catch {
                        // The command ended or stopped reading: later input has nowhere to go.
                        logger.debug("remote command: stdin: \(error)")
                        stdinOpen = false
                    }
                case StreamChannel.resize:
                    try? await resize?.write(buffer)
                case StreamChannel.close where callerProtocol == StreamProtocol.v5:
                    if buffer.readInteger(as: UInt8.self) == StreamChannel.stdin, stdinOpen {
                        stdinOpen = false
                        try? await stdin!.finish()
                    }
                default:
                    continue
                }
            }
        } catch {
            logger.debug("remote command: caller side ended: \(error)")
        }
    }
}
