import Crypto
import Foundation
import WharfEtcd
import WharfModel

/// The record that ties an etcd prefix to one Wharf cluster (`<prefix>cluster`): written by the
/// first server, checked by every server that starts, so that a server given another `--token`
/// than its peers is refused with a clear message instead of fighting them for agents.
///
/// It holds a fingerprint of the token (SHA-256 of a fixed label and the token), never the token.
struct ClusterMarker: Codable, Equatable {
    /// A random id of the cluster, told to agents in welcomes.
    var clusterId: String
    var tokenFingerprint: String
    var createdAt: Timestamp

    static func fingerprint(of token: String) -> String {
        SHA256.hash(data: Data("wharf-cluster-token:\(token)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes the marker if the prefix has none, else checks that `token` is the cluster's. Returns
    /// the cluster's marker.
    static func claim(client: EtcdClient, configuration: HAConfiguration, token: String) async throws -> ClusterMarker {
        let mine = ClusterMarker(clusterId: UUID().uuidString.lowercased(), tokenFingerprint: fingerprint(of: token), createdAt: .now())
        let key = configuration.clusterKey
        let result = try await client.txn(
            compare: [EtcdCompare(key: key, target: .create(0))],
            success: [.put(key: key, value: try JSONEncoder().encode(mine))],
            failure: [.range(EtcdRangeRequest(key: key))])
        if result.succeeded { return mine }
        guard case let .range(found)? = result.responses.first, let kv = found.kvs.first else {
            throw ClusterMarkerError(description: "etcd answered the claim of \(key) without its value; retrying")
        }
        let marker: ClusterMarker
        do {
            marker = try JSONDecoder().decode(ClusterMarker.self, from: kv.value)
        } catch {
            throw ClusterMarkerError(description: "\(key) in etcd is not a Wharf cluster record (\(error)): "
                + "is --etcd-prefix \(configuration.prefix) used by something else? Choose another prefix")
        }
        guard marker.tokenFingerprint == mine.tokenFingerprint else {
            throw ClusterMarkerError(description: "the servers on etcd prefix \(configuration.prefix) use another --token: "
                + "give this server the cluster's token, or another --etcd-prefix to start a separate cluster")
        }
        return marker
    }
}

/// This server cannot join the cluster on its prefix.
struct ClusterMarkerError: Error, CustomStringConvertible {
    var description: String
}
