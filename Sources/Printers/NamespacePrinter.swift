import APIMachinery
import Foundation

/// `kubectl get namespaces`: NAME STATUS AGE (STATUS is the phase: Active / Terminating).
public struct NamespacePrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Status", description: "The status of the namespace"),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for ns: JSON, now: Date) -> [JSON] {
        [.string(ns.name), .string(ns.str("status.phase")), .string(translateTimestampSince(ns.creationTimestamp, now: now))]
    }
}
