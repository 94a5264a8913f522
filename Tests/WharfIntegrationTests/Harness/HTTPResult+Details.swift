/// Reading Marathon's validation errors (`{"message", "details": [{"path", "errors"}]}`).
extension HTTPResult {
    /// The `path`s of `details`.
    var detailPaths: Set<String> {
        Set(json["details"]?.array?.compactMap { $0["path"]?.string } ?? [])
    }
}
