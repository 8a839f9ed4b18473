import Dispatch
import GeoCore
import GeoFormats
import LandModel
package import LandStore
import Logging
import SpatialIndex
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A binary image of a city's snapshot, saved beside the data so that a node restarting on an
/// unchanged city is ready without reading every row and building every part again (issue 17
/// point 8: 8–14 s at 1M parcels). The parcel layer's big parts — flat outlines, packed R-tree,
/// rendered GeoJSON, search keys — are stored as the arrays they are in memory and read back with
/// one copy each; the parcels' values as compact records decoded on every core; the small layers
/// (zones, facilities, rules) as records whose parts are built as at any start-up.
///
/// An image is only used for the state it was made from (`ImageStamp`: the same database, city
/// version, import and last reshape, and for a SQLite file the same file size and modification
/// time, so an edit made behind Zamin's back with another tool is not hidden by an old image).
/// Anything else — another state, another format, a truncated or damaged file (each section
/// carries a hash, each array is checked before use) — is no image: the city is loaded from the
/// store as without one. The image is a cache: deleting it is always safe.
///
/// Layout: the 16-byte magic (its last digits the format), a byte-order marker, then sections,
/// each its byte count, its hash and its bytes padded to 8.
package enum SnapshotImage {
    /// Changes whenever the layout does: an image of another format is ignored.
    static let magic = Array("ZAMIN-SNAPSHOT03".utf8)
    static let byteOrderMarker: UInt64 = 0x0102_0304_0506_0708

    /// Saves `snapshot`, the city in the state `stamp` describes, at `path`: written beside it,
    /// fsynced and renamed over it (`LandStore.installWholeFile`), so a crash leaves the old
    /// image or the new one, never half of one.
    package static func write(_ snapshot: CitySnapshot, stamp: ImageStamp, to path: String) throws(StoreError) {
        let image = snapshot.withCompactParcelLayer
        // Readable by the server's user only: a cache of its memory, of no use to anyone else.
        // Named by process: two servers on one SQLite file each write their own before the rename.
        let partial = path + ".partial-\(getpid())"
        let file = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw .fileSystem(operation: "create", path: partial, message: String(cString: strerror(errno))) }
        var output = SectionWriter(descriptor: file)
        do {
            try image.writeSections(stamp: stamp, into: &output)
            close(file)
        } catch {
            close(file)
            unlink(partial)
            throw .fileSystem(operation: "write", path: partial, message: String(cString: strerror(error.code)))
        }
        // Closed, then made whole and durable.
        do {
            try LandStore.installWholeFile(partial, as: path)
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// The snapshot the image at `path` holds and the state it was made of, if `accepts` that
    /// state (it is read before anything else); nil otherwise (no file, a state refused, another
    /// format, damage).
    package static func read(from path: String, accepting accepts: (ImageStamp) -> Bool) -> (snapshot: CitySnapshot, stamp: ImageStamp)? {
        guard let file = MappedFile(path: path) else { return nil }
        var input = SectionReader(file: file)
        do {
            guard try input.header() else { return nil }
            let stamp = try ImageStamp(decoding: input.section())
            guard accepts(stamp) else { return nil }
            return (try CitySnapshot(readingSectionsOf: &input), stamp)
        } catch {
            return nil
        }
    }
}

/// What an image must match to stand for the stored city: the store's `CityStamp` and, for a
/// SQLite file, `LandStore.fileStamp` (empty on PostgreSQL, whose triggers version every edit).
package struct ImageStamp: Sendable, Equatable {
    package var city: CityStamp
    package var file: [Int64]

    package init(city: CityStamp, file: [Int64]) {
        self.city = city
        self.file = file
    }

    func encoded() -> [UInt8] {
        var bytes = ByteWriter()
        bytes.string(city.database)
        bytes.int(Int64(city.version.number))
        bytes.optionalString(city.version.changedAt)
        bytes.optionalString(city.importedAt)
        bytes.optionalString(city.reshapedAt)
        bytes.int(Int64(file.count))
        for value in file { bytes.int(value) }
        bytes.optionalString(city.lastChange)
        return bytes.bytes
    }

    init(decoding section: UnsafeRawBufferPointer) throws(ImageDamage) {
        var bytes = ByteReader(section)
        let database = try bytes.string()
        let number = try bytes.int()
        let changedAt = try bytes.optionalString()
        city = CityStamp(
            database: database, version: CityVersion(number: Int(number), changedAt: changedAt), importedAt: try bytes.optionalString(),
            reshapedAt: try bytes.optionalString())
        let count = try bytes.int()
        guard (0...16).contains(count) else { throw ImageDamage() }
        var file: [Int64] = []
        for _ in 0..<count { file.append(try bytes.int()) }
        self.file = file
        city.lastChange = try bytes.optionalString()
    }

    /// Whether a city in this image's state can be brought to the state `current` by the changes
    /// the store lists since (`LandStore.cityChanges`): the same database, import and last
    /// reshape, an older version, and a database that keeps a change log. The store must still
    /// confirm that this state is in its past (`LandStore.holdsChange`).
    package func canCatchUp(to current: ImageStamp) -> Bool {
        city.database == current.city.database && city.database.hasPrefix("postgres://")
            && city.importedAt != nil && city.importedAt == current.city.importedAt && city.reshapedAt == current.city.reshapedAt
            && city.version.changedAt != nil && city.version.number < current.city.version.number
    }
}

/// An image that is not what its header says: too short, a hash that does not match, an array
/// that cannot be what it claims. The image is ignored.
struct ImageDamage: Error {}

// MARK: - the snapshot's sections

extension CitySnapshot {
    /// This snapshot with its parcel layer's parts all in their packed arrays (an edit's
    /// overlays merged), as an image stores them.
    var withCompactParcelLayer: CitySnapshot {
        if parcelIndex.isCompact, parcelOutlines.flat != nil, parcelGeometryJSON.packed != nil { return self }
        return replacingLayers(parcels: Array(parcels))
    }

    fileprivate func writeSections(stamp: ImageStamp, into output: inout SectionWriter) throws(WriteFailure) {
        try output.header()
        try output.section(stamp.encoded())
        var small = ByteWriter()
        small.int(Int64(rules.count))
        for rule in rules.values.sorted(by: { $0.code < $1.code }) { small.rule(rule) }
        small.int(Int64(zones.count))
        for zone in zones { small.zone(zone) }
        small.int(Int64(facilities.count))
        for facility in facilities { small.facility(facility) }
        let layers = information.texts.sorted { $0.key.rawValue < $1.key.rawValue }
        small.int(Int64(layers.count))
        for (name, text) in layers {
            small.string(name.rawValue)
            small.string(text)
        }
        try output.section(small.bytes)

        let (starts, records) = parcelOutlines.flat!
        try output.array(starts)
        try output.array(records)
        let tree = parcelIndex.base.packed
        try output.section({ var header = ByteWriter(); header.int(Int64(tree.nodeSize)); header.int(Int64(tree.count)); return header.bytes }())
        try output.array(tree.boxes)
        try output.array(tree.indices)
        let rendered = parcelGeometryJSON.packed!.packed
        try output.section({ var header = ByteWriter(); header.int(Int64(parcelGeometryJSON.decimals)); return header.bytes }())
        try output.array(rendered.text)
        try output.array(rendered.ends)
        for keys in [searchCatalog.parcelIDKeys, searchCatalog.parcelAddressKeys] {
            try output.array(keys.packed.text)
            try output.array(keys.packed.ends)
        }
        // The ends before the values: reading the ends gives back the pages before them, and
        // the values are read in place while the parcels are decoded.
        var values = ByteWriter()
        var ends: [Int] = []
        ends.reserveCapacity(parcels.count)
        for position in parcels.indices {
            values.parcelValues(parcels.values[position])
            ends.append(values.bytes.count)
        }
        try output.array(ends)
        try output.section(values.bytes)
    }

    /// The snapshot `writeSections` wrote, every part checked before it is used.
    fileprivate init(readingSectionsOf input: inout SectionReader) throws(ImageDamage) {
        var small = ByteReader(try input.section())
        var rules: [ZoningRule] = []
        for _ in 0..<(try small.count()) { rules.append(try small.rule()) }
        var zones: [Zone] = []
        for _ in 0..<(try small.count()) { zones.append(try small.zone()) }
        var facilities: [Facility] = []
        for _ in 0..<(try small.count()) { facilities.append(try small.facility()) }
        var layerTexts: [InformationLayerName: String] = [:]
        for _ in 0..<(try small.count()) {
            guard let name = InformationLayerName(rawValue: try small.string()) else { throw ImageDamage() }
            layerTexts[name] = try small.string()
        }

        guard let outlines = PolygonalOutlines(starts: try input.array(UInt32.self), records: try input.array(Double.self)) else { throw ImageDamage() }
        let count = outlines.count
        var header = ByteReader(try input.section())
        let nodeSize = try header.int(), treeCount = try header.int()
        guard treeCount == count,
            let tree = PackedRTree(nodeSize: Int(nodeSize), count: count, boxes: try input.array(Double.self), indices: try input.array(Int32.self)),
            Self.isPermutation(tree.idsInLeafOrder, of: count)
        else { throw ImageDamage() }
        header = ByteReader(try input.section())
        let decimals = try header.int()
        guard (0...17).contains(decimals), let texts = PackedTexts(validatingText: try input.array(UInt8.self), ends: try input.array(Int.self)),
            texts.count == count
        else { throw ImageDamage() }
        var keys: [PackedTexts] = []
        for _ in 0..<2 {
            guard let packed = PackedTexts(validatingText: try input.array(UInt8.self), ends: try input.array(Int.self)), packed.count == count else {
                throw ImageDamage()
            }
            keys.append(packed)
        }
        let ends = try input.array(Int.self)
        let values = try input.section()
        guard ends.count == count, (ends.last ?? 0) == values.count, zip(ends, ends.dropFirst()).allSatisfy({ $0 <= $1 }) else { throw ImageDamage() }
        let valuesBase = ImageBytes(values)
        let damaged = Atomic<Bool>(false)
        // Straight into the snapshot's chunks, on every core; a damaged record makes a
        // placeholder and marks the image damaged.
        let parcels = ChunkedArray<ParcelValues>.build(count: count) { position in
            let start = position == 0 ? 0 : ends[position - 1]
            var record = ByteReader(UnsafeRawBufferPointer(rebasing: valuesBase.bytes[start..<ends[position]]))
            do {
                return try record.parcelValues()
            } catch {
                damaged.store(true, ordering: .relaxed)
                return ParcelValues(
                    id: ParcelID(""), zoneCode: nil, areaSquareMeters: 0, currentUse: nil, floors: nil, address: nil, extraPropertiesJSON: "",
                    isMulti: false)
            }
        }
        guard !damaged.load(ordering: .relaxed), (1..<max(1, count)).allSatisfy({ parcels[$0 - 1].id < parcels[$0].id }) else {
            throw ImageDamage()
        }
        self.init(
            imagedParcels: parcels, index: LayerIndex(base: tree), outlines: outlines,
            geometryJSON: RenderedGeometries(decimals: Int(decimals), texts: texts), idKeys: keys[0], addressKeys: keys[1],
            zones: zones, facilities: facilities, rules: rules, information: InformationLayers(texts: layerTexts))
    }

    /// Whether `ids` holds each of 0..<count once.
    private static func isPermutation(_ ids: [Int32], of count: Int) -> Bool {
        guard ids.count == count else { return false }
        var seen = [Bool](repeating: false, count: count)
        for id in ids {
            guard id >= 0, Int(id) < count, !seen[Int(id)] else { return false }
            seen[Int(id)] = true
        }
        return true
    }
}

/// A read-only byte range shared by the threads decoding it.
private struct ImageBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
}

