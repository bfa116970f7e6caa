import APIMachinery
import Foundation

/// `kubectl get configmaps`: NAME DATA AGE (DATA counts `data` and `binaryData` keys).
public struct ConfigMapPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Data", description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for cm: JSON, now: Date) -> [JSON] {
        let count = (cm.obj("data")?.object?.count ?? 0) + (cm.obj("binaryData")?.object?.count ?? 0)
        return [.string(cm.name), .int(Int64(count)), .string(translateTimestampSince(cm.creationTimestamp, now: now))]
    }
}
