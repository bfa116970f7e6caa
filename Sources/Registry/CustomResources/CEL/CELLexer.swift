/// Tokens of the CEL subset Skiff evaluates for `x-kubernetes-validations` rules.
enum CELToken: Equatable {
    case int(Int64)
    case double(Double)
    case string(String)
    case ident(String)
    case op(String)
    case end
}

struct CELSyntaxError: Error, Equatable {
    var column: Int
    var message: String
    /// Upstream's rendering: `ERROR: <input>:1:COL: message`.
    var text: String { "ERROR: <input>:1:\(column): \(message)" }
}

/// Splits a rule into tokens, each with its 1-based column.
enum CELLexer {
    static let twoCharOps: Set<String> = ["==", "!=", "<=", ">=", "&&", "||"]
    static let oneCharOps: Set<Character> = ["<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"]

    static func tokenize(_ source: String) throws(CELSyntaxError) -> [(CELToken, Int)] {
        let chars = Array(source)
        var i = 0
        var out: [(CELToken, Int)] = []
        while i < chars.count {
            let c = chars[i]
            let col = i + 1
            if c.isWhitespace { i += 1; continue }
            if c.isNumber {
                var j = i
                var isDouble = false
                if c == "0", j + 1 < chars.count, chars[j + 1] == "x" || chars[j + 1] == "X" {
                    j += 2
                    while j < chars.count, chars[j].isHexDigit { j += 1 }
                    guard let v = Int64(String(chars[(i + 2)..<j]), radix: 16) else { throw CELSyntaxError(column: col, message: "invalid int literal") }
                    out.append((.int(v), col)); i = j; continue
                }
                while j < chars.count, chars[j].isNumber { j += 1 }
                if j + 1 < chars.count, chars[j] == ".", chars[j + 1].isNumber {
                    isDouble = true
                    j += 1
                    while j < chars.count, chars[j].isNumber { j += 1 }
                }
                if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                    isDouble = true
                    j += 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    while j < chars.count, chars[j].isNumber { j += 1 }
                }
                let text = String(chars[i..<j])
                if j < chars.count, chars[j] == "u" { j += 1 }
                if isDouble {
                    guard let d = Double(text) else { throw CELSyntaxError(column: col, message: "invalid double literal") }
                    out.append((.double(d), col))
                } else {
                    guard let v = Int64(text) else { throw CELSyntaxError(column: col, message: "invalid int literal") }
                    out.append((.int(v), col))
                }
                i = j
                continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                let word = String(chars[i..<j])
                if (word == "r" || word == "R"), j < chars.count, chars[j] == "\"" || chars[j] == "'" {
                    let (s, next) = try readString(chars, j, raw: true)
                    out.append((.string(s), col)); i = next; continue
                }
                out.append((.ident(word), col))
                i = j
                continue
            }
            if c == "\"" || c == "'" {
                let (s, next) = try readString(chars, i, raw: false)
                out.append((.string(s), col)); i = next; continue
            }
            if i + 1 < chars.count, twoCharOps.contains(String(chars[i...i + 1])) {
                out.append((.op(String(chars[i...i + 1])), col)); i += 2; continue
            }
            if oneCharOps.contains(c) { out.append((.op(String(c)), col)); i += 1; continue }
            throw CELSyntaxError(column: col, message: "Syntax error: token recognition error at: '\(c)'")
        }
        out.append((.end, chars.count + 1))
        return out
    }

    private static func readString(_ chars: [Character], _ start: Int, raw: Bool) throws(CELSyntaxError) -> (String, Int) {
        let quote = chars[start]
        let triple = start + 2 < chars.count && chars[start + 1] == quote && chars[start + 2] == quote
        var i = start + (triple ? 3 : 1)
        var s = ""
        while i < chars.count {
            let c = chars[i]
            if triple {
                if c == quote, i + 2 < chars.count, chars[i + 1] == quote, chars[i + 2] == quote { return (s, i + 3) }
            } else if c == quote {
                return (s, i + 1)
            }
            if c == "\\", !raw, i + 1 < chars.count {
                let n = chars[i + 1]
                switch n {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "r": s.append("\r")
                case "\\", "'", "\"", "`", "?": s.append(n)
                default: throw CELSyntaxError(column: i + 1, message: "Syntax error: invalid escape sequence")
                }
                i += 2
                continue
            }
            s.append(c)
            i += 1
        }
        throw CELSyntaxError(column: start + 1, message: "Syntax error: token recognition error at: '\(quote)'")
    }
}
