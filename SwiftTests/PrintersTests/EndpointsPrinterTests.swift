import APIMachinery
import Foundation
import Testing
@testable import Printers

@Suite struct EndpointsPrinterTests {
    func endpoints(_ subsets: String) -> JSON {
        var e = object(#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web"}}"#)
        e[path: ["metadata", "creationTimestamp"]] = ago(45)
        e["subsets"] = object(subsets)
        return e
    }

    @Test func moreThanThreeAddresses() {
        let e = endpoints(#"[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"},{"ip":"10.0.0.3"},{"ip":"10.0.0.4"}],"ports":[{"port":80,"protocol":"TCP"}]}]"#)
        #expect(strings(EndpointsPrinter().cells(for: e, now: now)) == ["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...", "45s"])
    }

    @Test func exactlyThreeHasNoSuffix() {
        let e = endpoints(#"[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"},{"ip":"10.0.0.3"}],"ports":[{"port":80}]}]"#)
        #expect(EndpointsPrinter().cells(for: e, now: now)[1] == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80")
    }

    @Test func addressesTimesPorts() {
        let e = endpoints(#"[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}],"ports":[{"name":"http","port":80},{"name":"https","port":443}]}]"#)
        #expect(EndpointsPrinter().cells(for: e, now: now)[1] == "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...")
    }

    @Test func headlessWithoutPortsAndIPv6() {
        let e = endpoints(#"[{"addresses":[{"ip":"10.0.0.1"}]},{"addresses":[{"ip":"fd00::1"}],"ports":[{"port":8080}]}]"#)
        #expect(EndpointsPrinter().cells(for: e, now: now)[1] == "10.0.0.1,[fd00::1]:8080")
    }

    @Test func noSubsets() {
        var e = endpoints("[]")
        #expect(EndpointsPrinter().cells(for: e, now: now)[1] == "<none>")
        e["subsets"] = nil
        #expect(EndpointsPrinter().cells(for: e, now: now)[1] == "<none>")
    }

    @Test func endpointSlice() {
        var s = object("""
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-abc12"},"addressType":"IPv4",
             "ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"all"},{},{"port":9090}],
             "endpoints":[{"addresses":["10.0.0.1"]},{"addresses":["10.0.0.2","10.0.0.3"]},{"addresses":["10.0.0.4"]},{"addresses":["10.0.0.5"]}]}
            """)
        s[path: ["metadata", "creationTimestamp"]] = ago(600)
        let printer = EndpointSlicePrinter()
        #expect(printer.columnDefinitions.map(\.name) == ["Name", "AddressType", "Ports", "Endpoints", "Age"])
        #expect(strings(printer.cells(for: s, now: now)) == ["web-abc12", "IPv4", "80,all,* + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...", "10m"])
        s["ports"] = nil
        s["endpoints"] = []
        #expect(strings(printer.cells(for: s, now: now))[2...3] == ["<unset>", "<unset>"])
    }
}
