import APIMachinery
import Foundation

/// Upstream's `defaultTableConvertor` for kinds without a printer: Name and Created At (an RFC 3339
/// UTC time, column type "date").
public struct DefaultTablePrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Created At", type: "date", description: ColumnDescriptions.creationTimestamp),
    ]

    public func cells(for object: JSON, now: Date) -> [JSON] {
        let created = Timestamp(object.creationTimestamp) ?? Timestamp.goZero
        return [.string(object.name), .string(created.rfc3339)]
    }
}