// MARK: - records

/// Little records of the image: integers and doubles as 8 bytes, strings as a length (−1: nil)
/// and their UTF-8.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int(_ value: Int64) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }
    mutating func double(_ value: Double) { int(Int64(bitPattern: value.bitPattern)) }
    mutating func string(_ value: String) {
        int(Int64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }
    mutating func optionalString(_ value: String?) {
        guard let value else { return int(-1) }
        string(value)
    }
    mutating func optionalInt(_ value: Int?) {
        bytes.append(value == nil ? 0 : 1)
        int(Int64(value ?? 0))
    }
    mutating func optionalDouble(_ value: Double?) {
        bytes.append(value == nil ? 0 : 1)
        double(value ?? 0)
    }

    mutating func polygonal(_ outline: Polygonal) {
        bytes.append(outline.isMulti ? 1 : 0)
        int(Int64(outline.parts.count))
        for part in outline.parts {
            int(Int64(1 + part.holes.count))
            for ring in [part.exterior] + part.holes {
                int(Int64(ring.xy.count))
                for value in ring.xy { double(value) }
            }
        }
    }

    mutating func rule(_ rule: ZoningRule) {
        string(rule.code.rawValue)
        optionalString(rule.nameFa)
        optionalString(rule.nameEn)
        for uses in [rule.allowedUses, rule.conditionalUses] {
            int(Int64(uses.count))
            for use in uses { string(use.rawValue) }
        }
        optionalInt(rule.maxFloors)
        optionalDouble(rule.maxCoveragePercent)
        optionalDouble(rule.maxDensityPercent)
        optionalDouble(rule.minParcelAreaSquareMeters)
        optionalString(rule.notes)
    }

    mutating func zone(_ zone: Zone) {
        string(zone.id.rawValue)
        string(zone.code.rawValue)
        optionalString(zone.nameFa)
        optionalString(zone.nameEn)
        string(zone.extraPropertiesJSON)
        polygonal(zone.geometry)
    }

    mutating func facility(_ facility: Facility) {
        string(facility.id.rawValue)
        double(facility.location.lon)
        double(facility.location.lat)
        string(facility.category.rawValue)
        optionalString(facility.categoryFa)
        optionalString(facility.nameFa)
        optionalString(facility.nameEn)
        string(facility.extraPropertiesJSON)
    }

    /// A parcel without its outline (the image's flat outlines hold it).
    mutating func parcelValues(_ parcel: ParcelValues) {
        string(parcel.id.rawValue)
        optionalString(parcel.zoneCode?.rawValue)
        double(parcel.areaSquareMeters)
        optionalString(parcel.currentUse?.rawValue)
        optionalInt(parcel.floors)
        optionalString(parcel.address)
        string(parcel.extraPropertiesJSON)
        bytes.append(parcel.isMulti ? 1 : 0)
    }
}

