import ArgumentParser

@main
struct TapioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tapio",
        abstract: "Tapio: predicts container and node OOM kills from kernel memory telemetry.",
        subcommands: [CheckCommand.self, ReplayCommand.self, DumpCommand.self])
}
