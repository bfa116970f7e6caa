import Testing
@testable import APIMachinery

/// The error upstream prints for a key that is not a qualified name (note its doubled spaces).
private let nameFormatDetail =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

private func parseError(_ selector: String) -> String? {
    do {
        _ = try LabelSelector(parsing: selector)
        return nil
    } catch {
        return error.message
    }
}

private func fieldError(_ selector: String) -> String? {
    do {
        _ = try FieldSelector(parsing: selector)
        return nil
    } catch {
        return error.message
    }
}

@Suite struct LabelSelectorParsingTests {
    @Test func equalityForms() throws {
        for text in ["app=web", "app==web", " app = web "] {
            let s = try LabelSelector(parsing: text)
            #expect(s.matches(["app": "web", "tier": "fe"]), "\(text)")
            #expect(!s.matches(["app": "db"]), "\(text)")
            #expect(!s.matches([:]), "\(text)")
        }
        let ne = try LabelSelector(parsing: "app!=web")
        #expect(ne.matches([:]))
        #expect(ne.matches(["app": "db"]))
        #expect(!ne.matches(["app": "web"]))
    }

    @Test func setBasedForms() throws {
        let s = try LabelSelector(parsing: "env in (prod, staging),tier notin (cache)")
        #expect(s.matches(["env": "prod", "tier": "fe"]))
        #expect(s.matches(["env": "staging"]))
        #expect(!s.matches(["env": "dev"]))
        #expect(!s.matches(["env": "prod", "tier": "cache"]))
        #expect(!s.matches(["tier": "fe"]), "in requires the key")
        #expect(s.requirements.map(\.values) == [["prod", "staging"], ["cache"]])
    }

    @Test func existenceForms() throws {
        let s = try LabelSelector(parsing: "app,!legacy")
        #expect(s.matches(["app": ""]))
        #expect(!s.matches(["app": "x", "legacy": "true"]))
        #expect(!s.matches([:]))
        #expect(s.requirements.map(\.operator) == [.exists, .doesNotExist])
    }

    @Test func inAndNotinAreValuesInsideParentheses() throws {
        let s = try LabelSelector(parsing: "x in (in,notin)")
        #expect(s.matches(["x": "notin"]))
        #expect(!s.matches(["x": "other"]))
    }

    @Test func upstreamExampleWithEmptyValues() throws {
        let s = try LabelSelector(parsing: "x in (foo,,baz),y,z notin ()")
        #expect(s.description == "x in (,baz,foo),y,z notin ()")
        #expect(s.matches(["x": "", "y": "1"]))
        #expect(!s.matches(["x": "foo", "y": "1", "z": ""]))
    }

    @Test func greaterAndLessThan() throws {
        let s = try LabelSelector(parsing: "replicas>2,replicas<10")
        #expect(s.matches(["replicas": "5"]))
        #expect(!s.matches(["replicas": "2"]))
        #expect(!s.matches(["replicas": "10"]))
        #expect(!s.matches(["replicas": "five"]))
        #expect(!s.matches([:]))
    }

    @Test func emptySelectsEverything() throws {
        let s = try LabelSelector(parsing: "")
        #expect(s.isEverything)
        #expect(s.matches([:]))
        #expect(try LabelSelector(parsing: "   ").isEverything)
        #expect(!(try LabelSelector(parsing: "a")).isEverything)
    }

    @Test func stringFormIsSortedByKey() throws {
        let s = try LabelSelector(parsing: "tier in (fe,be),app=web,!old,b==c")
        // Sorted by key, not by text: "!old" has the key "old".
        #expect(s.description == "app=web,b==c,!old,tier in (be,fe)")
    }

    @Test func exactMatch() throws {
        let s = try LabelSelector(parsing: "a=1,b in (2),c in (3,4),d!=5")
        #expect(s.requiresExactMatch("a") == "1")
        #expect(s.requiresExactMatch("b") == "2")
        #expect(s.requiresExactMatch("c") == nil)
        #expect(s.requiresExactMatch("d") == nil)
        #expect(s.requiresExactMatch("zz") == nil)
    }

