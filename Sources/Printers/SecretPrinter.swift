import APIMachinery
import Foundation

/// `kubectl get secrets`: NAME TYPE DATA AGE.
public struct SecretPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Type", description: "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
        TableColumn(name: "Data", description: "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for secret: JSON, now: Date) -> [JSON] {
        // Upstream's conversion folds stringData into data before printing.
        var keys = Set(secret.obj("data")?.object?.keys.map { $0 } ?? [])
        keys.formUnion(secret.obj("stringData")?.object?.keys.map { $0 } ?? [])
        return [.string(secret.name), .string(secret.str("type")), .int(Int64(keys.count)),
                .string(translateTimestampSince(secret.creationTimestamp, now: now))]
    }
}
