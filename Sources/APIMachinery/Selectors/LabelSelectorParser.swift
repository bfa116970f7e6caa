/// A port of upstream's label selector lexer and recursive-descent parser (`labels.Parse`), so that
/// accepted syntax and error messages match what kube-apiserver answers.
struct LabelSelectorParser {
    enum Token: Equatable {
        case error, endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan, identifier,
            `in`, lessThan, notEquals, notIn, openPar
    }

    enum Context { case keyAndOperator, values }

    private static let literalTokens: [String: Token] = [
        ")": .closedPar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals, ">": .greaterThan,
        "in": .in, "<": .lessThan, "!=": .notEquals, "notin": .notIn, "(": .openPar,
    ]

    private var items: [(token: Token, literal: String)] = []
    private var position = 0

    init(_ selector: String) {
        var lexer = Lexer(bytes: Array(selector.utf8))
        while true {
            let item = lexer.lex()
            items.append(item)
            if item.token == .endOfString { break }
        }
    }

    // MARK: Lexer

    struct Lexer {
        let bytes: [UInt8]
        var pos = 0

        static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
        static func isSpecial(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","),
                UInt8(ascii: ">"), UInt8(ascii: "<"):
                return true
            default: return false
            }
        }

        /// Go's reader yields 0 at the end of input.
        mutating func read() -> UInt8 {
            guard pos < bytes.count else { pos += 1; return 0 }
            defer { pos += 1 }
            return bytes[pos]
        }

        mutating func unread() { pos -= 1 }

        mutating func lex() -> (token: Token, literal: String) {
            var ch = read()
            while Self.isWhitespace(ch) { ch = read() }
            if ch == 0 { return (.endOfString, "") }
            unread()
            return Self.isSpecial(ch) ? scanSpecialSymbol() : scanIdentifierOrKeyword()
        }

        mutating func scanIdentifierOrKeyword() -> (token: Token, literal: String) {
            var buffer: [UInt8] = []
            while true {
                let ch = read()
                if ch == 0 { break }
                if Self.isSpecial(ch) || Self.isWhitespace(ch) { unread(); break }
                buffer.append(ch)
            }
            let s = String(decoding: buffer, as: UTF8.self)
            if let token = LabelSelectorParser.literalTokens[s] { return (token, s) }
            return (.identifier, s)
        }

        mutating func scanSpecialSymbol() -> (token: Token, literal: String) {
            var last: (token: Token, literal: String)?
            var buffer: [UInt8] = []
            while true {
                let ch = read()
                if ch == 0 { break }
                if Self.isSpecial(ch) {
                    buffer.append(ch)
                    let s = String(decoding: buffer, as: UTF8.self)
                    if let token = LabelSelectorParser.literalTokens[s] {
                        last = (token, s)
                    } else if last != nil {
                        unread()
                        break
                    }
                } else {
                    unread()
                    break
                }
            }
            guard let last else {
                return (.error, "error expected: keyword found '\(String(decoding: buffer, as: UTF8.self))'")
            }
            return last
        }
    }

    // MARK: Parser

    private func item(at index: Int, _ context: Context) -> (token: Token, literal: String) {
        var it: (token: Token, literal: String) = index < items.count ? items[index] : (.endOfString, "")
        if context == .values, it.token == .in || it.token == .notIn { it.token = .identifier }
        return it
    }

    private func lookahead(_ context: Context) -> (token: Token, literal: String) { item(at: position, context) }

    private mutating func consume(_ context: Context) -> (token: Token, literal: String) {
        position += 1
        return item(at: position - 1, context)
    }

    mutating func parse() throws(SelectorParseError) -> [LabelRequirement] {
        var requirements: [LabelRequirement] = []
        while true {
            let (tok, lit) = lookahead(.values)
            switch tok {
            case .identifier, .doesNotExist:
                do {
                    requirements.append(try parseRequirement())
                } catch {
                    throw SelectorParseError("unable to parse requirement: \(error.message)")
                }
                let (t, l) = consume(.values)
                switch t {
                case .endOfString:
                    return requirements
                case .comma:
                    let (t2, l2) = lookahead(.values)
                    if t2 != .identifier && t2 != .doesNotExist {
                        throw SelectorParseError("found '\(l2)', expected: identifier after ','")
                    }
                default:
                    throw SelectorParseError("found '\(l)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw SelectorParseError("found '\(lit)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws(SelectorParseError) -> LabelRequirement {
        let (key, inferred) = try parseKeyAndInferOperator()
        if let inferred {
            return try LabelRequirement(key: key, operator: inferred, values: [])
        }
        let op = try parseOperator()
        let values: [String]
        switch op {
        case .in, .notIn:
            values = try parseValues()
        default:
            values = try parseExactValue()
        }
        // Upstream collects values in a string set and lists them sorted.
        let set = Set(values).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return try LabelRequirement(key: key, operator: op, values: set)
    }

    /// Returns the key and `.exists` / `.doesNotExist` when no binary operator follows.
    private mutating func parseKeyAndInferOperator() throws(SelectorParseError) -> (String, LabelRequirement.Operator?) {
        var op: LabelRequirement.Operator?
        var (tok, literal) = consume(.values)
        if tok == .doesNotExist {
            op = .doesNotExist
            (tok, literal) = consume(.values)
        }
        if tok != .identifier {
            throw SelectorParseError("found '\(literal)', expected: identifier")
        }
        let keyErrors = NameValidation.qualifiedNameErrors(literal)
        if !keyErrors.isEmpty {
            // Upstream validates with a nil field path here, which prints as "<nil>".
            throw SelectorParseError("<nil>: Invalid value: \(GoQuoting.quote(literal)): " + keyErrors.joined(separator: "; "))
        }
        let next = lookahead(.values).token
        if next == .endOfString || next == .comma {
            if op != .doesNotExist { op = .exists }
        }
        return (literal, op)
    }

    private mutating func parseOperator() throws(SelectorParseError) -> LabelRequirement.Operator {
        let (tok, lit) = consume(.keyAndOperator)
        switch tok {
        case .in: return .in
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        case .notIn: return .notIn
        case .notEquals: return .notEquals
        default:
            throw SelectorParseError("found '\(lit)', expected: in, notin, =, ==, !=, gt, lt")
        }
    }

    private mutating func parseValues() throws(SelectorParseError) -> [String] {
        let (tok, lit) = consume(.values)
        if tok != .openPar {
            throw SelectorParseError("found '\(lit)' expected: '('")
        }
        let (next, nextLit) = lookahead(.values)
        switch next {
        case .identifier, .comma:
            let values = try parseIdentifiersList()
            if consume(.values).token != .closedPar {
                throw SelectorParseError("found '\(nextLit)', expected: ')'")
            }
            return values
        case .closedPar:
            _ = consume(.values)
            return [""]
        default:
            throw SelectorParseError("found '\(nextLit)', expected: ',', ')' or identifier")
        }
    }

    private mutating func parseIdentifiersList() throws(SelectorParseError) -> [String] {
        var values: [String] = []
        while true {
            let (tok, lit) = consume(.values)
            switch tok {
            case .identifier:
                values.append(lit)
                let (t2, l2) = lookahead(.values)
                switch t2 {
                case .comma: continue
                case .closedPar: return values
                default: throw SelectorParseError("found '\(l2)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.append("") }  // "(,"
                let t2 = lookahead(.values).token
                if t2 == .closedPar {
                    values.append("")  // ",)"
                    return values
                }
                if t2 == .comma {
                    _ = consume(.values)
                    values.append("")  // ",,"
                }
            default:
                throw SelectorParseError("found '\(lit)', expected: ',', or identifier")
            }
        }
    }

    private mutating func parseExactValue() throws(SelectorParseError) -> [String] {
        let next = lookahead(.values).token
        if next == .endOfString || next == .comma { return [""] }
        let (tok, lit) = consume(.values)
        if tok == .identifier { return [lit] }
        throw SelectorParseError("found '\(lit)', expected: identifier")
    }
}
