import Foundation
import KubeStreaming
import NIOCore

/// What a container wrote so far, read from its CRI log file and cut into the remote-command channels
/// (1 stdout, 2 stderr) in the order it was written: the first attach to a `stdinOnce` container starts
/// with it (`KubeletServer.firstAttachReplay`).
///
/// Read once the runtime's attach streams are open, so nothing written in between is lost; a record the
/// runtime writes in the instant between the attach opening and this read can reach the caller twice.
struct ContainerOutputReplay: Sendable {
    let file: URL

    func chunks(stdout: Bool, stderr: Bool) -> [(channel: UInt8, data: ByteBuffer)] {
        guard let bytes = try? Data(contentsOf: file) else { return [] }
        var out: [(channel: UInt8, data: ByteBuffer)] = []
        for record in ContainerLogReader.records(in: Array(bytes), keepIncompleteTail: false).records {
            guard let line = CRILogLine.parse(record) else { continue }
            let channel = line.stream == .stdout ? StreamChannel.stdout : StreamChannel.stderr
            guard line.stream == .stdout ? stdout : stderr else { continue }
            var data = line.content
            if !line.partial { data.append(UInt8(ascii: "\n")) }
            if let last = out.last, last.channel == channel {
                out[out.count - 1].data.writeBytes(data)
            } else {
                out.append((channel, ByteBuffer(bytes: data)))
            }
        }
        return out
    }
}
