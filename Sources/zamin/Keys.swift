import ArgumentParser
import LandService
import Logging

/// `zamin keys create|list|revoke`: API keys for planners and admins, written straight into the
/// database, so a running server sees a new or revoked key on its next request.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (works on the database of a running server).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it once; only a salted hash is stored.")

        @OptionGroup var store: StoreOptions
        @Option(help: "reporter_app (Open311 apps), operator (problem reports), planner or admin.") var role: String
        @Option(help: "A unique name for the key's holder; it is what the audit log records.") var name: String

        func validate() throws {
            guard APIKeys.roleNames.contains(role) else { throw ValidationError("--role must be one of \(APIKeys.roleNames.joined(separator: ", "))") }
            guard !name.isEmpty, name.count <= 100, !name.contains(where: \.isNewline) else {
                throw ValidationError("--name must be 1…100 characters on one line")
            }
        }

        func run() async throws {
            Output.bootstrapLogging(level: .warning)
            let location = try store.location()
            do {
                let key = try await APIKeys.create(
                    databaseAt: location, name: name, roleName: role, actor: "cli:keys", logger: Logger(label: "zamin.keys"))
                Output.line(key.token)
                Output.error("created \(role) key '\(name)' (id \(key.keyID)); it is shown only this once")
            } catch .keyNameTaken {
                Output.error("a key named '\(name)' exists; choose another name")
                throw ExitCode(1)
            } catch {
                Output.error("cannot create the key: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys: id, name, role, created, revoked (never secrets).")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            Output.bootstrapLogging(level: .warning)
            let location = try store.location()
            do {
                for key in try await APIKeys.list(databaseAt: location, logger: Logger(label: "zamin.keys")) {
                    Output.line("\(key.keyID)\t\(key.name)\t\(key.role)\t\(key.createdAt)\t\(key.revokedAt.map { "revoked \($0)" } ?? "active")")
                }
            } catch {
                Output.error("cannot list keys: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by name; it stops working at once.")

        @OptionGroup var store: StoreOptions
        @Option(help: "The key's name.") var name: String

        func run() async throws {
            Output.bootstrapLogging(level: .warning)
            let location = try store.location()
            do {
                try await APIKeys.revoke(databaseAt: location, name: name, actor: "cli:keys", logger: Logger(label: "zamin.keys"))
                Output.line("revoked key '\(name)'")
            } catch .keyNotFound {
                Output.error("no active key named '\(name)'")
                throw ExitCode(1)
            } catch {
                Output.error("cannot revoke the key: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
