import Foundation

/// The WebSocket subprotocols of Kubernetes' streaming endpoints and how one is chosen.
///
/// Remote commands (exec, attach) use the channel protocols: every binary message starts with a channel
/// byte. `v5.channel.k8s.io` adds the close signal `[0xFF, channel]` to v4 and is what kubectl 1.30+ offers.
/// Container runtimes' streaming servers (containerd 1.6) know v4 at most, so the kubelet speaks v4's stream
/// protocol to them over SPDY/3.1, where a stream can be half-closed (`RemoteCommandSPDYRelay`). Port forwarding from kubectl 1.31+ asks
/// for `SPDY/3.1+portforward.k8s.io`: SPDY/3.1 frames carried as the payload of binary messages.
public enum StreamProtocol {
    public static let v5 = "v5.channel.k8s.io"
    public static let v4 = "v4.channel.k8s.io"
    /// kubectl's port-forward tunnel: SPDY inside WebSocket binary messages.
    public static let portForwardTunnel = "SPDY/3.1+portforward.k8s.io"

    /// The remote-command protocols a Skiff server accepts, best first.
    public static let remoteCommand = [v5, v4]

    /// The protocols a client offered in `Sec-WebSocket-Protocol` (comma-separated, possibly repeated headers).
    public static func offered(_ header: String?) -> [String] {
        (header ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The first protocol of `supported` that the client offered (the server's preference wins, as
    /// upstream's wsstream picks the best version both sides know).
    public static func negotiate(offered: [String], supported: [String]) -> String? {
        supported.first { offered.contains($0) }
    }
}

/// The channel numbers of the remote-command protocols.
public enum StreamChannel {
    public static let stdin: UInt8 = 0
    public static let stdout: UInt8 = 1
    public static let stderr: UInt8 = 2
    /// Server → client: the final `Status` of the command (v4+).
    public static let error: UInt8 = 3
    /// Client → server: `{"Width":W,"Height":H}` terminal sizes.
    public static let resize: UInt8 = 4
    /// v5 only: `[close, channel]` half-closes one of the client's streams (stdin at EOF).
    public static let close: UInt8 = 255
}