/// Reads what `ByteWriter` wrote; any read past the end is damage.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func take(_ count: Int) throws(ImageDamage) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - at else { throw ImageDamage() }
        defer { at += count }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + count)])
    }

    mutating func byte() throws(ImageDamage) -> UInt8 { try take(1)[0] }
    mutating func int() throws(ImageDamage) -> Int64 { try take(8).loadUnaligned(as: Int64.self) }
    mutating func double() throws(ImageDamage) -> Double { Double(bitPattern: UInt64(bitPattern: try int())) }
    /// A count of things that follow: never more than the bytes left.
    mutating func count() throws(ImageDamage) -> Int {
        let value = try int()
        guard value >= 0, value <= bytes.count - at else { throw ImageDamage() }
        return Int(value)
    }
    mutating func string() throws(ImageDamage) -> String { String(decoding: try take(count()), as: UTF8.self) }
    mutating func optionalString() throws(ImageDamage) -> String? {
        let length = try int()
        guard length != -1 else { return nil }
        return String(decoding: try take(Int(length)), as: UTF8.self)
    }
    mutating func optionalInt() throws(ImageDamage) -> Int? {
        let present = try byte()
        let value = try int()
        return present == 1 ? Int(value) : nil
    }
    mutating func optionalDouble() throws(ImageDamage) -> Double? {
        let present = try byte()
        let value = try double()
        return present == 1 ? value : nil
    }

    mutating func polygonal() throws(ImageDamage) -> Polygonal {
        let isMulti = try byte() == 1
        var parts: [Polygon] = []
        for _ in 0..<(try count()) {
            var rings: [Ring] = []
            for _ in 0..<(try count()) {
                let values = try count()
                guard values >= 8, values % 2 == 0 else { throw ImageDamage() }
                var xy: [Double] = []
                xy.reserveCapacity(values)
                for _ in 0..<values { xy.append(try double()) }
                rings.append(Ring(xy: xy))
            }
            guard let exterior = rings.first else { throw ImageDamage() }
            parts.append(Polygon(exterior: exterior, holes: Array(rings.dropFirst())))
        }
        guard !parts.isEmpty else { throw ImageDamage() }
        return Polygonal(parts: parts, isMulti: isMulti)
    }

    mutating func rule() throws(ImageDamage) -> ZoningRule {
        let code = ZoneCode(try string())
        let nameFa = try optionalString(), nameEn = try optionalString()
        var uses: [[LandUse]] = []
        for _ in 0..<2 {
            var list: [LandUse] = []
            for _ in 0..<(try count()) { list.append(LandUse(try string())) }
            uses.append(list)
        }
        return ZoningRule(
            code: code, nameFa: nameFa, nameEn: nameEn, allowedUses: uses[0], conditionalUses: uses[1], maxFloors: try optionalInt(),
            maxCoveragePercent: try optionalDouble(), maxDensityPercent: try optionalDouble(), minParcelAreaSquareMeters: try optionalDouble(),
            notes: try optionalString())
    }

    mutating func zone() throws(ImageDamage) -> Zone {
        let id = ZoneID(try string()), code = ZoneCode(try string())
        let nameFa = try optionalString(), nameEn = try optionalString(), extra = try string()
        return Zone(id: id, geometry: try polygonal(), code: code, nameFa: nameFa, nameEn: nameEn, extraPropertiesJSON: extra)
    }

    mutating func facility() throws(ImageDamage) -> Facility {
        let id = FacilityID(try string())
        guard let location = Coordinate(lon: try double(), lat: try double()) else { throw ImageDamage() }
        return Facility(
            id: id, location: location, category: FacilityCategory(try string()), categoryFa: try optionalString(), nameFa: try optionalString(),
            nameEn: try optionalString(), extraPropertiesJSON: try string())
    }

    mutating func parcelValues() throws(ImageDamage) -> ParcelValues {
        let id = ParcelID(try string())
        let zoneCode = try optionalString().map(ZoneCode.init)
        let area = try double()
        let use = try optionalString().map(LandUse.init)
        let floors = try optionalInt()
        let address = try optionalString()
        let extra = try string()
        let isMulti = try byte() == 1
        guard at == bytes.count else { throw ImageDamage() }
        return ParcelValues(
            id: id, zoneCode: zoneCode, areaSquareMeters: area, currentUse: use, floors: floors, address: address, extraPropertiesJSON: extra,
            isMulti: isMulti)
    }
}