    @Test func prefixedKeys() throws {
        let s = try LabelSelector(parsing: "app.kubernetes.io/name=web")
        #expect(s.matches(["app.kubernetes.io/name": "web"]))
    }
}

@Suite struct LabelSelectorErrorTests {
    @Test func invalidKeyIsReportedWithUpstreamsNilPath() {
        #expect(parseError("app:monolith") == "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": " + nameFormatDetail)
    }

    @Test func invalidPrefix() {
        #expect(parseError("app.kubernetes_io/name=x") ==
            "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
    }

    @Test func tooManySlashes() {
        #expect(parseError("a/b/c") ==
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
    }

    @Test func keyTooLong() {
        let key = String(repeating: "k", count: 64)
        #expect(parseError(key) == "unable to parse requirement: <nil>: Invalid value: \"\(key)\": name part must be no more than 63 characters")
        #expect(parseError(String(repeating: "k", count: 63)) == nil)
    }

    @Test func invalidValue() {
        #expect(parseError("a=x*y") ==
            "unable to parse requirement: values[0][a]: Invalid value: \"x*y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        let long = String(repeating: "v", count: 64)
        #expect(parseError("a=\(long)") == "unable to parse requirement: values[0][a]: Invalid value: \"\(long)\": must be no more than 63 characters")
    }

    @Test func twoInvalidValuesAreAggregated() {
        let message = parseError("a in (x*,y*)") ?? ""
        #expect(message.hasPrefix("unable to parse requirement: [values[0][a]: Invalid value: \"x*\": "))
        #expect(message.contains(", values[1][a]: Invalid value: \"y*\": "))
        #expect(message.hasSuffix("]"))
    }

    @Test func nonIntegerComparison() {
        #expect(parseError("a>x") == "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer")
    }

    @Test func syntaxErrors() {
        #expect(parseError("a=b=c") == "found '=', expected: ',' or 'end of string'")
        #expect(parseError("a=b c") == "found 'c', expected: ',' or 'end of string'")
        #expect(parseError(",a") == "found ',', expected: !, identifier, or 'end of string'")
        #expect(parseError("a,") == "found '', expected: identifier after ','")
        #expect(parseError("a in") == "unable to parse requirement: found '' expected: '('")
        #expect(parseError("a in x") == "unable to parse requirement: found 'x' expected: '('")
        #expect(parseError("a in (x") == "unable to parse requirement: found '', expected: ',' or ')'")
        #expect(parseError("a in (") == "unable to parse requirement: found '', expected: ',', ')' or identifier")
        #expect(parseError("a in (x,") == "unable to parse requirement: found '', expected: ',', or identifier")
        #expect(parseError("a!b") == "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt")
        #expect(parseError("!") == "unable to parse requirement: found '', expected: identifier")
        #expect(parseError("!a=b") == "found '=', expected: ',' or 'end of string'")
    }

    @Test func errorsBecomeBadRequest() throws {
        do {
            _ = try LabelSelector(parsing: "a=b=c")
            Issue.record("expected an error")
        } catch {
            #expect(error.apiError.code == 400)
            #expect(error.apiError.reason == "BadRequest")
            #expect(error.apiError.message == "found '=', expected: ',' or 'end of string'")
        }
    }
}

@Suite struct LabelSelectorObjectTests {
    @Test func nilSelectsNothingEmptySelectsEverything() throws {
        let nothing = try LabelSelector(labelSelector: nil)
        #expect(!nothing.matches([:]))
        #expect(!nothing.isEverything)
        #expect(nothing.description == "")
        #expect(!(try LabelSelector(labelSelector: .null)).matches(["a": "b"]))
        let everything = try LabelSelector(labelSelector: [:])
        #expect(everything.isEverything)
        #expect(everything.matches(["a": "b"]))
    }

