import KubeStreaming
import Testing

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

@Suite struct RemoteCommandOptionsTests {
    @Test func aTerminalHasNoSeparateStderrAndGetsAResizeStream() {
        let tty = RemoteCommandOptions(query: QueryString("stdin=true&stdout=true&stderr=true&tty=true"))
        #expect(!tty.stderr)
        #expect(tty.spdyStreamTypes == ["error", "stdin", "stdout", "resize"])
        let plain = RemoteCommandOptions(query: QueryString("stdout=true&stderr=true"))
        #expect(plain.spdyStreamTypes == ["error", "stdout", "stderr"])
    }
}
