import Foundation

/// The web map's files (`Sources/LandAPI/Web`, copied into the `zamin_LandAPI.resources` bundle
/// that SwiftPM puts beside the binary), read once into memory when the router is built.
///
/// Why the bundle and not Swift byte arrays: the files stay plain HTML/JS/CSS that anyone can
/// edit without a generator, and `swift build` copies them on every build, so nothing can drift.
/// `Bundle.module` looks beside the executable first (where `scripts/serve` and `swift test` run
/// it), then in the build folder; a binary moved without its `zamin_LandAPI.resources` folder
/// stops at startup with both paths in the message, not on a citizen's first page view.
struct WebAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
        /// A strong validator for `If-None-Match` (RFC 9110 §8.8.3): FNV-1a 64 of the bytes.
        let entityTag: String
    }

    /// Relative path under `Web/` (`vendor/leaflet/leaflet.css`) → file.
    let files: [String: Asset]

    static func loadBundled() -> WebAssets {
        guard let root = Bundle.module.url(forResource: "Web", withExtension: nil) else {
            return WebAssets(files: [:])
        }
        return load(from: root)
    }

    static func load(from root: URL) -> WebAssets {
        var files: [String: Asset] = [:]
        let rootPath = root.standardizedFileURL.path
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
                let data = FileManager.default.contents(atPath: url.path)
            else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(rootPath.count + 1))
            let bytes = [UInt8](data)
            files[path] = Asset(bytes: bytes, contentType: contentType(of: path), entityTag: entityTag(of: bytes))
        }
        return WebAssets(files: files)
    }

    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": return "text/html; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "png": return "image/png"
        case "svg": return "image/svg+xml"
        case "json": return "application/json"
        case "woff2": return "font/woff2"
        default: return "text/plain; charset=utf-8"
        }
    }

    static func entityTag(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return "\"" + String(hash, radix: 16) + "\""
    }
}
