import Foundation

/// Reads a request body the way Marathon's generated Play JSON readers do, before any normalisation
/// or validation: every violation of the RAML types (wrong JSON type, value below `minimum`, string
/// not matching its `pattern`, unknown enum literal, missing required member) is collected with
/// Play's error code at its path, and Marathon answers them all with 422 "Invalid JSON".
///
/// The result is the canonical body the `Codable` decoders read: enum literals in their declared
/// spelling, `uniqueItems` arrays without duplicates, optional `null` members removed, and invalid
/// members of default-filling readers dropped (they take their default, as in Marathon).
struct RAMLChecker {
    private(set) var failures: [ValidationFailure] = []

    /// Play's error codes.
    enum Code {
        static let min = "error.min"
        static let max = "error.max"
        static let minLength = "error.minLength"
        static let maxLength = "error.maxLength"
        static let pattern = "error.pattern"
        static let int = "error.expected.int"
        static let long = "error.expected.long"
        static let date = "error.expected.date"
        static let isoDate = "error.expected.date.isoformat"
    }

    /// Checks `body` against `type`; the canonical body, and the failures in `failures`.
    static func check(_ body: OrderedJSON, as type: RAMLType) -> (body: OrderedJSON, failures: [ValidationFailure]) {
        var checker = RAMLChecker()
        let canonical = checker.read(body, as: type, at: [])
        return (canonical, ValidationFailure.merged(checker.failures))
    }

    private mutating func fail(_ path: [any CodingKey], _ code: String) {
        failures.append(ValidationFailure(path: MarathonPath.render(path), code))
    }

    /// Reads `value` as `type`; returns the canonical value (failures are recorded).
    private mutating func read(_ value: OrderedJSON, as type: RAMLType, at path: [any CodingKey]) -> OrderedJSON {
        switch type {
        case .string(let minLength, let maxLength, let pattern):
            guard let text = value.stringValue else {
                fail(path, PlayErrorCode.expectedString)
                return value
            }
            let length = text.utf16.count
            if let minLength, length < minLength { fail(path, Code.minLength) }
            if let maxLength, length > maxLength { fail(path, Code.maxLength) }
            if let pattern, !pattern.matches(text) { fail(path, Code.pattern) }
            return value
        case .anyString:
            if value.stringValue == nil { fail(path, PlayErrorCode.expectedString) }
            return value
        case .enumeration(let literals):
            guard let text = value.stringValue, let literal = literals.first(where: { $0.lowercased() == text.lowercased() }) else {
                fail(path, PlayErrorCode.unknownEnumLiteral)
                return value
            }
            return .string(literal)
        case .integer(let minimum, let maximum, let long):
            guard case .number(let text) = value else {
                fail(path, PlayErrorCode.expectedNumber)
                return value
            }
            guard let number = Self.integer(text), long || Int64(Int32.min)...Int64(Int32.max) ~= number else {
                fail(path, long ? Code.long : Code.int)
                return value
            }
            if let minimum, number < minimum { fail(path, Code.min) }
            if let maximum, number > maximum { fail(path, Code.max) }
            return .number(String(number))
        case .number(let minimum, let maximum):
            guard let number = value.doubleValue else {
                fail(path, PlayErrorCode.expectedNumber)
                return value
            }
            if let minimum, number < minimum { fail(path, Code.min) }
            if let maximum, number > maximum { fail(path, Code.max) }
            return value
        case .boolean:
            if case .bool = value { return value }
            fail(path, PlayErrorCode.expectedBoolean)
            return value
        case .datetime:
            guard let text = value.stringValue else {
                fail(path, Code.date)
                return value
            }
            if Timestamp(iso8601: text) == nil { fail(path, Code.isoDate) }
            return value
        case .array(let element, let unique, let minItems):
            guard case .array(let elements) = value else {
                fail(path, PlayErrorCode.expectedArray)
                return value
            }
            var out: [OrderedJSON] = []
            for (index, item) in elements.enumerated() {
                let canonical = read(item, as: element, at: path + [AnyKey(index: index)])
                if !unique || !out.contains(canonical) { out.append(canonical) }
            }
            if let minItems, out.count < minItems { fail(path, Code.minLength) }
            return .array(out)
        case .map(let element):
            guard let members = value.members else {
                fail(path, PlayErrorCode.expectedObject)
                return value
            }
            var out = OrderedMembers()
            for (key, item) in members { out[key] = read(item, as: element, at: path + [AnyKey(key)]) }
            return .object(out)
        case .object(let object):
            return read(value, as: object, at: path)
        case .union(let alternatives):
            var last: (value: OrderedJSON, failures: [ValidationFailure]) = (value, [])
            for alternative in alternatives {
                var attempt = RAMLChecker()
                let canonical = attempt.read(value, as: alternative, at: path)
                if attempt.failures.isEmpty { return canonical }
                last = (canonical, attempt.failures)
            }
            failures += last.failures
            return last.value
        case .recursive(let build):
            return read(value, as: build(), at: path)
        }
    }

    private mutating func read(_ value: OrderedJSON, as object: RAMLObject, at path: [any CodingKey]) -> OrderedJSON {
        guard let members = value.members else {
            switch object.reader {
            case .lookup:
                for field in object.fields where field.required {
                    fail(path + [AnyKey(field.name)], "\(value.compactText) is not an object")
                }
            case .format, .withDefaults:
                let required = object.fields.filter(\.required)
                if required.isEmpty { fail(path, PlayErrorCode.expectedObject) }
                for field in required { fail(path + [AnyKey(field.name)], PlayErrorCode.pathMissing) }
            }
            return value
        }
        var out = members
        for field in object.fields {
            let fieldPath = path + [AnyKey(field.name)]
            guard let member = members[field.name] else {
                if field.required { fail(fieldPath, missing(field.name, in: value, reader: object.reader)) }
                continue
            }
            if member == .null, !field.required {
                out[field.name] = nil
                continue
            }
            if object.reader == .withDefaults, !field.required {
                var attempt = RAMLChecker()
                let canonical = attempt.read(member, as: field.type, at: fieldPath)
                out[field.name] = attempt.failures.isEmpty ? canonical : nil
                continue
            }
            out[field.name] = read(member, as: field.type, at: fieldPath)
        }
        return .object(out)
    }

    private func missing(_ name: String, in object: OrderedJSON, reader: RAMLObject.Reader) -> String {
        switch reader {
        case .lookup: "'\(name)' is undefined on object: \(object.compactText)"
        case .format, .withDefaults: PlayErrorCode.pathMissing
        }
    }

    /// The value of an integral JSON number (`2`, `2.0`, `1e3`), or nil when it has a fraction or
    /// does not fit 64 bits (Play's `isValidInt`/`isValidLong`).
    private static func integer(_ text: String) -> Int64? {
        if let exact = Int64(text) { return exact }
        guard let number = Double(text), number.rounded() == number, abs(number) < 9.2e18,
              let decimal = Decimal(string: text), decimal == Decimal(Int64(number)) else { return nil }
        return Int64(number)
    }
}
