import CZlib

/// gzip (RFC 1952) with the system's zlib: the one wrapper around it; the `z_stream` never
/// leaves this file. Used for `Content-Encoding: gzip` responses.
package enum Gzip {
    /// zlib level 1: JSON and GeoJSON still shrink about 5× at a third of level 6's CPU time,
    /// and a response is compressed on every request.
    package static let defaultLevel: Int32 = 1

    /// `bytes` gzip-compressed; nil only if zlib cannot allocate its state.
    package static func compress(_ bytes: [UInt8], level: Int32 = defaultLevel) -> [UInt8]? {
        var stream = z_stream()
        guard zamin_deflate_init_gzip(&stream, level) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }
}