// MARK: - sections

/// A write(2) that failed, with its errno.
struct WriteFailure: Error {
    var code: Int32
}

/// Writes the header and sections to a file descriptor; an array's bytes go to the file from
/// the array itself (the rendered GeoJSON of 1M parcels is 263 MB: no second copy).
struct SectionWriter {
    let descriptor: Int32

    mutating func header() throws(WriteFailure) {
        var bytes = SnapshotImage.magic
        withUnsafeBytes(of: SnapshotImage.byteOrderMarker) { bytes.append(contentsOf: $0) }
        try check(bytes.withUnsafeBytes { write($0) })
    }

    mutating func section(_ bytes: [UInt8]) throws(WriteFailure) {
        try check(bytes.withUnsafeBytes { section($0) })
    }

    mutating func array<Element: BitwiseCopyable>(_ array: [Element]) throws(WriteFailure) {
        try check(array.withUnsafeBytes { section($0) })
    }

    private func check(_ errorNumber: Int32) throws(WriteFailure) {
        if errorNumber != 0 { throw WriteFailure(code: errorNumber) }
    }

    /// Writes one section; 0, or the errno of the write that failed.
    private func section(_ raw: UnsafeRawBufferPointer) -> Int32 {
        let prefix: [UInt64] = [UInt64(raw.count), SectionHash.of(raw)]
        let padding = [UInt8](repeating: 0, count: (8 - raw.count % 8) % 8)
        let first = prefix.withUnsafeBytes { write($0) }
        guard first == 0 else { return first }
        let second = write(raw)
        guard second == 0 else { return second }
        return padding.withUnsafeBytes { write($0) }
    }

