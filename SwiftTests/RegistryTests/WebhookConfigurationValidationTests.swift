import APIMachinery
import Testing

@testable import Registry

/// Webhook configurations against upstream's v1 defaults and `Validate*WebhookConfiguration` messages.
@Suite struct WebhookConfigurationValidationTests {
    func strategy(_ resource: String) throws -> WebhookConfigurationStrategy {
        WebhookConfigurationStrategy(info: try #require(Catalog.resources.first { $0.group == "admissionregistration.k8s.io" && $0.resource == resource }))
    }

    func configuration(_ hooks: JSON...) -> JSON {
        ["apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": ["name": "c"], "webhooks": .array(hooks)]
    }

    let good: JSON = [
        "name": "deny.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"],
        "clientConfig": ["service": ["namespace": "ns", "name": "svc", "path": "/validate"]],
        "rules": [["operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]]],
    ]

    @Test func defaultsAreUpstreams() throws {
        var obj = configuration(good)
        try strategy("mutatingwebhookconfigurations").applyDefaults(&obj)
        let hook = obj["webhooks"]?[0]
        #expect(hook?["failurePolicy"] == "Fail" && hook?["matchPolicy"] == "Equivalent" && hook?["timeoutSeconds"] == 10)
        #expect(hook?["namespaceSelector"] == [:] && hook?["objectSelector"] == [:] && hook?["reinvocationPolicy"] == "Never")
        #expect(hook?[path: ["rules"]]?[0]?["scope"] == "*" && hook?[path: ["clientConfig", "service", "port"]] == 443)
        #expect(try strategy("validatingwebhookconfigurations").validate(obj).isEmpty)
    }

    @Test func aWebhookTheServerCannotCallIsRefusedWithUpstreamsMessages() throws {
        var bad = good
        bad["name"] = "deny"
        bad["sideEffects"] = nil
        bad["admissionReviewVersions"] = ["v2"]
        bad["timeoutSeconds"] = 31
        bad["clientConfig"] = ["url": "http://user@hook.example.com/x?a=b"]
        bad["rules"] = [["operations": ["*", "CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["*/*", "pods"]]]
        let messages = try strategy("validatingwebhookconfigurations").validate(configuration(bad, good, good)).map(\.message)
        #expect(messages == [
            #"webhooks[0].name: Invalid value: "deny": should be a domain with at least three segments separated by dots"#,
            #"webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"*", "CREATE"}: if '*' is present, must not specify other operations"#,
            #"webhooks[0].rules[0].resources: Invalid value: []string{"*/*", "pods"}: if '*/*' is present, must not specify other resources"#,
            "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
            "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
            #"webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]"#,
            #"webhooks[0].clientConfig.url: Invalid value: "user": user information is not permitted in the URL"#,
            #"webhooks[0].clientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL"#,
            #"webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1"#,
            #"webhooks[2].name: Duplicate value: "deny.example.com""#,
        ])
    }

    @Test func aClientConfigNamesExactlyOneEndpointAndAServicePathIsSegments() throws {
        var neither = good
        neither["clientConfig"] = [:]
        var badPath = good
        badPath["clientConfig"] = ["service": ["namespace": "ns", "name": "svc", "path": "/a//B_x", "port": 70000]]
        let s = try strategy("validatingwebhookconfigurations")
        #expect(s.validate(configuration(neither)).map(\.message) == ["webhooks[0].clientConfig: Required value: exactly one of url or service is required"])
        let messages = s.validate(configuration(badPath)).map(\.message)
        #expect(messages.first == "webhooks[0].clientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive")
        #expect(messages.contains(#"webhooks[0].clientConfig.service.path: Invalid value: "/a//B_x": segment[1] may not be empty"#))
        #expect(messages.contains { $0.hasPrefix(#"webhooks[0].clientConfig.service.path: Invalid value: "/a//B_x": segment[2]: a lowercase RFC 1123 subdomain"#) })
    }

    @Test func matchConditionsMustCompileAndHaveUniqueNames() throws {
        var hook = good
        hook["matchConditions"] = [
            ["name": "ok", "expression": "request.namespace != 'kube-system'"],
            ["name": "ok", "expression": "authorizer.group('').resource('pods').check('get').allowed()"],
            ["name": "", "expression": ""],
        ]
        let messages = try strategy("validatingwebhookconfigurations").validate(configuration(hook)).map(\.message)
        #expect(messages == [
            #"webhooks[0].matchConditions[1].name: Duplicate value: "ok""#,
            #"webhooks[0].matchConditions[1].expression: Invalid value: "authorizer.group('').resource('pods').check('get').allowed()": compilation failed: ERROR: <input>:1:1: undeclared reference to 'authorizer' (in container '')"#,
            "webhooks[0].matchConditions[2].name: Required value",
            "webhooks[0].matchConditions[2].expression: Required value",
        ])
    }

    @Test func theGenerationCountsChangesOfTheWebhooks() throws {
        let s = try strategy("validatingwebhookconfigurations")
        var created = configuration(good)
        s.prepareForCreate(&created)
        var same = created
        same[path: ["metadata", "labels"]] = ["a": "b"]
        s.prepareForUpdate(&same, old: created)
        #expect(same[path: ["metadata", "generation"]] == 1)
        var changed = created
        changed[path: ["webhooks"]] = .array([good, ["name": "other.example.com"]])
        s.prepareForUpdate(&changed, old: created)
        #expect(changed[path: ["metadata", "generation"]] == 2)
    }
}
