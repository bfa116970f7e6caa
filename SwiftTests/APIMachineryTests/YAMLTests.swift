import Testing
@testable import APIMachinery

private func yamlError(_ text: String) -> YAMLDecodingError? {
    do {
        _ = try YAMLDecoding.decode(text)
        return nil
    } catch {
        return error
    }
}

@Suite struct YAMLScalarTests {
    @Test func yaml11Booleans() throws {
        let doc = try YAMLDecoding.decode("""
            a: yes
            b: No
            c: on
            d: OFF
            e: y
            f: N
            g: true
            h: False
            i: 'yes'
            j: "no"
            k: yES
            """)
        #expect(doc == ["a": true, "b": false, "c": true, "d": false, "e": true, "f": false, "g": true, "h": false,
                        "i": "yes", "j": "no", "k": "yES"])
    }

    @Test func integersFollowGoParseIntWithBasePrefixes() throws {
        let doc = try YAMLDecoding.decode("""
            octal: 0755
            octal12: 0o17
            hex: 0x1F
            binary: 0b101
            negbinary: -0b11
            underscores: 1_000
            negative: -12
            plus: +5
            zero: 0
            max: 9223372036854775807
            min: -9223372036854775808
            notOctal: 09
            quoted: '0755'
            """)
        #expect(doc == ["octal": 493, "octal12": 15, "hex": 31, "binary": 5, "negbinary": -3, "underscores": 1000,
                        "negative": -12, "plus": 5, "zero": 0, "max": .int(.max), "min": .int(.min),
                        "notOctal": 9, "quoted": "0755"])
    }

    @Test func floats() throws {
        let doc = try YAMLDecoding.decode("""
            a: 1.5
            b: 1e3
            c: 3.0
            d: .5
            e: -2.5e-3
            f: 1e400
            g: 18446744073709551615
            h: 1.
            """)
        #expect(doc["a"] == .double(1.5))
        #expect(doc["b"] == .int(1000), "integral floats become JSON integers after upstream's JSON round trip")
        #expect(doc["c"] == .int(3))
        #expect(doc["d"] == .double(0.5))
        #expect(doc["e"] == .double(-0.0025))
        #expect(doc["f"] == "1e400", "out of range floats stay strings, as Go's ParseFloat rejects them")
        #expect(doc["g"] == .double(18446744073709551615.0))
        #expect(doc["h"] == .int(1))
    }

    @Test func stringsThatLookLikeOtherThings() throws {
        let doc = try YAMLDecoding.decode("""
            a: no-thanks
            b: 2024-01-01
            c: 2001-12-14t21:59:43.10-05:00
            d: 12:30
            e: v1.2
            f: 1.2.3
            g: 0x
            h: +
            i: Yes please
            j: "123"
            k: |
              yes
              0755
            l: >-
              on
            m: "true"
            """)
        #expect(doc == ["a": "no-thanks", "b": "2024-01-01", "c": "2001-12-14t21:59:43.10-05:00", "d": "12:30",
                        "e": "v1.2", "f": "1.2.3", "g": "0x", "h": "+", "i": "Yes please", "j": "123",
                        "k": "yes\n0755\n", "l": "on", "m": "true"])
    }

    @Test func nulls() throws {
        let doc = try YAMLDecoding.decode("""
            a:
            b: ~
            c: null
            d: Null
            e: NULL
            f: ''
            g: "null"
            h: nULL
            """)
        #expect(doc == ["a": nil, "b": nil, "c": nil, "d": nil, "e": nil, "f": "", "g": "null", "h": "nULL"])
    }

    @Test func explicitTags() throws {
        let doc = try YAMLDecoding.decode("""
            a: !!str 123
            b: !!int "42"
            c: !!float 2
            d: !!binary aGVsbG8=
            e: !!bool "on"
            f: !custom 7
            g: !!str yes
            """)
        #expect(doc == ["a": "123", "b": 42, "c": 2, "d": "hello", "e": true, "f": "7", "g": "yes"])
    }

    @Test func mismatchedTagIsAnError() {
        #expect(yamlError("a: !!int abc")?.message == "yaml: cannot decode !!str `abc` as a !!int")
        #expect(yamlError("a: !!binary '%%%'")?.message == "yaml: !!binary value contains invalid base64 data")
    }

    @Test func specialFloatsCannotBecomeJSON() {
        #expect(yamlError("a: .nan")?.message == "json: unsupported value: NaN")
        #expect(yamlError("a: -.inf")?.message == "json: unsupported value: -Inf")
    }
}

@Suite struct YAMLStructureTests {
    @Test func keysBecomeStrings() throws {
        let doc = try YAMLDecoding.decode("""
            1: a
            yes: b
            1.5: c
            '2': d
            0x10: e
            1e6: f
            off: g
            """)
        #expect(doc == ["1": "a", "true": "b", "1.5": "c", "2": "d", "16": "e", "1e+06": "f", "false": "g"])
    }

