import APIMachinery
import Foundation
import OpenAPI
import Printers
import Registry

/// The server's seams to the pure modules (strategies, schema, patches, apply, tables, selectors): one
/// place that adapts their errors to `APIError` and fills what they need from a `ResourceInfo`.
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
    static func decodeYAML(_ text: String) throws -> JSON {
        do { return try YAMLDecoding.decode(text) } catch { throw APIError.badRequest(error.message) }
    }
    static func mergePatch(_ patch: JSON, to obj: JSON) -> JSON { MergePatch.merge(patch, into: obj) }
    static func schema(_ info: ResourceInfo, custom: CustomResourceServing? = nil) -> SchemaNode? {
        if let custom { return custom.schemaNode }
        return Schema.shared.node(group: info.group, version: info.version, kind: info.kind)
    }
    static func serverSideApply(live: JSON?, applied: JSON, manager: String, force: Bool, info: ResourceInfo,
                                custom: CustomResourceServing? = nil) throws -> JSON {
        do {
            return try ServerSideApply.apply(
                live: live, applied: applied, manager: manager, force: force, schema: schema(info, custom: custom),
                apiVersion: info.apiVersion, now: RFC3339.time(), kind: info.kind)
        } catch let e as ApplyConflictError {
            throw e.apiError
        }
    }
    static func recordUpdate(old: JSON?, new: JSON, manager: String, info: ResourceInfo, subresource: String?,
                             custom: CustomResourceServing? = nil) -> JSON {
        ServerSideApply.recordUpdate(old: old, new: new, manager: manager, schema: schema(info, custom: custom), apiVersion: info.apiVersion,
                                     now: RFC3339.time(), subresource: subresource)
    }
    static func table(info: ResourceInfo, objects: [JSON], includeObject: String, listMeta: JSON, version: String,
                      custom: CustomResourceServing? = nil) throws -> JSON {
        let typed = objects.map { o -> JSON in
            var out = o
            if out["kind"] == nil { out["kind"] = .string(info.kind) }
            if out["apiVersion"] == nil { out["apiVersion"] = .string(info.apiVersion) }
            return out
        }
        let printer: any TablePrinter = custom.map { $0.printer as any TablePrinter } ?? tablePrinter(group: info.group, resource: info.resource)
        return try makeTable(printer: printer, objects: typed, now: Date(),
                             includeObject: includeObject, listMeta: listMeta, apiVersion: "meta.k8s.io/\(version)")
    }

    /// The object filter of `labelSelector` and `fieldSelector`; nil when both select everything. Field
    /// selectors may only name the fields the kind supports (400 `field label not supported: X`).
    static func filter(labelSelector: String?, fieldSelector: String?, strategy: any ResourceStrategy) throws -> (@Sendable (JSON) -> Bool)? {
        var labels: LabelSelector? = nil
        var fields: FieldSelector? = nil
        do {
            if let l = labelSelector, !l.isEmpty { labels = try LabelSelector(parsing: l) }
            if let f = fieldSelector, !f.isEmpty { fields = try FieldSelector(parsing: f) }
        } catch {
            throw error.apiError
        }
        if let fields {
            let supported = Set(strategy.selectableFields(["metadata": [:]]).keys)
            for r in fields.requirements where !supported.contains(r.field) {
                throw APIError.badRequest("field label not supported: \(r.field)")
            }
        }
        if labels.map({ $0.isEverything }) ?? true, fields == nil { return nil }
        let (labelSel, fieldSel) = (labels, fields)
        return { obj in
            if let labelSel, !labelSel.matches(obj.metaLabels) { return false }
            if let fieldSel, !fieldSel.matches(strategy.selectableFields(obj)) { return false }
            return true
        }
    }

    static func partialMetadata(_ o: JSON, version: String) -> JSON {
        ["kind": "PartialObjectMetadata", "apiVersion": .string("meta.k8s.io/\(version)"), "metadata": o["metadata"] ?? [:]]
    }
}
