/// A JSON value (RFC 8259 §3). Numbers are `Double` (RFC 8259 §6 allows that limit); a number
/// too large for a `Double`, such as `1e999`, reads as ±infinity, which the writers write as `null`.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    package var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    package var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    package var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    package var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// One member of a JSON object (RFC 8259 §4).
package struct JSONMember: Sendable, Equatable {
    package var key: String
    package var value: JSONValue

    package init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON object with its members in document order (RFC 8259 §4), so what is read can be
/// written back with the same key order. Equality compares members in order.
package struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// A struct rather than a tuple: an array of tuples needs its type metadata looked up at
    /// run time, which cost 8 % of the reader's time on the Tehran parcels.
    package var members: [JSONMember]

    package init() { members = [] }

    package init(_ members: [JSONMember]) { self.members = members }

    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { JSONMember(key: $0.0, value: $0.1) }
    }

    package var count: Int { members.count }
    package var isEmpty: Bool { members.isEmpty }

    /// The value of the last member named `key`: RFC 8259 §4 leaves duplicate names to the
    /// reader, and the last one wins as in ECMAScript's `JSON.parse`. Setting replaces that
    /// member in place or appends a new one; setting nil removes every member named `key`.
    package subscript(key: String) -> JSONValue? {
        get {
            var index = members.count - 1
            while index >= 0 {
                if members[index].key == key { return members[index].value }
                index -= 1
            }
            return nil
        }
        set {
            guard let newValue else {
                members.removeAll { $0.key == key }
                return
            }
            if let index = members.lastIndex(where: { $0.key == key }) {
                members[index].value = newValue
            } else {
                members.append(JSONMember(key: key, value: newValue))
            }
        }
    }
}

/// Literals for the JSON written by hand (schemas of the API definition): `"string"`, `0`, `["a"]`.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByBooleanLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(Double(value)) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
}