    @Test func matchLabelsAndExpressions() throws {
        let json: JSON = [
            "matchLabels": ["app": "web"],
            "matchExpressions": [
                ["key": "tier", "operator": "In", "values": ["fe", "be"]],
                ["key": "env", "operator": "DoesNotExist"],
                ["key": "track", "operator": "NotIn", "values": ["canary"]],
                ["key": "team", "operator": "Exists"],
            ],
        ]
        let s = try LabelSelector(labelSelector: json)
        #expect(s.description == "app=web,!env,team,tier in (be,fe),track notin (canary)")
        #expect(s.matches(["app": "web", "tier": "fe", "team": "x"]))
        #expect(!s.matches(["app": "web", "tier": "fe", "team": "x", "env": "prod"]))
        #expect(!s.matches(["app": "web", "tier": "fe", "team": "x", "track": "canary"]))
        #expect(!s.matches(["app": "web", "tier": "fe"]))
    }

    @Test func invalidOperator() {
        #expect(throws: SelectorParseError("\"Equals\" is not a valid label selector operator")) {
            try LabelSelector(labelSelector: ["matchExpressions": [["key": "a", "operator": "Equals", "values": ["b"]]]])
        }
    }

    @Test func valueCountRules() {
        #expect(throws: SelectorParseError("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty")) {
            try LabelSelector(labelSelector: ["matchExpressions": [["key": "a", "operator": "In"]]])
        }
        #expect(throws: SelectorParseError("values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist")) {
            try LabelSelector(labelSelector: ["matchExpressions": [["key": "a", "operator": "Exists", "values": ["x"]]]])
        }
    }

    @Test func invalidMatchLabelKey() {
        #expect(throws: SelectorParseError("key: Invalid value: \"-bad\": " + nameFormatDetail)) {
            try LabelSelector(labelSelector: ["matchLabels": ["-bad": "x"]])
        }
    }

    @Test func fromSet() {
        let s = LabelSelector(matchLabels: ["b": "2", "a": "1"])
        #expect(s.description == "a=1,b=2")
        #expect(s.matches(["a": "1", "b": "2", "c": "3"]))
        #expect(!s.matches(["a": "1"]))
        #expect(LabelSelector(matchLabels: [:]).isEverything)
    }
}

@Suite struct FieldSelectorTests {
    @Test func equalityAndInequality() throws {
        let s = try FieldSelector(parsing: "metadata.name=web,status.phase!=Running")
        #expect(s.matches(["metadata.name": "web", "status.phase": "Pending"]))
        #expect(!s.matches(["metadata.name": "web", "status.phase": "Running"]))
        #expect(!s.matches(["metadata.name": "db"]))
        #expect(s.exactName == "web")
        #expect(try FieldSelector(parsing: "metadata.name==web").exactName == "web")
        #expect(try FieldSelector(parsing: "metadata.name!=web").exactName == nil)
        #expect(try FieldSelector(parsing: "metadata.namespace=web").exactName == nil)
    }

    @Test func emptyValuesMatchMissingFields() throws {
        let s = try FieldSelector(parsing: "spec.nodeName=")
        #expect(s.matches([:]))
        #expect(s.matches(["spec.nodeName": ""]))
        #expect(!s.matches(["spec.nodeName": "node-1"]))
        let scheduled = try FieldSelector(parsing: "spec.nodeName!=")
        #expect(scheduled.matches(["spec.nodeName": "node-1"]))
        #expect(!scheduled.matches([:]))
    }

