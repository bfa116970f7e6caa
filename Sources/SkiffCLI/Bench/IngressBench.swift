import APIMachinery
import ArgumentParser
import Benchmarks
import Client
import Cluster
import Foundation
import NIOCore

/// `skiff bench ingress`: what the built-in Ingress controller costs a request, on a running real cluster.
/// It deploys nginx (the `nginx:alpine` image must be loaded) behind a Service and an Ingress, then runs the
/// same closed-loop HTTP/1.1 load from inside the control-plane node's network namespace, alternately
/// straight to the pod and through the controller (Host routing, a pooled backend connection), and prints
/// requests/s and latency for each, round by round, with the medians' ratio. With `--nginx-proxy` a third
/// path goes through nginx set up as a reverse proxy to the same pod: what one proxy hop costs on this
/// machine when the proxy is nginx.
struct IngressBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingress", abstract: "Ingress controller throughput and latency vs straight to the pod.")

    @Option(help: "Cluster name (a real cluster: `skiff create cluster`).") var name = "skiff"
    @Option(help: "Concurrent keep-alive connections.") var connections = 8
    @Option(help: "Seconds per measurement.") var seconds = 5
    @Option(help: "Rounds (each measures both ways, alternating).") var rounds = 3
    @Option(help: "Image (must already be on the node).") var image = "nginx:alpine"
    @Flag(help: "Also measure nginx as the proxy: a second nginx pod, a reverse proxy with keep-alive connections to the first pod's address, under the same load, each round.")
    var nginxProxy = false

    func run() async throws {
        guard getuid() == 0 else { throw ValidationError("skiff bench ingress needs root (it connects from inside the node's network namespace)") }
        guard (1...256).contains(connections), (1...120).contains(seconds), (1...20).contains(rounds) else {
            throw ValidationError("--connections 1-256, --seconds 1-120, --rounds 1-20")
        }
        let paths = ClusterPaths(name: name)
        let client = KubeClient(try KubeconfigLoader.load(path: paths.pki.appendingPathComponent("admin.conf").path, userAgent: "skiff-bench"))
        defer { Task { await client.shutdown() } }
        let netns = "/run/netns/skiff-\(name)-control-plane"
        let namespace = "skiff-bench-ingress-\(UInt16.random(in: 0...UInt16.max))"
        try await deploy(client, namespace: namespace)
        do {
            try await measure(client, namespace: namespace, netns: netns)
        } catch {
            _ = try? await client.delete(.namespaces, namespace)
            throw error
        }
        _ = try? await client.delete(.namespaces, namespace)
    }

    static let host = "bench.example.com"

    func deploy(_ client: KubeClient, namespace: String) async throws {
        _ = try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        _ = try await client.create(.deployments.inNamespace(namespace), [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
            "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "web"]], "template": [
                "metadata": ["labels": ["app": "web"]],
                "spec": ["containers": [["name": "nginx", "image": .string(image), "ports": [["containerPort": 80]]]]],
            ]],
        ])
        _ = try await client.create(.services.inNamespace(namespace), [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
            "spec": ["selector": ["app": "web"], "ports": [["port": 80]]],
        ])
        _ = try await client.create(.ingresses.inNamespace(namespace), [
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "web"],
            "spec": ["rules": [["host": .string(Self.host), "http": ["paths": [
                ["path": "/", "pathType": "Prefix", "backend": ["service": ["name": "web", "port": ["number": 80]]]],
            ]]]]],
        ])
    }

    /// The pod's address once its endpoint is ready, and the controller's (its published endpoint).
    func addresses(_ client: KubeClient, namespace: String) async throws -> (pod: String, ingress: String) {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let slices = try await client.list(.endpointslices.inNamespace(namespace), query: ["labelSelector": "kubernetes.io/service-name=web"])
            let pod = (slices["items"]?.array ?? []).flatMap { $0["endpoints"]?.array ?? [] }
                .first { $0[path: ["conditions", "ready"]]?.bool == true }?["addresses"]?[0]?.string
            let controller = try? await client.get(.endpointslices.inNamespace("kube-system"), "\(IngressAddon.serviceName)-skiff")
            if let pod, let ingress = controller?["endpoints"]?[0]?["addresses"]?[0]?.string { return (pod, ingress) }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ValidationError("nginx did not become ready within 120 s (is \(image) loaded? `skiff load image-archive`)")
    }

    /// The reference proxy's configuration: what ingress-nginx does for a plain HTTP route (HTTP/1.1 and
    /// keep-alive to the upstream, the same X-Forwarded-* headers), without its access log (Skiff's controller
    /// writes none per request either).
    static func nginxProxyConfiguration(upstream: String) -> String {
        """
        worker_processes auto;
        error_log /dev/stderr warn;
        events { worker_connections 1024; }
        http {
            access_log off;
            upstream web { server \(upstream):80; keepalive 64; }
            server {
                listen 80;
                location / {
                    proxy_pass http://web;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $remote_addr;
                    proxy_set_header X-Forwarded-Host $host;
                    proxy_set_header X-Forwarded-Port $server_port;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Forwarded-Scheme $scheme;
                }
            }
        }
        """
    }

    /// Deploys the reference nginx proxy in front of the pod and returns its address once it is ready.
    func deployNginxProxy(_ client: KubeClient, namespace: String, upstream: String) async throws -> String {
        _ = try await client.create(.configmaps.inNamespace(namespace), [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "proxy"],
            "data": ["nginx.conf": .string(Self.nginxProxyConfiguration(upstream: upstream))],
        ])
        _ = try await client.create(.deployments.inNamespace(namespace), [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "proxy"],
            "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "proxy"]], "template": [
                "metadata": ["labels": ["app": "proxy"]],
                "spec": [
                    "containers": [[
                        "name": "nginx", "image": .string(image), "ports": [["containerPort": 80]],
                        "command": ["nginx", "-c", "/etc/nginx/proxy/nginx.conf", "-g", "daemon off;"],
                        "volumeMounts": [["name": "conf", "mountPath": "/etc/nginx/proxy"]],
                    ]],
                    "volumes": [["name": "conf", "configMap": ["name": "proxy"]]],
                ],
            ]],
        ])
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let pods = try await client.list(.pods.inNamespace(namespace), query: ["labelSelector": "app=proxy"])
            for p in pods["items"]?.array ?? [] {
                let ready = (p[path: ["status", "conditions"]]?.array ?? []).contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" }
                if ready, let ip = p[path: ["status", "podIP"]]?.string { return ip }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ValidationError("the nginx proxy pod did not become ready within 120 s")
    }

    func measure(_ client: KubeClient, namespace: String, netns: String) async throws {
        let (pod, ingress) = try await addresses(client, namespace: namespace)
        let direct = HTTPLoadGenerator(host: pod, port: 80, hostHeader: Self.host, connections: connections, duration: .seconds(Int64(seconds)), netnsPath: netns)
        let proxied = HTTPLoadGenerator(host: ingress, port: 80, hostHeader: Self.host, connections: connections, duration: .seconds(Int64(seconds)), netnsPath: netns)
        var reference: HTTPLoadGenerator?
        if nginxProxy {
            let address = try await deployNginxProxy(client, namespace: namespace, upstream: pod)
            let warm = HTTPLoadGenerator(host: address, port: 80, hostHeader: Self.host, connections: 1, duration: .seconds(1), netnsPath: netns)
            let deadline = ContinuousClock.now + .seconds(30)
            while try await warm.run().errors > 0 {
                guard ContinuousClock.now < deadline else { throw ValidationError("the nginx proxy did not answer within 30 s") }
                try await Task.sleep(for: .milliseconds(200))
            }
            _ = try await warm.run()
            reference = HTTPLoadGenerator(host: address, port: 80, hostHeader: Self.host, connections: connections, duration: .seconds(Int64(seconds)), netnsPath: netns)
            print("nginx as the proxy: \(address):80 → \(pod):80")
        }
        // The route is in place once a request through the controller is answered by nginx.
        var warm = HTTPLoadGenerator(host: ingress, port: 80, hostHeader: Self.host, connections: 1, duration: .milliseconds(300), netnsPath: netns)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await warm.run().errors > 0 {
            guard ContinuousClock.now < deadline else { throw ValidationError("the Ingress did not route to nginx within 30 s") }
            try await Task.sleep(for: .milliseconds(200))
        }
        warm.duration = .seconds(1)
        _ = try await warm.run()
        print("nginx pod \(pod):80 vs Ingress controller \(ingress):80 (Host \(Self.host)), \(connections) connections, \(seconds) s each, from \(netns)")
        var d: [HTTPLoadGenerator.Result] = [], p: [HTTPLoadGenerator.Result] = [], n: [HTTPLoadGenerator.Result] = []
        for round in 1...rounds {
            let a = try await direct.run()
            let b = try await proxied.run()
            d.append(a)
            p.append(b)
            var line = String(format: "round %d  direct %8.0f req/s p50 %.2f ms p99 %.2f ms (errors %d) | ingress %8.0f req/s p50 %.2f ms p99 %.2f ms (errors %d)",
                              round, a.requestsPerSecond, a.percentile(50), a.percentile(99), a.errors,
                              b.requestsPerSecond, b.percentile(50), b.percentile(99), b.errors)
            if let reference {
                let c = try await reference.run()
                n.append(c)
                line += String(format: " | nginx proxy %8.0f req/s p50 %.2f ms p99 %.2f ms (errors %d)",
                               c.requestsPerSecond, c.percentile(50), c.percentile(99), c.errors)
            }
            print(line)
        }
        let median = { (xs: [Double]) in xs.sorted()[xs.count / 2] }
        let (dr, pr) = (median(d.map(\.requestsPerSecond)), median(p.map(\.requestsPerSecond)))
        let (d99, p99) = (median(d.map { $0.percentile(99) }), median(p.map { $0.percentile(99) }))
        print(String(format: "median: direct %.0f req/s, ingress %.0f req/s = %.1f%% of direct; p99 %.2f ms vs %.2f ms (+%.2f ms)",
                     dr, pr, 100 * pr / dr, d99, p99, p99 - d99))
        if !n.isEmpty {
            let (nr, n99) = (median(n.map(\.requestsPerSecond)), median(n.map { $0.percentile(99) }))
            print(String(format: "median: nginx as the proxy %.0f req/s = %.1f%% of direct; p99 %.2f ms (+%.2f ms)", nr, 100 * nr / dr, n99, n99 - d99))
        }
    }
}
