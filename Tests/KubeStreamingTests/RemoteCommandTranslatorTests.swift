import KubeStreaming
import NIOCore
import Testing

@Suite struct RemoteCommandTranslatorTests {
    func message(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    @Test func v5CloseSignalIsDroppedForAV4RuntimeAndLaterStdinToo() {
        var t = RemoteCommandTranslator(callerProtocol: StreamProtocol.v5, runtimeProtocol: StreamProtocol.v4)
        #expect(t.fromCaller(message([0, 104, 105])) == .forward(message([0, 104, 105])))
        guard case .drop = t.fromCaller(message([255, 0])) else { Issue.record("close signal forwarded to v4"); return }
        #expect(t.closedChannels == [0])
        guard case .drop = t.fromCaller(message([0, 120])) else { Issue.record("stdin after close forwarded"); return }
        // Resize still flows.
        let resize = message([4] + Array(#"{"Width":80,"Height":24}"#.utf8))
        #expect(t.fromCaller(resize) == .forward(resize))
    }

    @Test func v5CloseSignalReachesAV5Runtime() {
        var t = RemoteCommandTranslator(callerProtocol: StreamProtocol.v5, runtimeProtocol: StreamProtocol.v5)
        #expect(t.fromCaller(message([255, 0])) == .forward(message([255, 0])))
    }

    @Test func v4CallersChannel255IsJustData() {
        var t = RemoteCommandTranslator(callerProtocol: StreamProtocol.v4, runtimeProtocol: StreamProtocol.v4)
        #expect(t.fromCaller(message([255, 0])) == .forward(message([255, 0])))
    }

    @Test func malformedCloseAndEmptyMessagesAreDropped() {
        var t = RemoteCommandTranslator(callerProtocol: StreamProtocol.v5, runtimeProtocol: StreamProtocol.v4)
        guard case .drop = t.fromCaller(message([255])) else { Issue.record("short close forwarded"); return }
        guard case .drop = t.fromCaller(message([])) else { Issue.record("empty message forwarded"); return }
        #expect(t.closedChannels.isEmpty)
    }

    @Test func runtimeMessagesPassUnchanged() {
        let t = RemoteCommandTranslator(callerProtocol: StreamProtocol.v5, runtimeProtocol: StreamProtocol.v4)
        let status = message([3] + Array(#"{"metadata":{},"status":"Success"}"#.utf8))
        #expect(t.fromRuntime(status) == status)
    }
}

@Suite struct StreamProtocolTests {
    @Test func serverPreferenceWinsAmongOfferedProtocols() {
        let offered = StreamProtocol.offered("v4.channel.k8s.io, v5.channel.k8s.io,channel.k8s.io")
        #expect(offered == ["v4.channel.k8s.io", "v5.channel.k8s.io", "channel.k8s.io"])
        #expect(StreamProtocol.negotiate(offered: offered, supported: StreamProtocol.remoteCommand) == StreamProtocol.v5)
        #expect(StreamProtocol.negotiate(offered: ["channel.k8s.io"], supported: StreamProtocol.remoteCommand) == nil)
    }

    @Test func queryStringKeepsRepeatedCommandArguments() {
        let q = QueryString("command=sh&command=-c&command=echo+a%20b&stdin=true&tty=1")
        #expect(q.all("command") == ["sh", "-c", "echo a b"])
        #expect(q.bool("stdin") && q.bool("tty") && !q.bool("stdout"))
    }
}
