#!/usr/bin/env bash
# DNS server throughput: builds a small standalone runner around WharfDiscovery's DNSServer
# (release, in its own scratch directory so the shared .build is not touched), fills a catalog with
# SERVICES services of INSTANCES passing instances each, and drives it with dnsperf over UDP.
#
#   bench/dns_bench.sh                      # defaults below
#   SECONDS_PER_RUN=20 CLIENTS=8 bench/dns_bench.sh
#   BUILD=debug bench/dns_bench.sh serve    # only start the runner (for dig), Ctrl-C to stop
#
# Needs dnsperf and dig (apt-get install -y dnsperf dnsutils). Prints dnsperf's summary and the server's counters.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/wharf-dns-bench}"
PORT="${PORT:-18600}"
SERVICES="${SERVICES:-100}"
INSTANCES="${INSTANCES:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}"
CLIENTS="${CLIENTS:-4}"
OUTSTANDING="${OUTSTANDING:-200}"
BUILD="${BUILD:-release}"
LISTENERS="${LISTENERS:-$(nproc)}"

mkdir -p "$WORK/Sources/DNSBenchRunner"
ln -sfn "$ROOT/Sources/WharfModel" "$WORK/Sources/WharfModel"
ln -sfn "$ROOT/Sources/WharfDiscovery" "$WORK/Sources/WharfDiscovery"
CHECKOUTS="$ROOT/.build/checkouts"

cat > "$WORK/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "dns-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: "$CHECKOUTS/swift-log"),
        .package(path: "$CHECKOUTS/swift-nio"),
        .package(path: "$CHECKOUTS/swift-service-lifecycle"),
    ],
    targets: [
        .target(name: "WharfModel"),
        .target(name: "WharfDiscovery", dependencies: [
            "WharfModel",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], exclude: ["Catalog/CatalogService+App.swift", "Catalog/RouteLabels.swift"]),
        .executableTarget(name: "DNSBenchRunner", dependencies: [
            "WharfDiscovery", "WharfModel",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ]
)
SWIFT

cat > "$WORK/Sources/DNSBenchRunner/main.swift" <<'SWIFT'
import Logging
import ServiceLifecycle
import WharfDiscovery
import WharfModel

// Arguments: port services instances udp-listeners. Serves until SIGINT/SIGTERM, then prints its counters.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 18600 : 18600
let serviceCount = arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100
let instanceCount = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
let listeners = arguments.count > 4 ? Int(arguments[4]) ?? 2 : 2

let catalog = Catalog(datacenter: "dc1")
catalog.setNodes((0 ..< 10).map { CatalogNode(name: "agent-\($0)", address: "10.0.0.\($0 + 1)") })
var apps: [PathId: [CatalogService]] = [:]
for index in 0 ..< serviceCount {
    let endpoints = (0 ..< instanceCount).map { instance in
        CatalogEndpoint(instanceId: "svc\(index).\(instance)", taskId: "svc\(index).\(instance).1", node: "agent-\((index + instance) % 10)",
                        address: "10.0.0.\((index + instance) % 10 + 1)", port: 20000 + instance, health: .passing, output: "ok")
    }
    apps[PathId("/svc\(index)")] = [CatalogService(name: "svc\(index)", appId: PathId("/svc\(index)"), portIndex: 0, portName: nil,
                                                   servicePort: 10000 + index, portProtocol: "tcp", tags: ["v1"], meta: [:],
                                                   httpRoutes: [], routeErrors: [], endpoints: endpoints)]
}
catalog.replace(apps)

var logger = Logger(label: "dns-bench")
logger.logLevel = .warning
let server = DNSServer(configuration: DNSConfiguration(bindAddress: "127.0.0.1", port: port, extraDomains: ["wharf"],
                                                        udpListeners: listeners),
                       catalog: catalog, logger: logger)
let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
Task {
    let bound = try await server.boundPort()
    print("listening \(bound)")
}
try await group.run()
print("stats \(server.stats)")
SWIFT

cd "$WORK"
swift build -c "$BUILD" --product DNSBenchRunner 2>&1 | tail -3
RUNNER="$WORK/.build/$BUILD/DNSBenchRunner"

if [[ "${1:-}" == "serve" ]]; then
    exec "$RUNNER" "$PORT" "$SERVICES" "$INSTANCES" "$LISTENERS"
fi

command -v dnsperf >/dev/null || { echo "dnsperf not installed (apt-get install -y dnsperf)" >&2; exit 1; }
"$RUNNER" "$PORT" "$SERVICES" "$INSTANCES" "$LISTENERS" > "$WORK/runner.log" &
RUNNER_PID=$!
trap 'kill -INT $RUNNER_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    dig @127.0.0.1 -p "$PORT" +short +tries=1 +time=1 svc0.service.consul A 2>/dev/null | grep -q . && break
    sleep 0.1
done

# Query mixes: A only, then SRV only (3 answers + 3 additional), then a mix with misses.
: > "$WORK/a.txt"; : > "$WORK/srv.txt"; : > "$WORK/mix.txt"
for index in $(seq 0 $((SERVICES - 1))); do
    echo "svc$index.service.consul A" >> "$WORK/a.txt"
    echo "svc$index.service.consul SRV" >> "$WORK/srv.txt"
    echo "svc$index.service.consul A" >> "$WORK/mix.txt"
    echo "_svc$index._tcp.service.wharf SRV" >> "$WORK/mix.txt"
    echo "missing$index.service.consul A" >> "$WORK/mix.txt"
    echo "agent-$((index % 10)).node.consul A" >> "$WORK/mix.txt"
done

# CPU time (user + system, in clock ticks) the runner has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$RUNNER_PID/stat"; }
TICKS_PER_SECOND="$(getconf CLK_TCK)"

for mix in a srv mix; do
    echo "== $mix: dnsperf -s 127.0.0.1 -p $PORT -d $WORK/$mix.txt -l $SECONDS_PER_RUN -c $CLIENTS -q $OUTSTANDING"
    before="$(cpu_ticks)"
    dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/$mix.txt" -l "$SECONDS_PER_RUN" -c "$CLIENTS" -q "$OUTSTANDING" > "$WORK/$mix.out"
    after="$(cpu_ticks)"
    grep -E "Queries completed|Queries lost|Response codes|Queries per second|Average Latency|Latency StdDev" "$WORK/$mix.out"
    completed="$(awk '/Queries completed/ { print $3 }' "$WORK/$mix.out")"
    # Server CPU per query: independent of how busy the rest of the machine is.
    awk -v ticks=$((after - before)) -v hz="$TICKS_PER_SECOND" -v n="$completed" \
        'BEGIN { printf "  Server CPU:           %.1f s, %.2f us per query\n", ticks / hz, ticks / hz * 1e6 / n }'
done
kill -INT $RUNNER_PID
wait $RUNNER_PID || true
trap - EXIT
cat "$WORK/runner.log"
