import APIMachinery
import Foundation

/// The opaque `metadata.continue` of a paged list: the revision the first page was read at and the key to
/// resume from, so that every page of one list is read at the same revision (as upstream's etcd3 store).
struct ContinueToken: Sendable, Equatable {
    var revision: Int64
    var startKey: String

    var encoded: String {
        let json: JSON = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(startKey)]
        return json.serialized(sortedKeys: true).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init(revision: Int64, startKey: String) {
        self.revision = revision
        self.startKey = startKey
    }

    init(decoding token: String) throws(APIError) {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let json = try? JSON.parse(data),
            json["v"]?.string == "meta.k8s.io/v1", let rv = json["rv"]?.int, let start = json["start"]?.string
        else {
            throw APIError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        revision = rv
        startKey = start
    }
}
