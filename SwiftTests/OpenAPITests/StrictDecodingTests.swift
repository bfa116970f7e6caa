import APIMachinery
import Foundation
@testable import OpenAPI
import Testing

@Suite struct StrictDecodingTests {
    @Test func createMessageMatchesUpstream() {
        let error = StrictDecoding.createOrUpdateError(
            bodyKind: "Pod", bodyVersion: "v1", kind: "Pod", paths: ["spec.containers[0].imagee"])
        #expect(error.code == 400)
        #expect(error.reason == "BadRequest")
        #expect(error.message == #"Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee""#)
        #expect(error.details == nil)
    }

    @Test func severalFieldsJoinWithCommas() {
        #expect(StrictDecoding.decodeMessage(bodyKind: "Deployment", bodyVersion: "v1", kind: "Deployment", paths: ["spec.a", "spec.b"])
            == #"Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.a", unknown field "spec.b""#)
    }

    @Test func patchAndWarnWording() {
        let error = StrictDecoding.patchError(paths: ["spec.foo"])
        #expect(error.code == 400 && error.reason == "BadRequest")
        #expect(error.message == #"strict decoding error: unknown field "spec.foo""#)
        #expect(StrictDecoding.warnings(["spec.foo", "metadata.x"]) == [#"unknown field "spec.foo""#, #"unknown field "metadata.x""#])
        #expect(error.status["status"] == "Failure")
    }

    @Test func directiveParsing() {
        #expect(FieldValidationDirective(queryValue: nil) == .warn)
        #expect(FieldValidationDirective(queryValue: "") == .warn)
        #expect(FieldValidationDirective(queryValue: "Strict") == .strict)
        #expect(FieldValidationDirective(queryValue: "Ignore") == .ignore)
        #expect(FieldValidationDirective(queryValue: "Warn") == .warn)
        #expect(FieldValidationDirective(queryValue: "strict") == nil)
        #expect(FieldValidationDirective(queryValue: "Bogus") == nil)
    }

    @Test func fnv1aKnownVectors() {
        #expect(FNV1a.hex(Data()) == "CBF29CE484222325")
        #expect(FNV1a.hex(Data("a".utf8)) == "AF63DC4C8601EC8C")
        #expect(FNV1a.hex(Data("foobar".utf8)) == "85944171F73967E8")
    }
}
