import Crypto
import FoundationEssentials
package import LandModel
import LandStore
package import Logging

/// API keys. A key reads `zk_<key id>_<secret>`: the key id (16 hex digits) finds the row, the
/// secret (64 hex digits, 256 random bits) proves possession. The store keeps a random 16-byte
/// salt and SHA-256(salt ‖ secret); a presented key is hashed the same way and compared in
/// constant time. Keys are read from the database on every use, so one created or revoked by
/// `zamin keys` against a running server's database counts at once, without a restart.
package enum APIKeys {
    /// A key as `zamin keys create` prints it, once.
    package struct NewKey: Sendable {
        package var name: String
        package var role: KeyRole
        package var keyID: String
        /// The whole key to give the holder. Never logged, never stored.
        package var token: String
    }

    /// Who a verified key belongs to.
    package struct Holder: Sendable, Equatable {
        package var name: String
        package var role: KeyRole
    }

    /// A listed key: no secret, no hash.
    package struct Listing: Sendable {
        package var keyID: String
        package var name: String
        package var role: String
        package var createdAt: String
        package var revokedAt: String?
    }

    /// A fresh key and the row that stores it.
    static func make(name: String, role: KeyRole) -> (key: NewKey, row: StoredKey) {
        let keyID = Hex.string(randomBytes(8))
        let secret = Hex.string(randomBytes(32))
        let salt = randomBytes(16)
        let row = StoredKey(
            keyID: keyID, name: name, role: role, salt: salt, secretHash: hash(salt: salt, secret: secret),
            createdAt: Timestamp.now())
        return (NewKey(name: name, role: role, keyID: keyID, token: "zk_\(keyID)_\(secret)"), row)
    }

    /// The holder of `token`, or nil when it is malformed, unknown, revoked or its secret is wrong.
    static func verify(_ token: String, in store: LandStore) async throws(StoreError) -> Holder? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "zk", parts[1].count == 16, parts[2].count == 64 else { return nil }
        guard let row = try await store.key(id: String(parts[1])), row.revokedAt == nil else { return nil }
        let presented = hash(salt: row.salt, secret: String(parts[2]))
        guard constantTimeEqual(presented, row.secretHash) else { return nil }
        return Holder(name: row.name, role: row.role)
    }

    static func hash(salt: [UInt8], secret: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(secret.utf8))
        return Array(hasher.finalize())
    }

    /// Equal lengths are compared without an early exit, so the time does not tell how many
    /// leading bytes matched.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }


    // MARK: - administration (`zamin keys`, against the database file)

    /// The role names `zamin keys create --role` accepts.
    package static let roleNames = KeyRole.allCases.map(\.rawValue)

    package static func create(databaseAt path: String, name: String, roleName: String, actor: String, logger: Logger) async throws(ServiceError) -> NewKey {
        let made = make(name: name, role: KeyRole(rawValue: roleName) ?? .planner)
        do {
            let store = try LandStore(path: path, create: false, readerCount: 1, logger: logger)
            try await store.insertKey(made.row, actor: actor)
        } catch .conflict {
            throw .keyNameTaken
        } catch {
            throw .store(error)
        }
        return made.key
    }

    package static func revoke(databaseAt path: String, name: String, actor: String, logger: Logger) async throws(ServiceError) {
        let revoked: Bool
        do {
            let store = try LandStore(path: path, create: false, readerCount: 1, logger: logger)
            revoked = try await store.revokeKey(named: name, actor: actor)
        } catch {
            throw .store(error)
        }
        guard revoked else { throw .keyNotFound }
    }

    package static func list(databaseAt path: String, logger: Logger) async throws(ServiceError) -> [Listing] {
        do {
            let store = try LandStore(path: path, create: false, readerCount: 1, logger: logger)
            return try await store.allKeys().map {
                Listing(keyID: $0.keyID, name: $0.name, role: $0.role.rawValue, createdAt: $0.createdAt, revokedAt: $0.revokedAt)
            }
        } catch {
            throw .store(error)
        }
    }
}

extension LandServices {
    /// The holder of a bearer key, or nil when the key is not valid now. Looked up per call.
    package func keyHolder(bearer token: String) async throws(ServiceError) -> APIKeys.Holder? {
        do { return try await APIKeys.verify(token, in: store) } catch { throw .store(error) }
    }

    /// Creates a key in this server's database (tests and tools; `zamin keys create` uses
    /// `APIKeys.create(databaseAt:…)`).
    package func createKey(name: String, role: KeyRole, actor: String) async throws(ServiceError) -> APIKeys.NewKey {
        let made = APIKeys.make(name: name, role: role)
        do {
            try await storeWrites.time(.createKey) { () async throws(StoreError) in try await store.insertKey(made.row, actor: actor) }
        } catch .conflict {
            throw .keyNameTaken
        } catch {
            throw .store(error)
        }
        return made.key
    }

    package func revokeKey(name: String, actor: String) async throws(ServiceError) {
        let revoked: Bool
        do {
            revoked = try await storeWrites.time(.revokeKey) { () async throws(StoreError) in try await store.revokeKey(named: name, actor: actor) }
        } catch {
            throw .store(error)
        }
        guard revoked else { throw .keyNotFound }
    }
}
