/// A CSV syntax error, worded as Go's encoding/csv words it (upstream's token file reader surfaces it as is).
public struct CSVParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Line the record started on (1-based).
    public let startLine: Int
    /// Line and 1-based column of the offending character.
    public let line: Int
    public let column: Int
    /// Go's error text: `bare " in non-quoted-field` or `extraneous or missing " in quoted-field`.
    public let reason: String

    public var description: String {
        if startLine != line {
            return "record on line \(startLine); parse error on line \(line), column \(column): \(reason)"
        }
        return "parse error on line \(line), column \(column): \(reason)"
    }
}

/// Splits CSV text into records with the rules of Go's `encoding/csv` reader as upstream configures it for
/// token files (comma separator, no comment character, strict quotes, any number of fields per record):
/// empty lines are skipped, `\r\n` counts as `\n`, a field that starts with `"` is quoted (`""` is a quote,
/// and it may span lines), and a `"` anywhere else is an error.
enum CSVRecords {
    static let bareQuote = "bare \" in non-quoted-field"
    static let badQuote = "extraneous or missing \" in quoted-field"

    static func parse(_ text: String) throws(CSVParseError) -> [[String]] {
        // Work on Unicode scalars with "\r\n" folded to "\n", as Go's reader does line by line.
        var scalars = Array(text.unicodeScalars)
        var normalised: [Unicode.Scalar] = []
        normalised.reserveCapacity(scalars.count)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" {
                i += 1
                continue
            }
            normalised.append(scalars[i])
            i += 1
        }
        // Go drops a lone trailing "\r" before end of input, too.
        if normalised.last == "\r" { normalised.removeLast() }
        scalars = normalised

        var records: [[String]] = []
        var position = 0
        // Go reports 1-based byte columns; a line's end is remembered for errors found only at end of input.
        var line = 1
        var column = 1
        var previousLineEndColumn = 1
        let end = scalars.count

        func advance() {
            if scalars[position] == "\n" {
                previousLineEndColumn = column + 1
                line += 1
                column = 1
            } else {
                column += scalars[position].utf8.count
            }
            position += 1
        }

        while position < end {
            if scalars[position] == "\n" {  // an empty line
                advance()
                continue
            }
            let startLine = line
            var record: [String] = []
            var atRecordEnd = false
            while !atRecordEnd {
                var field = String.UnicodeScalarView()
                if position < end, scalars[position] == "\"" {
                    advance()
                    var closed = false
                    while position < end {
                        let c = scalars[position]
                        if c == "\"" {
                            advance()
                            if position < end, scalars[position] == "\"" {
                                field.append("\"")
                                advance()
                                continue
                            }
                            if position >= end {
                                atRecordEnd = true
                            } else if scalars[position] == "," {
                                advance()
                            } else if scalars[position] == "\n" {
                                advance()
                                atRecordEnd = true
                            } else {
                                throw CSVParseError(startLine: startLine, line: line, column: column - 1, reason: badQuote)
                            }
                            closed = true
                            break
                        }
                        field.append(c)
                        advance()
                    }
                    if !closed {
                        // Go stops on the last line read, one past its end.
                        let endedWithNewline = scalars.last == "\n"
                        throw CSVParseError(
                            startLine: startLine, line: endedWithNewline ? line - 1 : line,
                            column: endedWithNewline ? previousLineEndColumn : column, reason: badQuote)
                    }
                } else {
                    while position < end, scalars[position] != ",", scalars[position] != "\n" {
                        if scalars[position] == "\"" {
                            throw CSVParseError(startLine: startLine, line: line, column: column, reason: bareQuote)
                        }
                        field.append(scalars[position])
                        advance()
                    }
                    if position >= end {
                        atRecordEnd = true
                    } else if scalars[position] == "\n" {
                        advance()
                        atRecordEnd = true
                    } else {
                        advance()  // the comma; a field follows, possibly empty
                    }
                }
                record.append(String(field))
            }
            records.append(record)
        }
        return records
    }
}
