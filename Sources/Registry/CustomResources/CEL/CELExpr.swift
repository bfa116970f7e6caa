/// A parsed CEL expression.
indirect enum CELExpr: Sendable {
    case literal(CELValue)
    case ident(String, column: Int)
    case select(CELExpr, String)
    /// `has(x.f)`: whether the field is present.
    case has(CELExpr, String)
    case index(CELExpr, CELExpr)
    case call(String, target: CELExpr?, args: [CELExpr], column: Int)
    /// `list.all(x, p)`, `exists`, `exists_one`, `map`, `filter`.
    case comprehension(String, range: CELExpr, variable: String, body: CELExpr)
    case unary(String, CELExpr)
    case binary(String, CELExpr, CELExpr)
    case conditional(CELExpr, CELExpr, CELExpr)
    case list([CELExpr])
    case map([(CELExpr, CELExpr)])
}
