import APIMachinery

/// CEL values are JSON values: rules only see decoded custom resources and literals.
typealias CELValue = JSON

/// A recursive-descent parser for CEL's grammar (ternary, `||`, `&&`, relations incl. `in`, `+ -`, `* / %`,
/// unary `! -`, member access, index, calls, list and map literals) with the standard macros
/// `has`, `all`, `exists`, `exists_one`, `map` and `filter`.
struct CELParser {
    private var tokens: [(CELToken, Int)]
    private var pos = 0

    static let functions: Set<String> = [
        "size", "startsWith", "endsWith", "contains", "matches", "lowerAscii", "upperAscii", "trim",
        "int", "double", "string", "bool", "type", "indexOf", "lastIndexOf", "replace", "split", "join",
        "substring", "min", "max", "sum", "isSorted",
    ]
    static let macros: Set<String> = ["all", "exists", "exists_one", "map", "filter"]

    init(_ source: String) throws(CELSyntaxError) {
        tokens = try CELLexer.tokenize(source)
    }

    static func parse(_ source: String) throws(CELSyntaxError) -> CELExpr {
        var p = try CELParser(source)
        let e = try p.expr()
        if case .end = p.peek { return e }
        throw p.unexpected()
    }

    private var peek: CELToken { tokens[pos].0 }
    private var column: Int { tokens[pos].1 }

    private mutating func advance() -> CELToken {
        let t = tokens[pos].0
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    private mutating func accept(_ op: String) -> Bool {
        if case .op(op) = peek { _ = advance(); return true }
        return false
    }

    private func unexpected() -> CELSyntaxError {
        let text: String
        switch peek {
        case .end: text = "'<EOF>'"
        case .op(let o): text = "'\(o)'"
        case .ident(let i): text = "'\(i)'"
        case .int(let n): text = "'\(n)'"
        case .double(let d): text = "'\(d)'"
        case .string(let s): text = "'\"\(s)\"'"
        }
        return CELSyntaxError(column: column, message: "Syntax error: mismatched input \(text)")
    }

    private mutating func expect(_ op: String) throws(CELSyntaxError) {
        guard accept(op) else { throw unexpected() }
    }

    mutating func expr() throws(CELSyntaxError) -> CELExpr {
        let cond = try or()
        if accept("?") {
            let a = try or()
            try expect(":")
            let b = try expr()
            return .conditional(cond, a, b)
        }
        return cond
    }

    private mutating func or() throws(CELSyntaxError) -> CELExpr {
        var l = try and()
        while accept("||") { l = .binary("||", l, try and()) }
        return l
    }

    private mutating func and() throws(CELSyntaxError) -> CELExpr {
        var l = try relation()
        while accept("&&") { l = .binary("&&", l, try relation()) }
        return l
    }

    private mutating func relation() throws(CELSyntaxError) -> CELExpr {
        var l = try additive()
        while true {
            if case .op(let o) = peek, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                _ = advance()
                l = .binary(o, l, try additive())
            } else if case .ident("in") = peek {
                _ = advance()
                l = .binary("in", l, try additive())
            } else {
                return l
            }
        }
    }

    private mutating func additive() throws(CELSyntaxError) -> CELExpr {
        var l = try multiplicative()
        while case .op(let o) = peek, o == "+" || o == "-" {
            _ = advance()
            l = .binary(o, l, try multiplicative())
        }
        return l
    }

    private mutating func multiplicative() throws(CELSyntaxError) -> CELExpr {
        var l = try unary()
        while case .op(let o) = peek, o == "*" || o == "/" || o == "%" {
            _ = advance()
            l = .binary(o, l, try unary())
        }
        return l
    }

    private mutating func unary() throws(CELSyntaxError) -> CELExpr {
        if accept("!") { return .unary("!", try unary()) }
        if accept("-") {
            if case .int(let n) = peek { _ = advance(); return try postfix(.literal(.int(-n))) }
            if case .double(let d) = peek { _ = advance(); return try postfix(.literal(.double(-d))) }
            return .unary("-", try unary())
        }
        return try postfix(try primary())
    }

    private mutating func arguments() throws(CELSyntaxError) -> [CELExpr] {
        var args: [CELExpr] = []
        if accept(")") { return args }
        repeat { args.append(try expr()) } while accept(",")
        try expect(")")
        return args
    }

    private mutating func postfix(_ base: CELExpr) throws(CELSyntaxError) -> CELExpr {
        var e = base
        while true {
            if accept(".") {
                let col = column
                guard case .ident(let name) = advance() else { throw CELSyntaxError(column: col, message: "Syntax error: no viable alternative at input '.'") }
                if accept("(") {
                    if Self.macros.contains(name) {
                        let args = try arguments()
                        guard args.count == 2, case .ident(let v, _) = args[0] else {
                            throw CELSyntaxError(column: col, message: "\(name)() variable name must be a simple identifier")
                        }
                        e = .comprehension(name, range: e, variable: v, body: args[1])
                    } else {
                        e = .call(name, target: e, args: try arguments(), column: col)
                    }
                } else {
                    e = .select(e, name)
                }
            } else if accept("[") {
                let i = try expr()
                try expect("]")
                e = .index(e, i)
            } else {
                return e
            }
        }
    }

    static let primaryExpected = "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"

    private mutating func primary() throws(CELSyntaxError) -> CELExpr {
        let col = column
        let start = pos
        switch advance() {
        case .int(let n): return .literal(.int(n))
        case .double(let d): return .literal(.double(d))
        case .string(let s): return .literal(.string(s))
        case .ident(let name):
            switch name {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default: break
            }
            if accept("(") {
                if name == "has" {
                    let args = try arguments()
                    guard args.count == 1, case .select(let target, let field) = args[0] else {
                        throw CELSyntaxError(column: col, message: "invalid argument to has() macro")
                    }
                    return .has(target, field)
                }
                return .call(name, target: nil, args: try arguments(), column: col)
            }
            return .ident(name, column: col)
        case .op("("):
            let e = try expr()
            try expect(")")
            return e
        case .op("["):
            var items: [CELExpr] = []
            if !accept("]") {
                repeat { items.append(try expr()) } while accept(",")
                try expect("]")
            }
            return .list(items)
        case .op("{"):
            var entries: [(CELExpr, CELExpr)] = []
            if !accept("}") {
                repeat {
                    let k = try expr()
                    try expect(":")
                    entries.append((k, try expr()))
                } while accept(",")
                try expect("}")
            }
            return .map(entries)
        default:
            pos = start
            var e = unexpected()
            e.message += " expecting " + Self.primaryExpected
            throw e
        }
    }
}
