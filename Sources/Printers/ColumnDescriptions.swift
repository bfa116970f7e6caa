/// The column descriptions upstream takes from the API types' Swagger docs, shared by several printers.
enum ColumnDescriptions {
    static let name =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    static let creationTimestamp =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
    static let containers = "Names of each container in the template."
    static let images = "Images referenced by each container in the template."

    /// The "Name" column every printer starts with.
    static let nameColumn = TableColumn(name: "Name", format: "name", description: name)
    /// The "Age" column.
    static let ageColumn = TableColumn(name: "Age", description: creationTimestamp)
}
