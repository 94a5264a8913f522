import Foundation

/// Decoding of Marathon request bodies with the error mapping and normalisation notes.
enum MarathonJSON {
    /// Parses a request body as Marathon does (`StrictJSONParser`) and, with a `schema`, reads it
    /// against Marathon's RAML type (`RAMLChecker`). Returns the canonical body for the `Codable`
    /// decoders.
    static func canonicalBody(_ data: Data, schema: RAMLType?) throws(MarathonInputError) -> Data {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { throw .emptyBody }
        var body: OrderedJSON
        do {
            body = try StrictJSONParser.parse(data)
        } catch {
            throw .malformedJSON(details: error.message)
        }
        if let schema {
            let (canonical, failures) = RAMLChecker.check(body, as: schema)
            if !failures.isEmpty { throw .invalidJSON(failures) }
            body = canonical
        }
        var writer = JSONWriter(capacity: data.count + 64)
        body.write(to: &writer)
        return writer.data
    }

    /// Decodes `T` from a request body, resolving relative ids against `base`. Returns the value and
    /// the normalisation conflicts found (to be reported with the validation errors). With a
    /// `schema`, RAML violations are thrown first, as Marathon's readers do before anything else.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, relativeTo base: PathId, schema: RAMLType? = nil)
        throws(MarathonInputError) -> (value: T, notes: [ValidationFailure])
    {
        let body = try canonicalBody(data, schema: schema)
        return try decodeCanonical(type, from: body, relativeTo: base)
    }

    /// Decodes `T` from a body that already passed `canonicalBody`.
    static func decodeCanonical<T: Decodable>(_ type: T.Type, from body: Data, relativeTo base: PathId)
        throws(MarathonInputError) -> (value: T, notes: [ValidationFailure])
    {
        let notes = DecodeNotes()
        let decoder = JSONDecoder()
        decoder.userInfo[.wharfBaseGroup] = base
        decoder.userInfo[.wharfDecodeNotes] = notes
        decoder.userInfo[.wharfGroupScope] = GroupScope()
        do {
            let value = try decoder.decode(T.self, from: body)
            return (value, notes.recorded)
        } catch let error as DecodingError {
            throw MarathonInputError(decodingError: error)
        } catch let error as MarathonInputError {
            throw error
        } catch {
            throw .malformedJSON(details: String(describing: error))
        }
    }
}

extension MarathonInputError {
    /// The first JSON value of a request body, re-written compactly, after checking it the way
    /// Marathon's parser does: empty → `.emptyBody`; not strict JSON (trailing commas, comments,
    /// `NaN`, ...) → `.malformedJSON` with the parser's message.
    public static func canonicalJSON(_ body: Data) throws(MarathonInputError) -> Data {
        try MarathonJSON.canonicalBody(body, schema: nil)
    }
}