    @Test func requirementsAreSortedForTheServerToCheck() throws {
        let s = try FieldSelector(parsing: "status.phase=Running,metadata.name=a")
        #expect(s.requirements == [
            .init(field: "metadata.name", operator: .equals, value: "a"),
            .init(field: "status.phase", operator: .equals, value: "Running"),
        ])
        #expect(s.description == "metadata.name=a,status.phase=Running")
    }

    @Test func everything() throws {
        #expect(try FieldSelector(parsing: "").isEverything)
        #expect(try FieldSelector(parsing: ",,").isEverything)
        #expect(try FieldSelector(parsing: "=").isEverything)
        #expect(try FieldSelector(parsing: "").matches(["a": "b"]))
    }

    @Test func escapes() throws {
        let s = try FieldSelector(parsing: #"a=x\,y\=z\\w,b=c"#)
        #expect(s.requirements.first?.value == #"x,y=z\w"#)
        #expect(s.matches(["a": #"x,y=z\w"#, "b": "c"]))
        #expect(s.description == #"a=x\,y\=z\\w,b=c"#)
        #expect(try FieldSelector(parsing: s.description) == s)
    }

    @Test func whitespaceIsNotTrimmed() throws {
        let s = try FieldSelector(parsing: "a = b")
        #expect(s.requirements == [.init(field: "a ", operator: .equals, value: " b")])
    }

    @Test func errors() {
        #expect(fieldError("foo") == "invalid selector: 'foo'; can't understand 'foo'")
        #expect(fieldError("a=b,foo") == "invalid selector: 'a=b,foo'; can't understand 'foo'")
        #expect(fieldError("a=b=c") == "invalid field selector: unescaped character in value: 61")
        #expect(fieldError("a===b") == "invalid field selector: unescaped character in value: 61")
        #expect(fieldError(#"a=b\x"#) == #"invalid field selector: invalid escape sequence: \x"#)
        #expect(fieldError(#"a=b\"#) == #"invalid field selector: invalid escape sequence: \"#)
    }

    @Test func transformRejectsUnsupportedFields() throws {
        let s = try FieldSelector(parsing: "metadata.name=a,spec.foo=b")
        struct Unsupported: Error, Equatable { let label: String }
        #expect(throws: Unsupported(label: "spec.foo")) {
            try s.transformed { (field, value) throws(Unsupported) in
                guard field.hasPrefix("metadata.") else { throw Unsupported(label: field) }
                return (field, value)
            }
        }
        let renamed = s.transformed { field, value in (field == "spec.foo" ? "" : field, field == "spec.foo" ? "" : value) }
        #expect(renamed.requirements.map(\.field) == ["metadata.name"])
    }
}

@Suite struct NameValidationTests {
    @Test func qualifiedNames() {
        #expect(NameValidation.qualifiedNameErrors("app").isEmpty)
        #expect(NameValidation.qualifiedNameErrors("example.com/My_Name-1").isEmpty)
        #expect(NameValidation.qualifiedNameErrors("/name") == ["prefix part must be non-empty"])
        #expect(NameValidation.qualifiedNameErrors("example.com/").count == 2)
        #expect(NameValidation.qualifiedNameErrors("Example.com/x").first?.hasPrefix("prefix part a lowercase RFC 1123") == true)
    }

    @Test func labelValues() {
        #expect(NameValidation.labelValueErrors("").isEmpty)
        #expect(NameValidation.labelValueErrors("v1.2_3-x").isEmpty)
        #expect(NameValidation.labelValueErrors("-x").count == 1)
        #expect(NameValidation.labelValueErrors(String(repeating: "a", count: 64)) == ["must be no more than 63 characters"])
        #expect(NameValidation.labelValueErrors("é").count == 1)
    }

    @Test func subdomains() {
        #expect(NameValidation.dns1123SubdomainErrors("kube-system.svc").isEmpty)
        #expect(!NameValidation.dns1123SubdomainErrors("a..b").isEmpty)
        #expect(!NameValidation.dns1123SubdomainErrors("a_b").isEmpty)
        #expect(NameValidation.dns1123SubdomainErrors(String(repeating: "a", count: 254)).first == "must be no more than 253 characters")
    }
}
