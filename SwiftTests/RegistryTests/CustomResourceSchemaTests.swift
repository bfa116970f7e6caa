import APIMachinery
import Testing
@testable import Registry

/// Structural schema validation, pruning and defaulting of custom resources, and the CRD's own validation,
/// with upstream's messages.
@Suite struct CustomResourceSchemaTests {
    let schema: JSON = [
        "type": "object",
        "properties": [
            "spec": [
                "type": "object", "required": ["image"],
                "properties": [
                    "image": ["type": "string", "maxLength": 5, "pattern": "^[a-z]+$"],
                    "replicas": ["type": "integer", "minimum": 0, "maximum": 10, "exclusiveMaximum": true, "default": 1],
                    "size": ["type": "string", "enum": ["S", "M"]],
                    "port": ["x-kubernetes-int-or-string": true],
                    "ratio": ["type": "number", "nullable": true],
                    "tags": ["type": "array", "maxItems": 2, "minItems": 1, "items": ["type": "string"]],
                    "labels": ["type": "object", "additionalProperties": ["type": "string"]],
                    "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    "template": ["type": "object", "x-kubernetes-embedded-resource": true, "properties": ["spec": ["type": "object", "properties": ["a": ["type": "string"]]]]],
                    "when": ["type": "string", "format": "date-time"],
                    "nested": ["type": "object", "default": [:], "properties": ["mode": ["type": "string", "default": "fast"]]],
                ],
            ],
        ],
    ]

    func errors(_ spec: JSON) -> [String] {
        SchemaValueValidator(schema: schema).validate(["apiVersion": "x/v1", "kind": "K", "metadata": ["name": "a"], "spec": spec]).map(\.message)
    }

