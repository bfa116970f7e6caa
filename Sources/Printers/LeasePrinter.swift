import APIMachinery
import Foundation

/// `kubectl get leases`: NAME HOLDER AGE.
public struct LeasePrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Holder", description: "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for lease: JSON, now: Date) -> [JSON] {
        [.string(lease.name), .string(lease.str("spec.holderIdentity")), .string(translateTimestampSince(lease.creationTimestamp, now: now))]
    }
}
