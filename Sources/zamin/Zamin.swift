import ArgumentParser

@main
struct Zamin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zamin",
        abstract: "Zamin (زمین): a land and property information server for cities.",
        subcommands: [Serve.self, Import.self, Keys.self, Backup.self, Check.self])
}
