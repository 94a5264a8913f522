import WharfModel

/// The filters of `GET /v2/apps` (`AppsResource.index`): `id` and `cmd` are case-insensitive
/// substrings, `label` a `LabelSelector`. Absent or empty parameters do not filter.
struct AppFilter: Sendable {
    var id: String?
    var cmd: String?
    var label: LabelSelector?

    init(id: String? = nil, cmd: String? = nil, label: LabelSelector? = nil) {
        self.id = id.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        self.cmd = cmd.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        self.label = label
    }

    /// Reads the filters from a query; a malformed selector throws `LabelSelector.ParseError` (422).
    init(query: QueryParameters) throws {
        let selector = try query["label"].flatMap { $0.isEmpty ? nil : try LabelSelector(parsing: $0) }
        self.init(id: query["id"], cmd: query["cmd"], label: selector)
    }

    /// Whether `app` passes; `idText` is its id as a string (computed once by the caller).
    func matches(_ app: AppDefinition, idText: String) -> Bool {
        if let id, !idText.lowercased().contains(id) { return false }
        if let cmd {
            guard let appCmd = app.cmd, appCmd.lowercased().contains(cmd) else { return false }
        }
        if let label, !label.matches(app.labels) { return false }
        return true
    }
}