    @Test func typeErrorsNameTheActualType() {
        #expect(errors(["image": "abc", "replicas": "three"]) == [
            #"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
        ])
        #expect(errors(["image": "abc", "replicas": 2.5]) == [
            #"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#,
        ])
        #expect(errors(["image": "abc", "replicas": .null]) == [
            #"spec.replicas: Invalid value: "null": spec.replicas in body must be of type integer: "null""#,
        ])
        #expect(errors(["image": "abc", "ratio": .null, "port": "http"]).isEmpty)
        #expect(errors(["image": "abc", "port": true]) == [
            #"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#,
        ])
    }

    @Test func valueConstraints() {
        #expect(errors([:]) == ["spec.image: Required value"])
        #expect(errors(["image": "abcdef"]) == ["spec.image: Too long: may not be more than 5 bytes"])
        #expect(errors(["image": "AB"]) == [#"spec.image: Invalid value: "AB": spec.image in body should match '^[a-z]+$'"#])
        #expect(errors(["image": "a", "replicas": -1]) == ["spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"])
        #expect(errors(["image": "a", "replicas": 10]) == ["spec.replicas: Invalid value: 10: spec.replicas in body should be less than 10"])
        #expect(errors(["image": "a", "size": "L"]) == [#"spec.size: Unsupported value: "L": supported values: "S", "M""#])
        #expect(errors(["image": "a", "tags": []]) == ["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"])
        #expect(errors(["image": "a", "tags": ["a", "b", "c"]]) == ["spec.tags: Too many: 3: must have at most 2 items"])
        #expect(errors(["image": "a", "labels": ["x": 1]]) == [#"spec.labels[x]: Invalid value: "integer": spec.labels[x] in body must be of type string: "integer""#])
        #expect(errors(["image": "a", "when": "yesterday"]) == [#"spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday""#])
        #expect(errors(["image": "a", "when": "2024-01-02T03:04:05Z"]).isEmpty)
    }

    @Test func embeddedResourcesNameTheirKind() {
        #expect(errors(["image": "a", "template": ["metadata": ["name": "x"]]]) == [
            "spec.template.apiVersion: Required value: must not be empty", "spec.template.kind: Required value: must not be empty",
        ])
        #expect(errors(["image": "a", "template": ["apiVersion": "v1", "kind": "Pod"]]).isEmpty)
    }

    @Test func selectableFieldsJoinMetadataFields() throws {
        let crd: JSON = ["metadata": ["name": "foos.example.com"], "spec": [
            "group": "example.com", "scope": "Namespaced", "names": ["plural": "foos", "kind": "Foo"],
            "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": schema],
                          "selectableFields": [["jsonPath": ".spec.size"]]]]]]
        let model = try #require(CustomResourceDefinitionModel(crd))
        let s = CustomResourceStrategy(info: model.resourceInfo(model.versions[0]), version: model.versions[0])
        let fields = s.selectableFields(["metadata": ["name": "a", "namespace": "ns"], "spec": ["size": "M"]])
        #expect(fields == ["metadata.name": "a", "metadata.namespace": "ns", "spec.size": "M"])
    }

    @Test func pruningKeepsWhatTheSchemaAllows() {
        let object: JSON = [
            "apiVersion": "x/v1", "kind": "K", "metadata": ["name": "a", "bogus": 1],
            "spec": ["image": "a", "unknown": 1, "free": ["anything": ["deep": true]], "labels": ["k": "v"],
                     "template": ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "junk": 1], "spec": ["a": "x", "b": "y"]]],
            "status": ["x": 1],
        ]
        let (pruned, unknown) = SchemaPruner(schema: schema).prune(object)
        #expect(unknown == ["metadata.bogus", "spec.template.metadata.junk", "spec.template.spec.b", "spec.unknown", "status"])
        #expect(pruned == [
            "apiVersion": "x/v1", "kind": "K", "metadata": ["name": "a"],
            "spec": ["image": "a", "free": ["anything": ["deep": true]], "labels": ["k": "v"],
                     "template": ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["a": "x"]]],
        ])
    }

    @Test func defaultsFillAbsentFieldsRecursively() {
        var object: JSON = ["apiVersion": "x/v1", "kind": "K", "metadata": ["name": "a"], "spec": ["image": "a"]]
        let d = SchemaDefaulter(schema: schema)
        #expect(d.hasDefaults)
        d.apply(&object)
        #expect(object["spec"] == ["image": "a", "replicas": 1, "nested": ["mode": "fast"]])
        var explicit: JSON = ["spec": ["image": "a", "replicas": 3, "nested": ["mode": "slow"]]]
        d.apply(&explicit)
        #expect(explicit["spec"] == ["image": "a", "replicas": 3, "nested": ["mode": "slow"]])
    }

    func crd(_ mutate: (inout JSON) -> Void = { _ in }) -> JSON {
        var c: JSON = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "foos.example.com"],
            "spec": ["group": "example.com", "scope": "Namespaced",
                     "names": ["plural": "foos", "singular": "foo", "kind": "Foo", "listKind": "FooList"],
                     "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": schema]]]],
        ]
        mutate(&c)
        return c
    }

    @Test func crdValidationFollowsUpstream() {
        #expect(CustomResourceDefinitionValidation.validate(crd()).isEmpty)
        let wrongName = CustomResourceDefinitionValidation.validate(crd { $0[path: ["metadata", "name"]] = "bars.example.com" }).map(\.message)
        #expect(wrongName == [#"metadata.name: Invalid value: "bars.example.com": must be spec.names.plural+"."+spec.group"#])
        let scope = CustomResourceDefinitionValidation.validate(crd { $0[path: ["spec", "scope"]] = "Global" }).map(\.message)
        #expect(scope == [#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#])
        let noStorage = CustomResourceDefinitionValidation.validate(crd { $0[path: ["spec", "versions"]] = [["name": "v1", "served": true, "storage": false, "schema": ["openAPIV3Schema": schema]]] })
        #expect(noStorage.map(\.detail) == ["must have exactly one version marked as storage version"])
        let noSchema = CustomResourceDefinitionValidation.validate(crd { $0[path: ["spec", "versions"]] = [["name": "v1", "served": true, "storage": true]] }).map(\.message)
        #expect(noSchema == ["spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"])
        let sameKind = CustomResourceDefinitionValidation.validate(crd { $0[path: ["spec", "names", "listKind"]] = "Foo" }).map(\.message)
        #expect(sameKind == [#"spec.names.listKind: Invalid value: "Foo": kind and listKind may not be the same"#])
    }

    @Test func structuralSchemaErrors() {
        let s: JSON = ["type": "object", "properties": [
            "spec": ["properties": ["a": ["type": "array"]]],
            "metadata": ["type": "object", "properties": ["labels": ["type": "object"]]],
        ]]
        let errs = StructuralSchemaCheck.validate(s, FieldPath("spec", "versions").index(0).child("schema", "openAPIV3Schema")).map(\.message)
        #expect(errs == [
            "spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified",
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[a].items: Required value: must be specified",
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
        ])
        let root = StructuralSchemaCheck.validate(["type": "string"], FieldPath("s")).map(\.message)
        #expect(root == [#"s.type: Invalid value: "string": must be object at the root"#])
    }

    @Test func kubeAwareVersionOrder() {
        let sorted = ["v1alpha1", "v2", "foo", "v1", "v1beta2", "v1beta1", "v10"].sorted { KubeVersionOrder.less($1, $0) }
        #expect(sorted == ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"])
    }
}