    @Test func goFloat32KeyFormatting() {
        #expect(YAMLConverter.goFloat32G(0.1) == "0.1")
        #expect(YAMLConverter.goFloat32G(100000) == "100000")
        #expect(YAMLConverter.goFloat32G(1234567) == "1.234567e+06")
        #expect(YAMLConverter.goFloat32G(0.0001) == "0.0001")
        #expect(YAMLConverter.goFloat32G(0.00001) == "1e-05")
        #expect(YAMLConverter.goFloat32G(-2.5) == "-2.5")
        #expect(YAMLConverter.goFloat32G(.infinity) == ".inf")
    }

    @Test func realManifest() throws {
        let doc = try YAMLDecoding.decode("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web, enabled: "yes"}
            spec:
              replicas: 3
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.27
                    ports:
                    - containerPort: 80
                    env:
                    - name: MODE
                      value: "0755"
                    command: ["sh", "-c", "echo hi # not a comment"]  # a comment
            """)
        #expect(doc["kind"] == "Deployment")
        #expect(doc[path: ["metadata", "labels"]] == ["app": "web", "enabled": "yes"])
        #expect(doc[path: ["spec", "replicas"]] == 3)
        let container = doc[path: ["spec", "template", "spec", "containers"]]?[0]
        #expect(container?["ports"]?[0]?["containerPort"] == 80)
        #expect(container?["env"]?[0]?["value"] == "0755")
        #expect(container?["command"] == ["sh", "-c", "echo hi # not a comment"])
    }

    @Test func anchorsAndMerge() throws {
        let doc = try YAMLDecoding.decode("""
            base: &base {x: 1, z: 2}
            list: &l [a, b]
            copy: *l
            derived:
              <<: *base
              z: 3
            multi:
              <<: [{k: first}, {k: second, w: 1}]
            override:
              z: 3
              <<: *base
            """)
        #expect(doc["copy"] == ["a", "b"])
        #expect(doc["derived"] == ["x": 1, "z": 3])
        #expect(doc["multi"] == ["k": "first", "w": 1], "earlier maps in a merge list win")
        #expect(doc["override"] == ["x": 1, "z": 2], "goyaml v2 applies a merge in document order")
    }

    @Test func singleLetterKeysAreBooleans() throws {
        // goyaml v2 resolves y/n (and yes/no/on/off) as booleans, keys included.
        #expect(try YAMLDecoding.decode("y: 1\nn: 2\nx: 3") == ["true": 1, "false": 2, "x": 3])
    }

    @Test func mergeNeedsMaps() {
        #expect(yamlError("a:\n  <<: 1\n")?.message == "yaml: map merge requires map or sequence of maps as the value")
        #expect(yamlError("a:\n  <<: [1]\n")?.message == "yaml: map merge requires map or sequence of maps as the value")
    }

    @Test func topLevelScalarsAndLists() throws {
        #expect(try YAMLDecoding.decode("hello") == "hello")
        #expect(try YAMLDecoding.decode("- 1\n- two\n- [3]") == [1, "two", [3]])
        #expect(try YAMLDecoding.decode("") == nil)
        #expect(try YAMLDecoding.decode("# only a comment\n") == nil)
    }

    @Test func jsonIsYAML() throws {
        let doc = try YAMLDecoding.decode(#"{"kind": "Pod", "spec": {"containers": [{"name": "a", "ready": true, "n": 1.25}]}}"#)
        #expect(doc == ["kind": "Pod", "spec": ["containers": [["name": "a", "ready": true, "n": 1.25]]]])
    }
}

@Suite struct YAMLDocumentTests {
    @Test func multipleDocuments() throws {
        let text = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: a}
            ---
            # empty
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: b}
            ...
            ---
            null
            """
        let docs = try YAMLDecoding.decodeAll(text)
        #expect(docs.map { $0["kind"] } == ["Namespace", "ConfigMap"])
        #expect(try YAMLDecoding.decode(text)["kind"] == "Namespace", "decode reads the first document, as upstream")
        #expect(try YAMLDecoding.decodeAll("") == [])
    }

    @Test func errorInALaterDocument() {
        #expect(throws: YAMLDecodingError.self) { try YAMLDecoding.decodeAll("a: 1\n---\nb: [1\n") }
    }
}

@Suite struct YAMLErrorTests {
    @Test func mappingValuesNotAllowed() {
        let error = yamlError("x: 1\ny: 2\na: b: c\n")
        #expect(error?.message == "yaml: line 3: mapping values are not allowed in this context")
        #expect(error?.line == 3)
        // goyaml omits "line 0" for a problem on the first line.
        let first = yamlError("a: b: c")
        #expect(first?.message == "yaml: mapping values are not allowed in this context")
        #expect(first?.line == 1)
    }

    @Test func tabsCannotIndent() {
        let error = yamlError("a:\n\tb: 1\n")
        #expect(error?.message == "yaml: line 2: found character that cannot start any token")
        #expect(error?.line == 2)
    }