    /// write(2) until every byte is written; 0, or its errno.
    private func write(_ raw: UnsafeRawBufferPointer) -> Int32 {
        var done = 0
        while done < raw.count {
            let written = Glibc.write(descriptor, raw.baseAddress! + done, raw.count - done)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += written
        }
        return 0
    }
}

/// Reads sections from a mapped image; the pages of each array read are given back once it is
/// copied out, so the image is never resident beside what was built from it.
struct SectionReader {
    let file: MappedFile
    private var at = 0

    init(file: MappedFile) { self.file = file }

    mutating func header() throws(ImageDamage) -> Bool {
        let size = SnapshotImage.magic.count + 8
        guard file.bytes.count >= size else { return false }
        let raw = UnsafeRawBufferPointer(file.bytes)
        at = size
        return Array(raw[0..<SnapshotImage.magic.count]) == SnapshotImage.magic
            && raw.loadUnaligned(fromByteOffset: SnapshotImage.magic.count, as: UInt64.self) == SnapshotImage.byteOrderMarker
    }

    /// The next section's bytes, its hash checked: valid while `file` lives.
    mutating func section() throws(ImageDamage) -> UnsafeRawBufferPointer {
        let raw = UnsafeRawBufferPointer(file.bytes)
        guard raw.count - at >= 16 else { throw ImageDamage() }
        let length = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        let hash = raw.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
        guard length <= UInt64(raw.count - at - 16) else { throw ImageDamage() }
        let start = at + 16
        let section = UnsafeRawBufferPointer(rebasing: raw[start..<(start + Int(length))])
        guard SectionHash.of(section) == hash else { throw ImageDamage() }
        at = start + Int(length) + (8 - Int(length) % 8) % 8
        return section
    }

