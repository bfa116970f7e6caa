import APIMachinery
import Foundation
import OpenAPI
import Registry

/// TEMPORARY seams to pieces being written on other branches; replaced by direct calls when they land.
enum Adapters {
    static func strategy(for info: ResourceInfo) -> any ResourceStrategy { Registry.strategy(for: info) }
    static func validateMeta(_ obj: JSON, info: ResourceInfo) -> [FieldError] {
        validateObjectMeta(obj["metadata"] ?? [:], for: info)
    }
    static func validateMetaUpdate(_ new: JSON, old: JSON, info: ResourceInfo) -> [FieldError] {
        validateObjectMetaUpdate(new: new["metadata"] ?? [:], old: old["metadata"] ?? [:],
                                 kubeFinalizerNames: !(info.group.isEmpty && info.resource == "events"))
    }
    static func unknownFields(_ obj: JSON, info: ResourceInfo) -> [String] {
        FieldValidator(schema: .shared).unknownFields(in: obj, group: info.group, version: info.version, kind: info.kind)
    }
    static func prune(_ obj: JSON, info: ResourceInfo) -> JSON {
        FieldPruner(schema: .shared).pruned(obj, group: info.group, version: info.version, kind: info.kind)
    }
    static func decodeYAML(_ text: String) throws -> JSON { throw APIError.unsupportedMediaType("application/yaml") }
    static func mergePatch(_ patch: JSON, to obj: JSON) -> JSON { MergePatch.merge(patch, into: obj) }
    static func schema(_ info: ResourceInfo) -> SchemaNode? {
        Schema.shared.node(group: info.group, version: info.version, kind: info.kind)
    }
    static func serverSideApply(live: JSON?, applied: JSON, manager: String, force: Bool, info: ResourceInfo) throws -> JSON {
        do {
            return try ServerSideApply.apply(
                live: live, applied: applied, manager: manager, force: force, schema: schema(info),
                apiVersion: info.apiVersion, now: Timestamp.now(), kind: info.kind)
        } catch let e as ApplyConflictError {
            throw e.apiError
        }
    }
    static func recordUpdate(old: JSON?, new: JSON, manager: String, info: ResourceInfo, subresource: String?) -> JSON {
        ServerSideApply.recordUpdate(old: old, new: new, manager: manager, schema: schema(info), apiVersion: info.apiVersion,
                                     now: Timestamp.now(), subresource: subresource)
    }
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
