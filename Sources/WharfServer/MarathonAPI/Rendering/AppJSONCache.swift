import HashTreeCollections
import WharfDiscovery
import WharfModel

/// Marathon JSON of app definitions, encoded once per app version and reused by every request.
///
/// The control plane stamps every stored change with a new `version` (and `versionInfo`), so for a
/// stored definition those two identify the bytes; definitions without a version (not stored) are
/// compared in full. `GET /v2/apps` with 1,000 apps then costs lookups instead of encoding 1,000
/// definitions.
final class AppJSONCache: Sendable {
    /// What is cached of one app version. A class: a lookup hands out a reference, not a copy of
    /// the definition and its arrays (10,000 apps per `GET /v2/apps`).
    final class Entry: Sendable {
        let app: AppDefinition
        let json: [UInt8]
        /// `CatalogService.labelErrors(of: app)`, which parses the labels.
        let labelErrors: [String]

        fileprivate init(app: AppDefinition, json: [UInt8], labelErrors: [String]) {
            self.app = app
            self.json = json
            self.labelErrors = labelErrors
        }
    }

    private let entries = LockedValue<[PathId: Entry]>([:])

    init() {}

    /// Encodes `app` without the cache, in Marathon's GET shape (`AppDefinition.writeJSON`).
    static func encode(_ app: AppDefinition) -> [UInt8] {
        var w = JSONWriter(capacity: 1024)
        app.writeJSON(to: &w)
        return w.bytes
    }

    /// A per-request view: lookups read a snapshot taken once; misses are written back by `commit`.
    struct Session {
        fileprivate var snapshot: [PathId: Entry]
        fileprivate var misses: [PathId: Entry] = [:]

        /// The JSON object of `app`.
        mutating func json(for app: AppDefinition) -> [UInt8] {
            entry(for: app).json
        }

        /// The JSON of `app` and why some of its discovery labels were rejected
        /// (`CatalogService.labelErrors`).
        mutating func entry(for app: AppDefinition) -> Entry {
            if let hit = snapshot[app.id], AppJSONCache.same(hit.app, app) { return hit }
            if let hit = misses[app.id], AppJSONCache.same(hit.app, app) { return hit }
            let entry = Entry(app: app, json: AppJSONCache.encode(app), labelErrors: CatalogService.labelErrors(of: app))
            misses[app.id] = entry
            return entry
        }
    }

    /// Whether `a` and `b` are the same definition: same version stamps when stored, else equal.
    fileprivate static func same(_ a: AppDefinition, _ b: AppDefinition) -> Bool {
        if let version = a.version, b.version == version { return a.versionInfo == b.versionInfo }
        return a == b
    }

    func session() -> Session {
        Session(snapshot: entries.withLock { $0 })
    }

    /// Stores what a session encoded, and drops entries of apps that no longer exist.
    func commit(_ session: Session, liveApps: TreeDictionary<PathId, AppDefinition>) {
        guard !session.misses.isEmpty else { return }
        entries.withLock { entries in
            for (id, entry) in session.misses where liveApps[id].map({ Self.same($0, entry.app) }) == true {
                entries[id] = entry
            }
            if entries.count > liveApps.count + 64 {
                entries = entries.filter { liveApps[$0.key] != nil }
            }
        }
    }
}
