#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory, for reading a large layer file front to back without
/// holding it: `release(before:)` gives the pages already read back to the system (they stay in
/// the page cache, but leave the process's resident set). Reading 448 MB of GeoJSON this way
/// keeps about `releaseStep` of it resident instead of two copies of it (Data, then an array).
final class MappedFile: @unchecked Sendable {
    /// How far the reader moves between releases.
    static let releaseStep = 16 << 20
    /// The file's bytes; valid while this object lives, never written.
    let bytes: UnsafeBufferPointer<UInt8>
    private let base: UnsafeMutableRawPointer?

    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let length = Int(status.st_size)
        guard length > 0 else {
            base = nil
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else { return nil }
        _ = madvise(mapped, length, MADV_SEQUENTIAL)
        base = mapped
        bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: length)
    }

    /// Drops the whole pages before `offset` from the resident set; reading them again would
    /// fault them back in from the file.
    func release(before offset: Int) {
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = min(offset, bytes.count) / page * page
        if length > 0 { _ = madvise(base, length, MADV_DONTNEED) }
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }
}
