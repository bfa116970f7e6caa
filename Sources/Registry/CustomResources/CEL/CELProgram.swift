import APIMachinery
import Foundation

/// A compiled `x-kubernetes-validations` rule: parsed once, checked for names the environment does not
/// declare (only `self`, `oldSelf` and macro variables; the functions of `CELParser.functions`), then
/// evaluated against values.
public struct CELProgram: Sendable {
    let expr: CELExpr
    /// Whether the rule reads `oldSelf` (a transition rule: evaluated on updates only).
    public let isTransitionRule: Bool

    public init(_ source: String) throws(CELCompileError) {
        try self.init(source, variables: ["self", "oldSelf"])
    }

    /// A program over other variables: an admission webhook's `matchConditions` see `object`, `oldObject`
    /// and `request`.
    public init(_ source: String, variables: Set<String>) throws(CELCompileError) {
        do {
            expr = try CELParser.parse(source)
        } catch {
            throw CELCompileError(message: error.text)
        }
        var usesOld = false
        if let problem = Self.check(expr, scope: variables, usesOld: &usesOld) { throw CELCompileError(message: problem) }
        isTransitionRule = usesOld
    }

    /// Upstream's compile error text for a rule that does not compile, or nil when it does.
    public static func compileError(_ source: String, variables: Set<String> = ["self", "oldSelf"]) -> String? {
        do {
            _ = try CELProgram(source, variables: variables)
            return nil
        } catch {
            return error.message
        }
    }

    private static func check(_ e: CELExpr, scope: Set<String>, usesOld: inout Bool) -> String? {
        switch e {
        case .literal: return nil
        case .ident(let name, let col):
            if name == "oldSelf" { usesOld = true }
            return scope.contains(name) ? nil : "ERROR: <input>:1:\(col): undeclared reference to '\(name)' (in container '')"
        case .select(let t, _), .has(let t, _), .unary(_, let t):
            return check(t, scope: scope, usesOld: &usesOld)
        case .index(let a, let b), .binary(_, let a, let b):
            return check(a, scope: scope, usesOld: &usesOld) ?? check(b, scope: scope, usesOld: &usesOld)
        case .call(let name, let target, let args, let col):
            // Left to right, as cel-go reports: the receiver's problems before the function's.
            if let target, let p = check(target, scope: scope, usesOld: &usesOld) { return p }
            guard CELParser.functions.contains(name) else {
                return "ERROR: <input>:1:\(col): undeclared reference to '\(name)' (in container '')"
            }
            for a in args { if let p = check(a, scope: scope, usesOld: &usesOld) { return p } }
            return nil
        case .comprehension(_, let range, let v, let body):
            return check(range, scope: scope, usesOld: &usesOld) ?? check(body, scope: scope.union([v]), usesOld: &usesOld)
        case .conditional(let a, let b, let c):
            return check(a, scope: scope, usesOld: &usesOld) ?? check(b, scope: scope, usesOld: &usesOld) ?? check(c, scope: scope, usesOld: &usesOld)
        case .list(let items):
            for i in items { if let p = check(i, scope: scope, usesOld: &usesOld) { return p } }
            return nil
        case .map(let entries):
            for (k, v) in entries {
                if let p = check(k, scope: scope, usesOld: &usesOld) ?? check(v, scope: scope, usesOld: &usesOld) { return p }
            }
            return nil
        }
    }

    /// Evaluates the rule; true when it holds. Throws `CELEvalError` (upstream reports those as the
    /// rule failing with the error's text).
    public func evaluate(self value: JSON, oldSelf: JSON?) throws(CELEvalError) -> Bool {
        var env: [String: JSON] = ["self": value]
        if let oldSelf { env["oldSelf"] = oldSelf }
        return try evaluate(env)
    }

    /// Evaluates the program with its variables bound; true when it holds.
    public func evaluate(_ bindings: [String: JSON]) throws(CELEvalError) -> Bool {
        let result = try CELEvaluator.eval(expr, bindings)
        guard case .bool(let b) = result else { throw CELEvalError(message: "no such overload") }
        return b
    }
}

public struct CELCompileError: Error, Sendable { public var message: String }
public struct CELEvalError: Error, Sendable { public var message: String }

