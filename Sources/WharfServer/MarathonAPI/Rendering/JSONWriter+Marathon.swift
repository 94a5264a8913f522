import WharfModel

extension JSONWriter {
    /// A timestamp as Marathon writes it (ISO-8601 UTC with milliseconds).
    mutating func timestamp(_ value: Timestamp) {
        string(value.iso8601)
    }

    /// `[1,2]`.
    mutating func intArray(_ values: [Int]) {
        beginArray()
        for value in values { int(value) }
        endArray()
    }

    /// An empty array value, `[]`.
    mutating func emptyArray() {
        beginArray()
        endArray()
    }

    /// `[{"id":"…"}, …]` (Marathon's deployment references).
    mutating func idObjects(_ ids: [String]) {
        beginArray()
        for id in ids {
            beginObject()
            key("id"); string(id)
            endObject()
        }
        endArray()
    }
}
