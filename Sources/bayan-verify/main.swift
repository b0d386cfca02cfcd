import BayanCore
import Foundation

/// `bayan-verify FILES…|DIRECTORY`: checks a statement's public files (keys.json,
/// manifest.json, log.json, receipts, older manifests; a mirror's directory) with no
/// database and no network. Built from BayanCore and swift-crypto alone, so anyone can
/// read, build and run it without the rest of Bayan: `swift build --product bayan-verify`.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty || arguments.contains("--help") || arguments.contains("-h") {
    print("usage: bayan-verify FILES…|DIRECTORY  (keys.json, manifest.json, log.json, receipts, older manifests)")
    exit(arguments.isEmpty ? 2 : 0)
}
var files = PublicFiles()
do {
    try files.read(arguments)
    let result = try files.verify()
    for line in result.lines { print(line) }
    exit(result.valid ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}