/// The tree-walking evaluator. Errors propagate except where CEL's commutative `&&`/`||` absorb them.
enum CELEvaluator {
    static func eval(_ e: CELExpr, _ env: [String: JSON]) throws(CELEvalError) -> JSON {
        switch e {
        case .literal(let v): return v
        case .ident(let name, _):
            guard let v = env[name] else { throw CELEvalError(message: "no such attribute: \(name)") }
            return v
        case .select(let t, let field):
            let base = try eval(t, env)
            guard case .object(let o) = base else { throw CELEvalError(message: "no such overload") }
            guard let v = o[field] else { throw CELEvalError(message: "no such key: \(field)") }
            return v
        case .has(let t, let field):
            let base = try eval(t, env)
            guard case .object(let o) = base else { throw CELEvalError(message: "no such overload") }
            return .bool(o[field] != nil)
        case .index(let t, let i):
            let base = try eval(t, env), key = try eval(i, env)
            switch (base, key) {
            case (.array(let a), .int(let n)):
                guard n >= 0, n < a.count else { throw CELEvalError(message: "index out of bounds: \(n)") }
                return a[Int(n)]
            case (.object(let o), .string(let k)):
                guard let v = o[k] else { throw CELEvalError(message: "no such key: \(k)") }
                return v
            default: throw CELEvalError(message: "no such overload")
            }
        case .unary(let op, let x):
            let v = try eval(x, env)
            switch (op, v) {
            case ("!", .bool(let b)): return .bool(!b)
            case ("-", .int(let n)): return .int(-n)
            case ("-", .double(let d)): return .double(-d)
            default: throw CELEvalError(message: "no such overload")
            }
        case .binary("&&", let a, let b):
            let l = Result { () throws(CELEvalError) in try eval(a, env) }
            if case .success(.bool(false)) = l { return .bool(false) }
            let r = try eval(b, env)
            if case .bool(false) = r { return .bool(false) }
            let lv = try l.get()
            guard case .bool = lv, case .bool = r else { throw CELEvalError(message: "no such overload") }
            return .bool(true)
        case .binary("||", let a, let b):
            let l = Result { () throws(CELEvalError) in try eval(a, env) }
            if case .success(.bool(true)) = l { return .bool(true) }
            let r = try eval(b, env)
            if case .bool(true) = r { return .bool(true) }
            let lv = try l.get()
            guard case .bool = lv, case .bool = r else { throw CELEvalError(message: "no such overload") }
            return .bool(false)
        case .binary(let op, let a, let b):
            return try binary(op, try eval(a, env), try eval(b, env))
        case .conditional(let c, let a, let b):
            guard case .bool(let cond) = try eval(c, env) else { throw CELEvalError(message: "no such overload") }
            return try eval(cond ? a : b, env)
        case .list(let items):
            var out: [JSON] = []
            for i in items { out.append(try eval(i, env)) }
            return .array(out)
        case .map(let entries):
            var out: [String: JSON] = [:]
            for (k, v) in entries {
                guard case .string(let key) = try eval(k, env) else { throw CELEvalError(message: "unsupported map key type") }
                out[key] = try eval(v, env)
            }
            return .object(out)
        case .comprehension(let kind, let range, let variable, let body):
            return try comprehension(kind, try eval(range, env), variable, body, env)
        case .call(let name, let target, let args, _):
            var values: [JSON] = []
            for a in args { values.append(try eval(a, env)) }
            return try CELFunctions.call(name, target: try target.map { t throws(CELEvalError) in try eval(t, env) }, args: values)
        }
    }

    private static func comprehension(_ kind: String, _ range: JSON, _ v: String, _ body: CELExpr, _ env: [String: JSON]) throws(CELEvalError) -> JSON {
        let elements: [JSON]
        switch range {
        case .array(let a): elements = a
        case .object(let o): elements = o.keys.sorted().map { .string($0) }
        default: throw CELEvalError(message: "no such overload")
        }
        var scope = env
        func test(_ x: JSON) throws(CELEvalError) -> JSON {
            scope[v] = x
            return try eval(body, scope)
        }
        switch kind {
        case "all":
            for x in elements { guard case .bool(true) = try test(x) else { return .bool(false) } }
            return .bool(true)
        case "exists":
            for x in elements { if case .bool(true) = try test(x) { return .bool(true) } }
            return .bool(false)
        case "exists_one":
            var n = 0
            for x in elements { if case .bool(true) = try test(x) { n += 1 } }
            return .bool(n == 1)
        case "map":
            var out: [JSON] = []
            for x in elements { out.append(try test(x)) }
            return .array(out)
        default:
            var out: [JSON] = []
            for x in elements { if case .bool(true) = try test(x) { out.append(x) } }
            return .array(out)
        }
    }

    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
        default: return a == b
        }
    }

    static func compare(_ a: JSON, _ b: JSON) throws(CELEvalError) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        default:
            guard let x = a.double, let y = b.double, !(a.string != nil) else { throw CELEvalError(message: "no such overload") }
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }

    static func binary(_ op: String, _ a: JSON, _ b: JSON) throws(CELEvalError) -> JSON {
        switch op {
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "<": return .bool(try compare(a, b) < 0)
        case "<=": return .bool(try compare(a, b) <= 0)
        case ">": return .bool(try compare(a, b) > 0)
        case ">=": return .bool(try compare(a, b) >= 0)
        case "in":
            switch b {
            case .array(let items): return .bool(items.contains { equal($0, a) })
            case .object(let o): guard case .string(let k) = a else { return .bool(false) }; return .bool(o[k] != nil)
            default: throw CELEvalError(message: "no such overload")
            }
        default: break
        }
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .array(let x), .array(let y)): return .array(x + y)
        case (_, .int(let x), .int(let y)):
            switch op {
            case "+": let (r, o) = x.addingReportingOverflow(y); if o { throw CELEvalError(message: "integer overflow") }; return .int(r)
            case "-": let (r, o) = x.subtractingReportingOverflow(y); if o { throw CELEvalError(message: "integer overflow") }; return .int(r)
            case "*": let (r, o) = x.multipliedReportingOverflow(by: y); if o { throw CELEvalError(message: "integer overflow") }; return .int(r)
            case "/": if y == 0 { throw CELEvalError(message: "division by zero") }; return .int(x / y)
            case "%": if y == 0 { throw CELEvalError(message: "modulus by zero") }; return .int(x % y)
            default: break
            }
        case (_, .double(let x), .double(let y)):
            switch op {
            case "+": return .double(x + y)
            case "-": return .double(x - y)
            case "*": return .double(x * y)
            case "/": return .double(x / y)
            default: break
            }
        default: break
        }
        throw CELEvalError(message: "no such overload")
    }
}

