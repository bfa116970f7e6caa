import APIMachinery
import Foundation
@testable import OpenAPI
import SwiftProtobuf
import Testing

@testable import APIServer

/// `GET /openapi/v2` through the whole handler: media-type negotiation, ETags, 304s, and bytes that decode as
/// the gnostic document client-go expects.
@Suite struct OpenAPIV2EndpointTests {
    /// What client-go sends, and what kube-openapi answers with (Go's mime parser rejects the `@`).
    static let protobufType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    static let servedProtobufType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    func get(_ server: TestServer, accept: String?, ifNoneMatch: String? = nil) async -> APIResponse {
        var headers = ["User-Agent": "skiff-tests/1.0"]
        if let accept { headers["Accept"] = accept }
        if let ifNoneMatch { headers["If-None-Match"] = ifNoneMatch }
        return await server.handler.handle(APIRequest(method: "GET", path: "/openapi/v2", query: nil, headers: headers, body: Data()))
    }

    func header(_ r: APIResponse, _ name: String) -> String? {
        r.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    @Test func protobufForClientGoDecodesAsGnosticDocument() async throws {
        let server = try await TestServer()
        let r = await get(server, accept: Self.protobufType)
        #expect(r.status == 200)
        #expect(r.contentType == Self.servedProtobufType)
        #expect(await get(server, accept: Self.servedProtobufType).data == r.data)
        let doc = try Openapi_V2_Document(serializedBytes: try #require(r.data))
        #expect(doc.swagger == "2.0")
        let cm = try #require(doc.definitions.additionalProperties.first { $0.name == "io.k8s.api.core.v1.ConfigMap" })
        let gvk = try #require(cm.value.vendorExtension.first { $0.name == "x-kubernetes-group-version-kind" })
        #expect(try YAMLDecoding.decode(gvk.value.yaml) == [["group": "", "kind": "ConfigMap", "version": "v1"]])
        #expect(doc.paths.path.contains { $0.name == "/api/v1/namespaces/{namespace}/configmaps/{name}" })
    }

    @Test func jsonByDefaultAndForWildcards() async throws {
        let server = try await TestServer()
        for accept in [nil, "application/json", "*/*", "application/*", "text/html;q=0.9, application/json;q=0.8"] as [String?] {
            let r = await get(server, accept: accept)
            #expect(r.status == 200, "\(accept ?? "none")")
            #expect(r.contentType == "application/json")
            let doc = try JSON.parse(try #require(r.data))
            #expect(doc["swagger"] == "2.0")
            #expect(doc[path: ["definitions", "io.k8s.api.apps.v1.Deployment", "x-kubernetes-group-version-kind"]]
                == [["group": "apps", "kind": "Deployment", "version": "v1"]])
        }
        // Preference by q: protobuf wins when ranked above JSON.
        let r = await get(server, accept: "application/json;q=0.5, \(Self.protobufType)")
        #expect(r.contentType == Self.servedProtobufType)
        #expect(await get(server, accept: "text/html").status == 406)
    }

    @Test func etagPerEncodingAndNotModified() async throws {
        let server = try await TestServer()
        let pb = await get(server, accept: Self.protobufType)
        let json = await get(server, accept: "application/json")
        let pbTag = try #require(header(pb, "ETag"))
        let jsonTag = try #require(header(json, "ETag"))
        #expect(pbTag.hasPrefix("\"") && pbTag.hasSuffix("\""))
        #expect(pbTag != jsonTag)

        let again = await get(server, accept: Self.protobufType, ifNoneMatch: pbTag)
        #expect(again.status == 304)
        #expect(again.data?.isEmpty == true)
        #expect(header(again, "ETag") == pbTag)
        #expect(await get(server, accept: Self.protobufType, ifNoneMatch: "W/\(pbTag)").status == 304)
        // The other encoding's tag, or a stale one, gets the full document.
        #expect(await get(server, accept: Self.protobufType, ifNoneMatch: jsonTag).status == 200)
        #expect(await get(server, accept: "application/json", ifNoneMatch: "\"0123\"").status == 200)
    }
}
