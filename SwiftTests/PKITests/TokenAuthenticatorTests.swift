import Foundation
import Testing

@testable import PKI

@Suite struct TokenAuthenticatorTests {
    @Test func parsesUpstreamTokenFileFormat() throws {
        let text = """
            31ada4fd-adec-460c-809a-9e56ceb75269,alice,1001,"system:masters,dev"
            token-bob,bob,1002,viewers
            token-carol,carol,1003

            token-dave,"dave, the second",1004,"",ignored,columns
            """
        let auth = try TokenAuthenticator(csv: text, path: "/etc/skiff/tokens.csv")
        #expect(auth.count == 4)
        #expect(auth.authenticate(token: "31ada4fd-adec-460c-809a-9e56ceb75269")
            == AuthenticatedUser(name: "alice", uid: "1001", groups: ["system:masters", "dev"]))
        #expect(auth.authenticate(token: "token-bob") == AuthenticatedUser(name: "bob", uid: "1002", groups: ["viewers"]))
        #expect(auth.authenticate(token: "token-carol") == AuthenticatedUser(name: "carol", uid: "1003", groups: []))
        // strings.Split("", ",") is [""] upstream.
        #expect(auth.authenticate(token: "token-dave") == AuthenticatedUser(name: "dave, the second", uid: "1004", groups: [""]))
        #expect(auth.authenticate(token: "token-eve") == nil)
        #expect(auth.authenticate(token: "") == nil)
        #expect(auth.authenticate(token: "token-bo") == nil)
        #expect(auth.authenticate(token: "token-bobb") == nil)
    }

    @Test func emptyTokensAreSkippedAndDuplicatesKeepTheLast() throws {
        let auth = try TokenAuthenticator(csv: ",nobody,0\nt,first,1\nt,second,2\n")
        #expect(auth.count == 1)
        #expect(auth.authenticate(token: "t")?.name == "second")
        #expect(auth.authenticate(token: "") == nil)
    }

    @Test func quotingLineEndingsAndQuotedQuotes() throws {
        let text = "\"tok\"\"en\",\"multi\nline\",9,\"a,b\"\r\nplain,user,10\r\n"
        let auth = try TokenAuthenticator(csv: text)
        #expect(auth.authenticate(token: "tok\"en") == AuthenticatedUser(name: "multi\nline", uid: "9", groups: ["a", "b"]))
        #expect(auth.authenticate(token: "plain") == AuthenticatedUser(name: "user", uid: "10", groups: []))
    }

    @Test func rejectsShortRecordsWithUpstreamsMessage() {
        #expect {
            try TokenAuthenticator(csv: "good,user,1\nonly,two\n", path: "/tmp/tokens.csv")
        } throws: { error in
            (error as? TokenFileError)?.description
                == "token file '/tmp/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2"
        }
        // A line of spaces is a one-field record, not an empty line.
        #expect(throws: TokenFileError.self) { try TokenAuthenticator(csv: "   \n") }
    }

    @Test func rejectsBadQuotesAsGoCSVDoes() {
        #expect(throws: CSVParseError(startLine: 1, line: 1, column: 4, reason: CSVRecords.bareQuote)) {
            try TokenAuthenticator(csv: "tok\"en,user,1\n")
        }
        #expect(throws: CSVParseError(startLine: 2, line: 2, column: 5, reason: CSVRecords.badQuote)) {
            try TokenAuthenticator(csv: "a,b,c\n\"tok\"x,user,1\n")
        }
        // Unterminated quote: the record started on line 1 and ran to the end.
        let unterminated = "t,u,1,\"group\nmore\n"
        #expect {
            try TokenAuthenticator(csv: unterminated)
        } throws: { error in
            guard let error = error as? CSVParseError else { return false }
            return error.description
                == "record on line 1; parse error on line 2, column 6: extraneous or missing \" in quoted-field"
        }
    }

    @Test func emptyFileHasNoTokens() throws {
        #expect(try TokenAuthenticator(csv: "").count == 0)
        #expect(try TokenAuthenticator(csv: "\n\n\r\n").count == 0)
    }

    @Test func readsTokenFiles() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("abc,admin,0,system:masters\n", to: "tokens.csv")
        let auth = try TokenAuthenticator(contentsOf: file)
        #expect(auth.authenticate(token: "abc")?.groups == ["system:masters"])
        #expect(throws: PKIError.self) { try TokenAuthenticator(contentsOf: dir.file("missing.csv")) }
    }

    @Test func bearerHeadersAreReadAsUpstreamReadsThem() throws {
        #expect(BearerToken.token(fromAuthorizationHeader: "Bearer abc") == "abc")
        #expect(BearerToken.token(fromAuthorizationHeader: "bearer abc") == "abc")
        #expect(BearerToken.token(fromAuthorizationHeader: "  BEARER abc  ") == "abc")
        #expect(BearerToken.token(fromAuthorizationHeader: "Bearer abc def") == "abc")
        #expect(BearerToken.token(fromAuthorizationHeader: "Bearer  abc") == nil)  // empty token between spaces
        #expect(BearerToken.token(fromAuthorizationHeader: "Bearer") == nil)
        #expect(BearerToken.token(fromAuthorizationHeader: "Basic YWxhZGRpbjpvcGVuc2VzYW1l") == nil)
        #expect(BearerToken.token(fromAuthorizationHeader: "") == nil)

        let auth = try TokenAuthenticator(csv: "abc,admin,0\n")
        #expect(auth.authenticate(authorizationHeader: "Bearer abc")?.name == "admin")
        #expect(auth.authenticate(authorizationHeader: "Bearer abd") == nil)
    }

    @Test func writtenLinesReadBack() throws {
        let users = [
            ("t1", AuthenticatedUser(name: "admin", uid: "0", groups: ["system:masters", "dev"])),
            ("t2", AuthenticatedUser(name: "quote\"d", uid: "", groups: [])),
            ("t3", AuthenticatedUser(name: " leading space", uid: "7", groups: ["one"])),
        ]
        let text = users.map { TokenAuthenticator.csvLine(token: $0.0, user: $0.1) }.joined(separator: "\n")
        #expect(text.hasPrefix("t1,admin,0,\"system:masters,dev\"\n"))
        let auth = try TokenAuthenticator(csv: text)
        for (token, user) in users { #expect(auth.authenticate(token: token) == user) }
    }

    @Test func generatedTokensAreRandomHex() {
        let a = TokenAuthenticator.generateToken()
        let b = TokenAuthenticator.generateToken()
        #expect(a.count == 64 && a != b)
        #expect(a.allSatisfy { $0.isHexDigit })
    }
}
