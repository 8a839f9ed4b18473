package import LandModel
import GeoFormats

/// An API key row: the public key id, the salt and SHA-256(salt ‖ secret). The secret itself is
/// never stored.
package struct StoredKey: Sendable, Equatable {
    package var keyID: String
    package var name: String
    package var role: KeyRole
    package var salt: [UInt8]
    package var secretHash: [UInt8]
    package var createdAt: String
    package var revokedAt: String?

    package init(
        keyID: String, name: String, role: KeyRole, salt: [UInt8], secretHash: [UInt8], createdAt: String,
        revokedAt: String? = nil
    ) {
        self.keyID = keyID
        self.name = name
        self.role = role
        self.salt = salt
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

extension LandStore {
    /// Stores a new key with its audit record. A name already used (even by a revoked key) is a conflict.
    package func insertKey(_ key: StoredKey, actor: String) async throws(StoreError) {
        try await writer.insertKey(key, actor: actor)
    }

    /// Revokes the key named `name`; returns false when there is no such unrevoked key.
    package func revokeKey(named name: String, actor: String) async throws(StoreError) -> Bool {
        try await writer.revokeKey(named: name, actor: actor)
    }

    /// The key with this public id, read afresh from the database (so a key created or revoked
    /// by another process counts at once).
    package func key(id: String) async throws(StoreError) -> StoredKey? {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.keyByID, name: "keyByID").bind(id, at: 1).all(Self.storedKey).first
        }
    }

    package func allKeys() async throws(StoreError) -> [StoredKey] {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.allKeys, name: "allKeys").all(Self.storedKey)
        }
    }

    static func storedKey(_ row: Statement) throws(StoreError) -> StoredKey {
        guard let role = KeyRole(rawValue: row.string(2) ?? "") else {
            throw StoreError.sqlite(code: 0, statement: "storedKey", message: "a stored key has an unknown role")
        }
        return StoredKey(
            keyID: row.string(0) ?? "", name: row.string(1) ?? "", role: role, salt: row.blob(3) ?? [],
            secretHash: row.blob(4) ?? [], createdAt: row.string(5) ?? "", revokedAt: row.string(6))
    }
}

extension StoreWriter {
    func insertKey(_ key: StoredKey, actor: String) throws(StoreError) {
        try connection.transaction { () throws(StoreError) in
            let taken = try connection.cached(SQL.keyByName, name: "keyByName").bind(key.name, at: 1).all { _ in true }
            guard taken.isEmpty else { throw StoreError.conflict(what: "a key named \(key.name) exists") }
            try connection.cached(SQL.insertKey, name: "insertKey")
                .bind(key.keyID, at: 1).bind(key.name, at: 2).bind(key.role.rawValue, at: 3).bind(blob: key.salt, at: 4)
                .bind(blob: key.secretHash, at: 5).bind(key.createdAt, at: 6).run()
            var after = JSONWriter()
            after.beginObject()
            after.key("key_id"); after.string(key.keyID)
            after.key("role"); after.string(key.role.rawValue)
            after.endObject()
            try audit(at: key.createdAt, actor: actor, action: "key.create", target: "key:\(key.name)", before: nil, after: after.text)
        }
    }

    func revokeKey(named name: String, actor: String) throws(StoreError) -> Bool {
        try connection.transaction { () throws(StoreError) in
            let now = Timestamp.now()
            try connection.cached(SQL.revokeKey, name: "revokeKey").bind(name, at: 1).bind(now, at: 2).run()
            guard connection.changes == 1 else { return false }
            try audit(
                at: now, actor: actor, action: "key.revoke", target: "key:\(name)", before: "{\"revoked\":false}",
                after: "{\"revoked\":true}")
            return true
        }
    }
}
