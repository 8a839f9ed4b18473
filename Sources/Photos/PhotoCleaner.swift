/// A citizen's photo made safe to keep and publish: its type read from its bytes (never from the
/// name or the header the client sent), and everything but the picture dropped — EXIF (GPS
/// position, camera serial number, owner's name), XMP, IPTC, ICC profiles and comments, where a
/// phone puts who took the picture and where they stood. What remains decodes to the same pixels.
///
/// JPEG (ITU-T T.81 Annex B): every segment is walked, between the scans of a progressive JPEG
/// too; APP0 (JFIF) and APP14 (Adobe, which says how the colours are coded) are kept with the
/// tables, frame and scan headers; APP1–APP13, APP15 and COM are dropped wherever they are; each
/// scan's entropy-coded data is copied as it is (up to the next marker that is neither a
/// stuffed 0xFF00 nor a restart); nothing after the end of image is kept (a phone's appended
/// video or maker trailer can carry the place a picture was taken). PNG (ISO/IEC 15948 §5): the chunks are walked and their CRCs checked; the
/// critical chunks and those that change how pixels look (tRNS, gAMA, cHRM, sRGB, sBIT, bKGD,
/// pHYs) are kept; text (tEXt, zTXt, iTXt), eXIf, tIME, iCCP and anything unknown are dropped.
public enum PhotoCleaner {
    public enum MediaType: String, Sendable {
        case jpeg = "image/jpeg"
        case png = "image/png"

        public var fileExtension: String { self == .jpeg ? "jpg" : "png" }
    }

    public enum Problem: Error, Sendable, Equatable {
        /// Neither a JPEG nor a PNG by its first bytes.
        case notJPEGOrPNG
        /// It starts as one but its structure is broken (a segment or chunk runs past the end, a CRC is wrong).
        case damaged
    }

    public struct CleanPhoto: Sendable {
        public var mediaType: MediaType
        public var bytes: [UInt8]
    }

    /// The type the bytes are, by their signature; nil for anything else.
    public static func mediaType(of bytes: [UInt8]) -> MediaType? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, Array(bytes[0..<8]) == pngSignature { return .png }
        return nil
    }

    public static func clean(_ bytes: [UInt8]) throws(Problem) -> CleanPhoto {
        switch mediaType(of: bytes) {
        case .jpeg: CleanPhoto(mediaType: .jpeg, bytes: try cleanJPEG(bytes))
        case .png: CleanPhoto(mediaType: .png, bytes: try cleanPNG(bytes))
        case nil: throw .notJPEGOrPNG
        }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    // MARK: - JPEG

    static func cleanJPEG(_ bytes: [UInt8]) throws(Problem) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(bytes.count)
        var index = 2
        var sawFrame = false
        var sawScan = false
        while true {
            // Markers may be preceded by any number of 0xFF fill bytes (T.81 §B.1.1.2).
            guard index < bytes.count, bytes[index] == 0xFF else { throw .damaged }
            while index < bytes.count, bytes[index] == 0xFF { index += 1 }
            guard index < bytes.count else { throw .damaged }
            let marker = bytes[index]
            index += 1
            switch marker {
            case 0xD9:
                // End of image: the picture is whole once a scan came; what follows is not kept.
                guard sawScan else { throw .damaged }
                out += [0xFF, 0xD9]
                return out
            case 0x01, 0xD0...0xD7:
                // Standalone markers (TEM, RSTn) carry no length.
                out += [0xFF, marker]
                continue
            default:
                break
            }
            guard index + 1 < bytes.count else { throw .damaged }
            let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            guard length >= 2, index + length <= bytes.count else { throw .damaged }
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC { sawFrame = true }
            let isDropped = (0xE1...0xED).contains(marker) || marker == 0xEF || marker == 0xFE
            if !isDropped {
                out += [0xFF, marker]
                out += bytes[index..<(index + length)]
            }
            index += length
            guard marker == 0xDA else { continue }
            // Start of scan: its entropy-coded data runs to the next marker, skipping stuffed
            // zero bytes (0xFF00) and restart markers (0xFFD0–0xFFD7), which belong to it (§B.1.1.5).
            guard sawFrame else { throw .damaged }
            sawScan = true
            let start = index
            while true {
                guard index + 1 < bytes.count else { throw .damaged }
                if bytes[index] == 0xFF, bytes[index + 1] != 0x00, !(0xD0...0xD7).contains(bytes[index + 1]), bytes[index + 1] != 0xFF {
                    break
                }
                index += 1
            }
            out += bytes[start..<index]
        }
    }

    // MARK: - PNG

    /// The ancillary chunks that change how the pixels look; everything else ancillary is dropped.
    static let keptAncillaryChunks: Set<String> = ["tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs"]

    static func cleanPNG(_ bytes: [UInt8]) throws(Problem) -> [UInt8] {
        var out = pngSignature
        out.reserveCapacity(bytes.count)
        var index = 8
        var sawHeader = false
        while index + 12 <= bytes.count {
            let length = Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard length <= 0x7FFF_FFFF, index + 12 + length <= bytes.count else { throw .damaged }
            let typeBytes = Array(bytes[(index + 4)..<(index + 8)])
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { throw .damaged }
            let type = String(decoding: typeBytes, as: UTF8.self)
            let end = index + 12 + length
            let storedCRC = UInt32(bytes[end - 4]) << 24 | UInt32(bytes[end - 3]) << 16 | UInt32(bytes[end - 2]) << 8 | UInt32(bytes[end - 1])
            guard crc32(bytes[(index + 4)..<(end - 4)]) == storedCRC else { throw .damaged }
            if !sawHeader {
                guard type == "IHDR" else { throw .damaged }
                sawHeader = true
            }
            // Bit 5 of the first letter: lower case is ancillary (§5.4).
            let isCritical = typeBytes[0] & 0x20 == 0
            if isCritical {
                // An unknown critical chunk cannot be dropped without breaking the picture (§5.4).
                guard ["IHDR", "PLTE", "IDAT", "IEND"].contains(type) else { throw .damaged }
                out += bytes[index..<end]
            } else if keptAncillaryChunks.contains(type) {
                out += bytes[index..<end]
            }
            index = end
            if type == "IEND" { return out }
        }
        throw .damaged
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
