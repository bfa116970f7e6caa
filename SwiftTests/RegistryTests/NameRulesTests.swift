import APIMachinery
import Testing
@testable import Registry

@Suite struct NameRulesTests {
    @Test func subdomainMessageIsUpstreams() {
        #expect(isDNS1123Subdomain("Nginx") == [
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ])
        #expect(isDNS1123Subdomain("my.app-1").isEmpty)
        #expect(isDNS1123Subdomain("a").isEmpty)
        #expect(!isDNS1123Subdomain("-a").isEmpty)
        #expect(!isDNS1123Subdomain("a.").isEmpty)
        #expect(!isDNS1123Subdomain("a..b").isEmpty)
        #expect(!isDNS1123Subdomain("").isEmpty)
        #expect(!isDNS1123Subdomain("ü").isEmpty)
    }

    @Test func subdomainLengthLimitIs253() {
        let ok = String(repeating: "a", count: 253)
        #expect(isDNS1123Subdomain(ok).isEmpty)
        #expect(isDNS1123Subdomain(ok + "a") == ["must be no more than 253 characters"])
    }

    @Test func labelMessagesDistinguishDots() {
        #expect(isDNS1123Label("a.b") == ["must not contain dots"])
        #expect(isDNS1123Label("A") == [
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ])
        #expect(isDNS1123Label("123-abc").isEmpty)
        let long = String(repeating: "a", count: 64)
        #expect(isDNS1123Label(long) == ["must be no more than 63 characters"])
    }

    @Test func dns1035LabelMustStartWithALetter() {
        #expect(isDNS1035Label("my-svc").isEmpty)
        #expect(isDNS1035Label("1svc") == [
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ])
        #expect(!isDNS1035Label("svc-").isEmpty)
    }

    @Test func qualifiedNames() {
        #expect(isQualifiedName("app.kubernetes.io/name").isEmpty)
        #expect(isQualifiedName("MyName").isEmpty)
        #expect(isQualifiedName("/name") == ["prefix part must be non-empty"])
        #expect(isQualifiedName("example.com/") == [
            "name part must be non-empty",
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ])
        #expect(isQualifiedName("a/b/c") == [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ])
        #expect(isQualifiedName("Bad_Prefix/x").first?.hasPrefix("prefix part a lowercase RFC 1123 subdomain") == true)
        #expect(isQualifiedName(String(repeating: "a", count: 64)) == ["name part must be no more than 63 characters"])
    }

    @Test func labelValues() {
        #expect(isValidLabelValue("").isEmpty)
        #expect(isValidLabelValue("v1.2_3-x").isEmpty)
        #expect(isValidLabelValue("foo bar") == [
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ])
        #expect(isValidLabelValue(String(repeating: "x", count: 64)) == ["must be no more than 63 characters"])
    }

    @Test func configKeys() {
        #expect(isConfigMapKey("app.properties").isEmpty)
        #expect(isConfigMapKey("KEY_NAME-1").isEmpty)
        #expect(isConfigMapKey("..data").contains("must not start with '..'"))
        #expect(isConfigMapKey(".") == ["must not be '.'"])
        #expect(isConfigMapKey("a b") == [
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ])
    }

    @Test func portNamesAndNumbers() {
        #expect(isValidPortName("http").isEmpty)
        #expect(isValidPortName("http-alt2").isEmpty)
        #expect(isValidPortName("1234") == ["must contain at least one letter (a-z)"])
        #expect(isValidPortName("-http") == ["must not begin or end with a hyphen"])
        #expect(isValidPortName("a--b") == ["must not contain consecutive hyphens"])
        #expect(isValidPortName("averyveryverylongname").first == "must be no more than 15 characters")
        #expect(isValidPortNum(0) == ["must be between 1 and 65535, inclusive"])
        #expect(isValidPortNum(65536) == ["must be between 1 and 65535, inclusive"])
        #expect(isValidPortNum(443).isEmpty)
    }

    @Test func percentsAndPathSegments() {
        #expect(isValidPercent("25%").isEmpty)
        #expect(isValidPercent("25") == ["a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"])
        #expect(isValidPathSegmentName("..") == ["may not be '..'"])
        #expect(isValidPathSegmentName("a/b%c") == ["may not contain '/'", "may not contain '%'"])
        #expect(isValidPathSegmentName("Any Name").isEmpty)
    }

    @Test func relaxedEnvNames() {
        #expect(isRelaxedEnvVarName("MY-VAR.1 x").isEmpty)
        #expect(isRelaxedEnvVarName("A=B") == ["a valid environment variable name must consist only of printable ASCII characters other than '='"])
        #expect(isRelaxedEnvVarName("") == ["environment variable name must be non-empty"])
    }

    @Test func generateNamePrefixesAreMasked() {
        // upstream masks a trailing dash before checking a generateName
        #expect(maskTrailingDash("web-") == "wea")
        #expect(maskTrailingDash("a-") == "a")
        #expect(maskTrailingDash("-") == "-")
        #expect(maskTrailingDash("web") == "web")
    }

    @Test func nameValidatorPerKind() throws {
        let services = nameValidator(for: try resource("services"))
        #expect(!services("1abc").isEmpty)
        #expect(services("abc").isEmpty)
        let namespaces = nameValidator(for: try resource("namespaces"))
        #expect(namespaces("a.b") == ["must not contain dots"])
        let pods = nameValidator(for: try resource("pods"))
        #expect(pods("a.b").isEmpty)
        #expect(!pods("A").isEmpty)
        let nodes = nameValidator(for: try resource("nodes"))
        #expect(nodes("node-1.example.com").isEmpty)
        let deployments = nameValidator(for: try resource("deployments", group: "apps"))
        #expect(deployments("web.v2").isEmpty)
        let events = nameValidator(for: try resource("events"))
        #expect(events("nginx.17b2c3 Upper").isEmpty)
        #expect(events("a/b") == ["may not contain '/'"])
    }
}
