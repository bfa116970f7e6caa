import APIMachinery
import Foundation
import Testing
@testable import Printers

@Suite struct TableTests {
    let running = pod("web", status: #"{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}"#)
    let done = pod("job", status: #"{"phase":"Succeeded"}"#)

    @Test func listTableWithMetadataRows() throws {
        let table = try makeTable(printer: PodPrinter(), objects: [running, done], now: now,
                                  listMeta: ["resourceVersion": "1234", "continue": "abc", "remainingItemCount": 5, "selfLink": "x"])
        #expect(table["kind"] == "Table")
        #expect(table["apiVersion"] == "meta.k8s.io/v1")
        #expect(table["metadata"] == ["resourceVersion": "1234", "continue": "abc", "remainingItemCount": 5])
        let columns = table["columnDefinitions"]?.array ?? []
        #expect(columns.count == 9)
        #expect(columns[0] == ["name": "Name", "type": "string", "format": "name", "description": .string(ColumnDescriptions.name), "priority": 0])
        #expect(columns[5]["priority"] == 1)
        let rows = table["rows"]?.array ?? []
        #expect(rows.count == 2)
        #expect(rows[0]["cells"]?[0] == "web")
        #expect(rows[0]["conditions"] == nil)
        #expect(rows[1]["conditions"]?[0]?["reason"] == "Succeeded")
        #expect(rows[0]["object"] == ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": running["metadata"]!])
    }

    @Test func includeObjectPolicies() throws {
        let full = try makeTable(printer: PodPrinter(), objects: [running], now: now, includeObject: "Object")
        #expect(full["rows"]?[0]?["object"] == running)
        let none = try makeTable(printer: PodPrinter(), objects: [running], now: now, includeObject: "None")
        #expect(none["rows"]?[0]?["object"] == .null)
        let defaulted = try makeTable(printer: PodPrinter(), objects: [running], now: now, includeObject: "")
        #expect(defaulted["rows"]?[0]?["object"]?["kind"] == "PartialObjectMetadata")
        #expect(throws: APIError.badRequest("unrecognized includeObject value: \"Everything\"")) {
            try makeTable(printer: PodPrinter(), objects: [running], now: now, includeObject: "Everything")
        }
    }

    @Test func singleObjectAndNoHeaders() throws {
        let table = try makeTable(printer: PodPrinter(), objects: [running], now: now, listMeta: ["resourceVersion": "42"],
                                  noHeaders: true, apiVersion: "meta.k8s.io/v1beta1")
        #expect(table["columnDefinitions"] == .null)
        #expect(table["metadata"] == ["resourceVersion": "42"])
        #expect(table["apiVersion"] == "meta.k8s.io/v1beta1")
        #expect(table["rows"]?[0]?["object"]?["apiVersion"] == "meta.k8s.io/v1beta1")
    }

    @Test func emptyList() throws {
        let table = try makeTable(printer: NodePrinter(), objects: [], now: now)
        #expect(table["rows"] == [])
        #expect(table["metadata"] == [:])
    }

    @Test func registry() {
        #expect(tablePrinter(group: "", resource: "pods") is PodPrinter)
        #expect(tablePrinter(group: "apps", resource: "deployments") is DeploymentPrinter)
        #expect(tablePrinter(group: "discovery.k8s.io", resource: "endpointslices") is EndpointSlicePrinter)
        #expect(tablePrinter(group: "coordination.k8s.io", resource: "leases") is LeasePrinter)
        #expect(tablePrinter(group: "", resource: "bindings") is DefaultTablePrinter)
        #expect(tablePrinter(group: "apps", resource: "pods") is DefaultTablePrinter, "the group matters")
    }

    /// Every registered printer yields one cell per column, for a realistic and for an empty object.
    @Test(arguments: [
        ("", "pods"), ("", "nodes"), ("", "namespaces"), ("", "services"), ("", "endpoints"), ("", "configmaps"),
        ("", "secrets"), ("", "events"), ("", "serviceaccounts"), ("apps", "deployments"), ("apps", "replicasets"),
        ("discovery.k8s.io", "endpointslices"), ("coordination.k8s.io", "leases"), ("", "bindings"),
    ])
    func cellsMatchColumns(group: String, resource: String) {
        let printer = tablePrinter(group: group, resource: resource)
        #expect(printer.cells(for: [:], now: now).count == printer.columnDefinitions.count)
        #expect(printer.cells(for: running, now: now).count == printer.columnDefinitions.count)
        #expect(printer.columnDefinitions.first?.name == (resource == "events" ? "Last Seen" : "Name"))
    }
}

@Suite struct PrintedTimestampTests {
    @Test func parsing() {
        let utc = Timestamp(.string("2024-05-01T12:00:00Z"))
        #expect(utc == Timestamp(.string("2024-05-01T13:30:00+01:30")))
        #expect(utc == Timestamp(now))
        #expect(Timestamp(.string("2024-05-01T11:59:30.5Z")).map { Timestamp(now).nanoseconds(since: $0) } == 29_500_000_000)
        #expect(Timestamp(.string("")) == nil)
        #expect(Timestamp(.null) == nil)
        #expect(Timestamp(nil) == nil)
        #expect(Timestamp(.string("yesterday")) == nil)
        #expect(Timestamp(.string("2024-13-01T00:00:00Z")) == nil)
        #expect(Timestamp(.string("0001-01-01T00:00:00Z")) == nil, "Go's zero time is unset")
        #expect(Timestamp(.string("1969-12-31T23:59:59Z"))?.seconds == -1)
        #expect(Timestamp(.string("2024-02-29T10:11:12Z"))?.rfc3339 == "2024-02-29T10:11:12Z")
        // Printers' own parser took any day up to 31 (Feb 31 became March 2); Go's rejects it, so the age
        // is "<unknown>" as upstream's printer shows.
        #expect(Timestamp(.string("2024-02-31T00:00:00Z")) == nil)
        #expect(translateTimestampSince(.string("2024-02-31T00:00:00Z"), now: now) == "<unknown>")
    }

    @Test func ages() {
        #expect(translateTimestampSince(.string("2024-05-01T11:59:30.123456Z"), now: now) == "29s")
        #expect(translateTimestampSince(.string("2024-05-01T12:00:05Z"), now: now) == "<invalid>")
        #expect(translateTimestampSince(.string("2024-05-01T12:00:01Z"), now: now) == "0s")
        #expect(translateTimestampSince(nil as JSON?, now: now) == "<unknown>")
        #expect(translateTimestampSince(.string("2016-05-01T12:00:00Z"), now: now) == "8y")
    }
}
