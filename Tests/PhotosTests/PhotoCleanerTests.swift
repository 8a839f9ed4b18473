import Photos
import Testing

/// Hand-built files: each segment and chunk written out byte by byte, so what must go and what
/// must stay is known without the cleaner's help. (The e2e test uploads a real camera-style JPEG
/// with GPS tags, made by Pillow, and reads the stored file back with Pillow.)
@Suite("PhotoCleaner")
struct PhotoCleanerTests {
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    static let jfif = segment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
    static let exif = segment(0xE1, Array("Exif".utf8) + [0, 0] + Array("GPS 35.7N 51.4E serial 1234".utf8))
    static let xmp = segment(0xE1, Array("http://ns.adobe.com/xap/1.0/".utf8) + [0] + Array("<x:xmpmeta/>".utf8))
    static let comment = segment(0xFE, Array("taken by Ali".utf8))
    static let quantization = segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
    static let frame = segment(0xC0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
    static let scan = segment(0xDA, [1, 1, 0, 0, 63, 0]) + [0x12, 0x34, 0xFF, 0x00, 0x56] + [0xFF, 0xD9]

    @Test("a JPEG keeps its tables, frame and scan and loses EXIF, XMP and comments")
    func jpeg() throws {
        let original = [0xFF, 0xD8] + Self.jfif + Self.exif + Self.xmp + Self.comment + Self.quantization + Self.frame + Self.scan
        let clean = try PhotoCleaner.clean(original)
        #expect(clean.mediaType == .jpeg)
        #expect(clean.bytes == [0xFF, 0xD8] + Self.jfif + Self.quantization + Self.frame + Self.scan)
    }

    @Test("between progressive scans a comment or EXIF goes, tables and restarts stay; nothing after the end of image is kept")
    func progressive() throws {
        let firstScan = Self.segment(0xDA, [1, 1, 0, 0, 0, 0]) + [0x01, 0xFF, 0x00, 0xFF, 0xD0, 0x02]
        let table = Self.segment(0xC4, [0x10] + [UInt8](repeating: 0, count: 16))
        let secondScan = Self.segment(0xDA, [1, 1, 0, 1, 63, 0]) + [0x03, 0x04]
        let trailer: [UInt8] = [0, 0, 0, 0x18] + Array("ftypmp42 GPS +35.7035+051.4185".utf8)
        let original = [0xFF, 0xD8] + Self.jfif + Self.quantization + Self.frame + firstScan + Self.comment + Self.exif + table
            + secondScan + [0xFF, 0xD9] + trailer
        let clean = try PhotoCleaner.clean(original)
        #expect(clean.bytes == [0xFF, 0xD8] + Self.jfif + Self.quantization + Self.frame + firstScan + table + secondScan + [0xFF, 0xD9])
    }

    @Test("a JPEG whose segment runs past the end, or without a frame, is damaged")
    func damagedJPEG() {
        let truncated = Array(([0xFF, 0xD8] + Self.jfif + Self.exif).dropLast(5))
        #expect(throws: PhotoCleaner.Problem.damaged) { try PhotoCleaner.clean(truncated) }
        #expect(throws: PhotoCleaner.Problem.damaged) { try PhotoCleaner.clean([0xFF, 0xD8] + Self.jfif + Self.scan) }
        // A scan that never reaches its end of image.
        #expect(throws: PhotoCleaner.Problem.damaged) {
            try PhotoCleaner.clean([0xFF, 0xD8] + Self.jfif + Self.quantization + Self.frame + Array(Self.scan.dropLast(2)))
        }
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let crc = PhotoCleanerTests.crc(typeBytes + data)
        let length = UInt32(data.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + typeBytes + data
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }

    /// CRC-32 bit by bit (ISO 3309, as PNG §5.5), independent of the cleaner's table.
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c >> 1) ^ (c & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~c
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let header = chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
    static let gamma = chunk("gAMA", [0, 0, 0xB1, 0x8F])
    static let text = chunk("tEXt", Array("Author".utf8) + [0] + Array("Ali Rezaei".utf8))
    static let exifChunk = chunk("eXIf", Array("MM GPS".utf8))
    static let time = chunk("tIME", [0x07, 0xEA, 12, 7, 10, 0, 0])
    static let data = chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])
    static let end = chunk("IEND", [])

    @Test("a PNG keeps its critical chunks and gamma and loses text, eXIf and time")
    func png() throws {
        let original = Self.signature + Self.header + Self.text + Self.gamma + Self.exifChunk + Self.time + Self.data + Self.end
        let clean = try PhotoCleaner.clean(original)
        #expect(clean.mediaType == .png)
        #expect(clean.bytes == Self.signature + Self.header + Self.gamma + Self.data + Self.end)
    }

    @Test("a PNG with a wrong CRC or without IEND is damaged")
    func damagedPNG() {
        var wrong = Self.signature + Self.header + Self.data + Self.end
        wrong[8 + 25 + 10] ^= 0xFF
        #expect(throws: PhotoCleaner.Problem.damaged) { try PhotoCleaner.clean(wrong) }
        #expect(throws: PhotoCleaner.Problem.damaged) { try PhotoCleaner.clean(Self.signature + Self.header + Self.data) }
    }

    @Test("the type is read from the bytes: a GIF, HTML or an empty file is neither", arguments: [
        Array("GIF89a".utf8), Array("<html><script>".utf8), [],
    ])
    func neither(_ bytes: [UInt8]) {
        #expect(throws: PhotoCleaner.Problem.notJPEGOrPNG) { try PhotoCleaner.clean(bytes) }
    }
}