    /// The next section as an array of `Element`s (one copy), its pages then released.
    mutating func array<Element: BitwiseCopyable>(_: Element.Type) throws(ImageDamage) -> [Element] {
        let bytes = try section()
        let stride = MemoryLayout<Element>.stride
        guard bytes.count % stride == 0 else { throw ImageDamage() }
        let count = bytes.count / stride
        let array = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
            initialized = count
        }
        file.release(before: at)
        return array
    }
}

/// A fast 64-bit hash of a section's bytes (multiply–xorshift over 8-byte words): catches a
/// truncated or damaged image at a fraction of the cost of reading it twice; not a defence
/// against someone who can write the data folder.
enum SectionHash {
    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x27D4_EB2F_1656_67C5)
        let prime: UInt64 = 0x0000_0100_0000_01B3
        let words = bytes.count / 8
        var word = 0
        // Four independent lanes: the multiplications overlap instead of waiting on each other.
        while word + 4 <= words {
            lanes.0 = (lanes.0 ^ bytes.loadUnaligned(fromByteOffset: 8 * word, as: UInt64.self)) &* prime
            lanes.1 = (lanes.1 ^ bytes.loadUnaligned(fromByteOffset: 8 * word + 8, as: UInt64.self)) &* prime
            lanes.2 = (lanes.2 ^ bytes.loadUnaligned(fromByteOffset: 8 * word + 16, as: UInt64.self)) &* prime
            lanes.3 = (lanes.3 ^ bytes.loadUnaligned(fromByteOffset: 8 * word + 24, as: UInt64.self)) &* prime
            lanes.0 ^= lanes.0 >> 29; lanes.1 ^= lanes.1 >> 29; lanes.2 ^= lanes.2 >> 29; lanes.3 ^= lanes.3 >> 29
            word += 4
        }
        var hash = lanes.0 ^ (lanes.1 &* 3) ^ (lanes.2 &* 5) ^ (lanes.3 &* 7) ^ UInt64(bytes.count)
        for index in (8 * word)..<bytes.count {
            hash = (hash ^ UInt64(bytes[index])) &* prime
            hash ^= hash >> 29
        }
        return hash
    }
}

