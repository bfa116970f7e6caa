import APIMachinery
import Foundation
import OpenAPI
import Registry

/// TEMPORARY seams to pieces being written on other branches; replaced by direct calls when they land.
enum Adapters {
    static func strategy(for info: ResourceInfo) -> any ResourceStrategy { GenericStrategy(info: info) }
    static func validateMeta(_ obj: JSON, info: ResourceInfo) -> [FieldError] {
        (obj.metaName ?? "").isEmpty ? [.required("metadata.name", "name or generateName is required")] : []
    }
    static func validateMetaUpdate(_ new: JSON, old: JSON, info: ResourceInfo) -> [FieldError] { [] }
    static func unknownFields(_ obj: JSON, info: ResourceInfo) -> [String] {
        FieldValidator(schema: .shared).unknownFields(in: obj, group: info.group, version: info.version, kind: info.kind)
    }
    static func decodeYAML(_ text: String) throws -> JSON { throw APIError.unsupportedMediaType("application/yaml") }
    static func mergePatch(_ patch: JSON, to obj: JSON) -> JSON { MergePatch.merge(patch, into: obj) }
    static func serverSideApply(live: JSON?, applied: JSON, manager: String, force: Bool, info: ResourceInfo) throws -> JSON {
        if let live { return mergePatch(applied, to: live) }
        return applied
    }
    static func recordUpdate(old: JSON?, new: JSON, manager: String, info: ResourceInfo, subresource: String?) -> JSON { new }
    static func table(info: ResourceInfo, objects: [JSON], includeObject: String, listMeta: JSON, version: String) -> JSON {
        var t: JSON = ["kind": "Table", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": listMeta]
        t["columnDefinitions"] = [["name": "Name", "type": "string", "format": "name", "description": "", "priority": 0]]
        t["rows"] = .array(objects.map { o in ["cells": [.string(o.metaName ?? "")], "object": partialMetadata(o, version: version)] })
        return t
    }
    static func filter(labelSelector: String?, fieldSelector: String?, strategy: any ResourceStrategy) throws -> (@Sendable (JSON) -> Bool)? {
        nil
    }

    static func partialMetadata(_ o: JSON, version: String) -> JSON {
        ["kind": "PartialObjectMetadata", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": o["metadata"] ?? [:]]
    }
}
