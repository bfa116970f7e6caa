import APIMachinery
import Foundation

/// `kubectl get serviceaccounts`: NAME SECRETS AGE.
public struct ServiceAccountPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Secrets", description: "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret"),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for sa: JSON, now: Date) -> [JSON] {
        [.string(sa.name), .int(Int64(sa.list("secrets").count)), .string(translateTimestampSince(sa.creationTimestamp, now: now))]
    }
}