// MARK: - keeping the image

/// Where a server keeps its snapshot image and which state of the city it last holds: saved when
/// the city was loaded from the store (in the background) and at shutdown if the city changed.
/// One save at a time in a process (each process writes a partial file of its own); a failed
/// save is logged and leaves the old image, which no longer matches the city and so is never
/// used.
final class SnapshotImageKeeper: Sendable {
    let path: String
    private let state = Mutex<(saved: ImageStamp?, pending: Task<Void, Never>?)>((nil, nil))

    init(path: String) { self.path = path }

    /// The image at `path` is of the city at `stamp` (it was just loaded).
    func loaded(_ stamp: ImageStamp) { state.withLock { $0.saved = stamp } }

    func saveInBackground(_ published: PublishedSnapshot, of store: LandStore, logger: Logger) {
        state.withLock { state in
            let previous = state.pending
            state.pending = Task.detached(priority: .background) {
                await previous?.value
                await self.save(published, of: store, logger: logger, waiting: false)
            }
        }
    }

    /// Saves `published` unless the image already holds it; only when it is the stored city as it
    /// is now (a change not yet published would make an image of a state that never was).
    func save(_ published: PublishedSnapshot, of store: LandStore, logger: Logger, waiting: Bool = true) async {
        if waiting, let pending = state.withLock({ $0.pending }) { await pending.value }
        let started = ContinuousClock.now
        let city: CityStamp
        do {
            city = try await store.cityStamp()
        } catch {
            logger.warning("snapshot image not saved: the store did not answer", metadata: ["image": "\(path)", "error": "\(error)"])
            return
        }
        guard city.version == published.cityVersion else {
            logger.info("snapshot image not saved: the stored city changed meanwhile", metadata: ["image": "\(path)"])
            return
        }
        let stamp = ImageStamp(city: city, file: store.fileStamp)
        guard state.withLock({ $0.saved }) != stamp else { return }
        // Seconds of file writing at 1M parcels: on a queue of its own, never on a thread that
        // answers requests (the server runs its tasks on the event loops).
        let path = path
        let written: Result<Void, StoreError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: Result { () throws(StoreError) in
                    try SnapshotImage.write(published.snapshot, stamp: stamp, to: path)
                })
            }
        }
        do throws(StoreError) {
            try written.get()
            state.withLock { $0.saved = stamp }
            logger.info(
                "snapshot image saved",
                metadata: [
                    "image": "\(path)", "data_version": "\(city.version.number)",
                    "ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
                ])
        } catch {
            logger.error("snapshot image not saved", metadata: ["image": "\(path)", "error": "\(error)"])
        }
    }
}