    @Test func unclosedFlowSequence() {
        // Checked against kubectl 1.32's YAML conversion (the same goyaml v2 code the API server runs).
        let error = yamlError("a: 1\nb: [1, 2\nc: 3\n")
        #expect(error?.message == "yaml: line 2: did not find expected ',' or ']'")
        #expect(error?.line == 3)
    }

    @Test func badIndentation() {
        let error = yamlError("apiVersion: v1\nmetadata:\n  name: t\n bad: 2\n")
        // goyaml prints the 0-based line of parser errors; `line` is the real one.
        #expect(error?.message == "yaml: line 3: did not find expected key")
        #expect(error?.line == 4)
    }

    @Test func unknownAnchor() {
        #expect(yamlError("a: *nope\n")?.message == "yaml: unknown anchor 'nope' referenced")
        #expect(yamlError("a: &b\n  c: *b\n")?.message == "yaml: anchor 'b' value contains itself")
    }

    /// goyaml ends input with a line break when it lacks one; libyaml alone would not.
    @Test func missingFinalNewline() throws {
        #expect(try YAMLDecoding.decode("a: |\n  x") == ["a": "x\n"])
        #expect(try YAMLDecoding.decode("a: >\n  x\n  y") == ["a": "x y\n"])
        #expect(try YAMLDecoding.decode("a: |-\n  x") == ["a": "x"])
        #expect(yamlError("a: 'x")?.message == "yaml: line 2: found unexpected end of stream")
        #expect(yamlError("a: [1, 2")?.message == "yaml: line 1: did not find expected ',' or ']'")
    }

    @Test func otherScannerAndParserErrors() {
        #expect(yamlError("a: \"\\q\"\n")?.message == "yaml: found unknown escape character")
        #expect(yamlError("a: @x\n")?.message == "yaml: found character that cannot start any token")
        #expect(yamlError("key: value\n- item\n")?.message == "yaml: line 1: did not find expected key")
        #expect(yamlError("a:\n  - 1\n - 2\n")?.message == "yaml: line 2: did not find expected key")
        #expect(yamlError("a: |\n b\nc")?.message == "yaml: line 4: could not find expected ':'")
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try YAMLDecoding.decode("a: 1\nb: 2\na: 3\n") == ["a": 3, "b": 2])
        #expect(try YAMLDecoding.decode("a: 1\na: 2\na: 3\nb: {x: 1, x: 2}\n") == ["a": 3, "b": ["x": 2]])
        #expect(try YAMLDecoding.decode(#""a": 1"# + "\n'a': 2\nc: [{'k''': 1, 'k''': 2}]\n") == ["a": 2, "c": [["k'": 2]]])
        #expect(try YAMLDecoding.decode("a: &x {v: 1}\na: *x\n") == ["a": ["v": 1]], "anchors under an overwritten key stay usable")
        #expect(try YAMLDecoding.decode("yes: 1\ny: 2\n") == ["true": 2], "different spellings of one key: last wins")
        #expect(try YAMLDecoding.decodeAll("a: 1\na: 2\n---\nb: 1\nb: 2\n") == [["a": 2], ["b": 2]])
    }

    /// Each repeated key costs a reparse of the whole text, so their number is bounded (a fuzzer's 51 kB
    /// manifest repeating four keys a thousand times took 225 s): 64 repeats are read, more are refused.
    @Test func repeatedKeysAreBoundedSoAManifestCannotStallTheReader() throws {
        let within = (0..<YAMLDecoding.maxDuplicateRestarts).map { "k: \($0)\n" }.joined()
        #expect(try YAMLDecoding.decode(within) == ["k": .int(Int64(YAMLDecoding.maxDuplicateRestarts - 1))])
        let beyond = (0..<1000).map { "f: ~\ng: \($0)\n" }.joined()
        do {
            _ = try YAMLDecoding.decode(beyond)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("yaml: too many repeated mapping keys (64 renamed before the limit)"))
        }
        // The byte budget bounds big texts sooner: 2 MB repeating one key twice more than the budget allows.
        let big = "pad: \"" + String(repeating: "x", count: 2 << 20) + "\"\n" + (0..<8).map { "k: \($0)\n" }.joined()
        #expect(throws: YAMLDecodingError.self) { try YAMLDecoding.decode(big) }
    }

    @Test func strictRejectsDuplicateKeys() {
        do {
            _ = try YAMLDecoding.decode("a: 1\nb: 2\na: 3\n", strict: true)
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "yaml: unmarshal errors:\n  line 1: key \"a\" already set in map")
            #expect(error.line == 1)
        }
    }

    @Test func nullKeys() {
        #expect(yamlError("a:\n  ~: 3\n")?.message == "unsupported map key of type: %!s(<nil>), key: <nil>, value: 3")
    }

    @Test func aliasBombIsRefused() {
        var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"]
        var previous = "a"
        for name in names {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
            previous = name
        }
        #expect(yamlError(text)?.message == "yaml: document contains excessive aliasing")
    }
}
