import APIMachinery
import Testing
@testable import Registry

/// The CEL subset of `x-kubernetes-validations`: parsing, compile errors, evaluation and transition rules.
@Suite struct CELTests {
    func eval(_ rule: String, _ value: JSON, old: JSON? = nil) throws -> Bool {
        try CELProgram(rule).evaluate(self: value, oldSelf: old)
    }

    let obj: JSON = ["replicas": 3, "max": 5, "name": "web-frontend", "tags": ["a", "b"], "ports": [["port": 80], ["port": 443]], "ratio": 0.5]

    @Test func comparisonsArithmeticAndLogic() throws {
        #expect(try eval("self.replicas <= self.max", obj))
        #expect(try eval("self.replicas * 2 - 1 == 5 && !(self.max < 0)", obj))
        #expect(try eval("self.replicas % 2 == 1 || false", obj))
        #expect(try eval("self.ratio < 1.0", obj))
        #expect(try !eval("self.replicas > self.max ? true : false", obj))
        #expect(try eval("(self.max - self.replicas) / 2 == 1", obj))
    }

    @Test func stringsListsAndMacros() throws {
        #expect(try eval("self.name.startsWith('web') && self.name.endsWith(\"end\") && self.name.contains('-')", obj))
        #expect(try eval("self.name.matches('^[a-z-]+$')", obj))
        #expect(try eval("size(self.tags) == 2 && self.tags.size() == 2 && size(self.name) == 12", obj))
        #expect(try eval("'a' in self.tags && !('z' in self.tags)", obj))
        #expect(try eval("self.ports.all(p, p.port > 0) && self.ports.exists(p, p.port == 443)", obj))
        #expect(try eval("self.ports.exists_one(p, p.port == 80)", obj))
        #expect(try eval("self.ports.map(p, p.port) == [80, 443]", obj))
        #expect(try eval("self.ports.filter(p, p.port > 100).size() == 1", obj))
        #expect(try eval("has(self.name) && !has(self.missing)", obj))
        #expect(try eval("self.tags[1] == 'b' && {'k': 1}['k'] == 1", obj))
    }

    @Test func transitionRulesSeeOldSelf() throws {
        let program = try CELProgram("self == oldSelf")
        #expect(program.isTransitionRule)
        #expect(try !program.evaluate(self: "b", oldSelf: "a"))
        #expect(try program.evaluate(self: "a", oldSelf: "a"))
        #expect(try !CELProgram("self.x > 0").isTransitionRule)
    }

    @Test func evaluationErrors() {
        #expect(throws: CELEvalError.self) { try eval("self.missing == 1", obj) }
        #expect(throws: CELEvalError.self) { try eval("self.replicas / 0 == 1", obj) }
        #expect(throws: CELEvalError.self) { try eval("self.name", obj) }
    }

    @Test func compileErrorsAreReported() {
        #expect(CELProgram.compileError("self.replicas <") == "ERROR: <input>:1:16: Syntax error: mismatched input '<EOF>' expecting " + CELParser.primaryExpected)
        #expect(CELProgram.compileError("foo.bar == 1") == "ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')")
        #expect(CELProgram.compileError("self.x.frobnicate()") == "ERROR: <input>:1:8: undeclared reference to 'frobnicate' (in container '')")
        #expect(CELProgram.compileError("self.items.all(i, i > 0)") == nil)
    }

    @Test func ruleValidatorReportsUpstreamShapes() {
        let schema: JSON = ["type": "object", "properties": ["spec": [
            "type": "object",
            "x-kubernetes-validations": [["rule": "self.min <= self.max", "message": "min must not exceed max"],
                                         ["rule": "self.min == oldSelf.min"]],
            "properties": ["min": ["type": "integer"], "max": ["type": "integer"]],
        ]]]
        let v = SchemaRuleValidator(schema: schema)
        let bad: JSON = ["spec": ["min": 5, "max": 1]]
        #expect(v.validate(bad, old: nil).map(\.message) == [#"spec: Invalid value: "object": min must not exceed max"#])
        let changed: JSON = ["spec": ["min": 0, "max": 1]]
        #expect(v.validate(changed, old: ["spec": ["min": 1, "max": 1]]).map(\.message) == [#"spec: Invalid value: "object": failed rule: self.min == oldSelf.min"#])
    }
}
