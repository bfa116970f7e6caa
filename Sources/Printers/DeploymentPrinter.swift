import APIMachinery
import Foundation

/// `kubectl get deployments`: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR.
public struct DeploymentPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Ready", description: "Number of the pod with ready state"),
        TableColumn(name: "Up-to-date", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        TableColumn(name: "Available", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        ColumnDescriptions.ageColumn,
        TableColumn(name: "Containers", priority: 1, description: ColumnDescriptions.containers),
        TableColumn(name: "Images", priority: 1, description: ColumnDescriptions.images),
        TableColumn(name: "Selector", priority: 1, description: "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
    ]

    public func cells(for d: JSON, now: Date) -> [JSON] {
        let (names, images) = layoutContainerCells(d.list("spec.template.spec.containers"))
        // Upstream prints LabelSelectorAsSelector(...).String() here: "" for nil or empty selectors.
        let selector: String
        do {
            selector = try LabelSelector(labelSelector: d.at("spec.selector")).description
        } catch {
            selector = "<invalid>"
        }
        return [
            .string(d.name), .string("\(d.int("status.readyReplicas"))/\(d.int("spec.replicas"))"),
            .int(d.int("status.updatedReplicas")), .int(d.int("status.availableReplicas")),
            .string(translateTimestampSince(d.creationTimestamp, now: now)),
            .string(names), .string(images), .string(selector),
        ]
    }
}