/// The functions rules may call: sizes, string tests, conversions.
enum CELFunctions {
    static func call(_ name: String, target: JSON?, args: [JSON]) throws(CELEvalError) -> JSON {
        let all = (target.map { [$0] } ?? []) + args
        switch (name, all.count) {
        case ("size", 1):
            switch all[0] {
            case .string(let s): return .int(Int64(s.count))
            case .array(let a): return .int(Int64(a.count))
            case .object(let o): return .int(Int64(o.count))
            default: break
            }
        case ("startsWith", 2), ("endsWith", 2), ("contains", 2), ("matches", 2):
            guard case .string(let s) = all[0], case .string(let p) = all[1] else { break }
            switch name {
            case "startsWith": return .bool(s.hasPrefix(p))
            case "endsWith": return .bool(s.hasSuffix(p))
            case "contains": return .bool(p.isEmpty || s.contains(p))
            default:
                guard let re = try? NSRegularExpression(pattern: p) else { throw CELEvalError(message: "invalid regular expression: \(p)") }
                return .bool(re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil)
            }
        case ("lowerAscii", 1): if case .string(let s) = all[0] { return .string(s.lowercased()) }
        case ("upperAscii", 1): if case .string(let s) = all[0] { return .string(s.uppercased()) }
        case ("trim", 1): if case .string(let s) = all[0] { return .string(s.trimmingCharacters(in: .whitespaces)) }
        case ("indexOf", 2):
            if case .string(let s) = all[0], case .string(let p) = all[1] {
                guard let r = s.range(of: p) else { return .int(-1) }
                return .int(Int64(s.distance(from: s.startIndex, to: r.lowerBound)))
            }
        case ("int", 1):
            switch all[0] {
            case .int: return all[0]
            case .double(let d): return .int(Int64(d))
            case .string(let s): if let n = Int64(s) { return .int(n) }; throw CELEvalError(message: "type conversion error")
            default: break
            }
        case ("double", 1):
            if let d = all[0].double, all[0].string == nil { return .double(d) }
            if case .string(let s) = all[0], let d = Double(s) { return .double(d) }
        case ("string", 1):
            switch all[0] {
            case .string: return all[0]
            case .int(let n): return .string(String(n))
            case .double(let d): return .string(String(d))
            case .bool(let b): return .string(b ? "true" : "false")
            default: break
            }
        case ("join", 1), ("join", 2):
            if case .array(let a) = all[0] {
                let sep = all.count == 2 ? all[1].string ?? "" : ""
                return .string(a.compactMap(\.string).joined(separator: sep))
            }
        case ("min", 1), ("max", 1), ("sum", 1):
            if case .array(let a) = all[0] {
                if name == "sum" {
                    var t: JSON = .int(0)
                    for x in a { t = try CELEvaluator.binary("+", t, x) }
                    return t
                }
                guard var best = a.first else { throw CELEvalError(message: "\(name) called on empty list") }
                for x in a.dropFirst() where (try CELEvaluator.compare(x, best) < 0) == (name == "min") { best = x }
                return best
            }
        default: break
        }
        throw CELEvalError(message: "no matching overload for '\(name)'")
    }
}
