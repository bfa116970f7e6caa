extension String {
    /// Without leading and trailing ASCII spaces, tabs and line breaks: what upstream's validation means by
    /// "leading or trailing whitespace" (`strings.TrimSpace` on ASCII input).
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
