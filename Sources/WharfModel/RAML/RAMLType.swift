/// A type of Marathon's RAML API description (`docs/docs/rest-api/public/api/v2/types/*.raml`), as
/// far as the Play JSON readers Marathon generates from it check a request body: JSON types,
/// `minimum`/`maximum`, `minLength`/`maxLength`/`pattern`, `minItems`, enum literals (matched
/// case-insensitively), required properties and `uniqueItems` (read into a set: duplicates vanish).
///
/// `RAMLChecker` walks a body against these types; the tables are in `RAMLSchema+*.swift`.
indirect enum RAMLType: Sendable {
    /// A string; `pattern` must match it whole (Play's `Reads.pattern` uses `Regex.unapplySeq`).
    case string(minLength: Int? = nil, maxLength: Int? = nil, pattern: RAMLPattern? = nil)
    /// One of `values`, matched case-insensitively and read as the declared spelling.
    case enumeration([String])
    /// An integer; `long` for `format: int64` (otherwise a 32-bit `Int`).
    case integer(minimum: Int64? = nil, maximum: Int64? = nil, long: Bool = false)
    case number(minimum: Double? = nil, maximum: Double? = nil)
    case boolean
    /// `datetime`: an ISO 8601 string.
    case datetime
    /// An array; `unique` arrays are read into a set, `minItems` fails with `error.minLength`.
    case array(RAMLType, unique: Bool = false, minItems: Int? = nil)
    /// An object used as a map with string keys (`KVLabels`, `EnvVars`, `Secrets`).
    case map(RAMLType)
    case object(RAMLObject)
    /// `A | B | ...`: the first alternative that reads; when none does, the last one's errors.
    case union([RAMLType])
    /// A string-typed member of a union: any string reads (the generator does not check its enum).
    case anyString
    /// Defers building a recursive type (`GroupUpdate.groups`).
    case recursive(@Sendable () -> RAMLType)
}

/// A RAML regular expression, compiled once.
///
/// `@unchecked Sendable`: `Regex` is immutable after initialisation and matching only reads it.
struct RAMLPattern: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) {
        // The patterns are constants of this module; a bad one is a programming error.
        regex = try! Regex(pattern)
    }

    /// Whether the pattern matches all of `text`.
    func matches(_ text: String) -> Bool { (try? regex.wholeMatch(in: text)) != nil }
}

/// An object type and the way its generated reader treats missing and invalid members.
struct RAMLObject: Sendable {
    /// How the type generator built the object's reader (`ObjectVisitor.scala`).
    enum Reader: Sendable {
        /// Member by member with `json \ name`: a missing required member fails with
        /// `'name' is undefined on object: {...}`, and a non-object body fails every required member
        /// with `<body> is not an object`.
        case lookup
        /// `Json.format` or combinators over `__ \ name`: a missing required member fails with
        /// `error.path.missing`.
        case format
        /// Combinators with defaults (`read[T] orElse pure(default)`): an optional member that does
        /// not read silently takes its default.
        case withDefaults
    }

    var fields: [RAMLField]
    var reader: Reader = .lookup
}

/// A property of an object type.
struct RAMLField: Sendable {
    var name: String
    var type: RAMLType
    /// Declared without `?` and without a default.
    var required: Bool

    init(_ name: String, _ type: RAMLType, required: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
    }
}

extension RAMLType {
    /// A port number 0...65535 (`numbers.AnyPort`).
    static let anyPort = RAMLType.integer(minimum: 0, maximum: 65535)
    /// A non-negative 32-bit integer.
    static let nonNegative = RAMLType.integer(minimum: 0)
    /// `label.KVLabels`.
    static let labels = RAMLType.map(.string())
    /// `strings.LegacyName`: port and port-mapping names.
    static let legacyName = RAMLType.string(minLength: 1, pattern: RAMLPattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))
    /// `strings.PathId`.
    static let pathId = RAMLType.string(minLength: 1, pattern: RAMLPattern(
        #"^(\/?((\.\.)|(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9]))?($|\/))+$"#))
    /// `strings.Path` and `strings.Uri`.
    static let path = RAMLType.string(minLength: 1, maxLength: 1024)
    /// `strings.NetworkProtocol`.
    static let networkProtocol = RAMLType.enumeration(["tcp", "udp", "udp,tcp"])
    /// `strings.ReadMode`.
    static let readMode = RAMLType.enumeration(["RO", "RW"])
    /// `strings.HttpScheme`.
    static let httpScheme = RAMLType.enumeration(["HTTP", "HTTPS"])
}
