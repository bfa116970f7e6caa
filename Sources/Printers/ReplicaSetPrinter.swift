import APIMachinery
import Foundation

/// `kubectl get replicasets`: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR.
public struct ReplicaSetPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Desired", type: "integer", description: "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller"),
        TableColumn(name: "Current", type: "integer", description: "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller"),
        TableColumn(name: "Ready", type: "integer", description: "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition."),
        ColumnDescriptions.ageColumn,
        TableColumn(name: "Containers", priority: 1, description: ColumnDescriptions.containers),
        TableColumn(name: "Images", priority: 1, description: ColumnDescriptions.images),
        TableColumn(name: "Selector", priority: 1, description: "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ]

    public func cells(for rs: JSON, now: Date) -> [JSON] {
        let (names, images) = layoutContainerCells(rs.list("spec.template.spec.containers"))
        return [
            .string(rs.name), .int(rs.int("spec.replicas")), .int(rs.int("status.replicas")), .int(rs.int("status.readyReplicas")),
            .string(translateTimestampSince(rs.creationTimestamp, now: now)),
            .string(names), .string(images), .string(formatLabelSelector(rs.at("spec.selector"))),
        ]
    }
}

/// Upstream's `metav1.FormatLabelSelector`: the selector's string, "<none>" when empty, "<error>" when invalid.
func formatLabelSelector(_ json: JSON?) -> String {
    do {
        let s = try LabelSelector(labelSelector: json).description
        return s.isEmpty ? "<none>" : s
    } catch {
        return "<error>"
    }
}
