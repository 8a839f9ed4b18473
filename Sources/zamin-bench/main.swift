// zamin-bench: the hot-path workloads of /work/shared/bench/peers (RESULTS.md, "Query files"), replayed
// from the same query files, each beside a brute-force linear scan measured in the same run.
//
//   python3 shared/geodata/tools/gen_city.py --out DIR --parcels 100000
//   python3 shared/bench/peers/prep.py DIR
//   swift run -c release zamin-bench --city DIR [--reps 3] [--brute 2000] [--check 200] [--node-sizes 8,16,32]
//
// A benchmark program, so it prints; nothing imports it.
import Foundation
import GeoCore
import SpatialIndex

/// The benchmark's report goes to stdout, one line at a time.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: - Arguments

struct Options {
    var city = ""
    var reps = 3
    var bruteQueries = 2_000
    var bruteNearestQueries = 200
    var checkQueries = 200
    var nodeSizes: [Int] = []
    var workloads: [String] = []
    /// Folder for the ids of the first --check queries, in the peers' ids/<peer>/<workload>.txt format.
    var idsDirectory = ""
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    while let argument = arguments.next() {
        let value = arguments.next() ?? ""
        switch argument {
        case "--city": options.city = value
        case "--reps": options.reps = Int(value) ?? 3
        case "--brute": options.bruteQueries = Int(value) ?? 2_000
        case "--brute-nearest": options.bruteNearestQueries = Int(value) ?? 200
        case "--check": options.checkQueries = Int(value) ?? 200
        case "--node-sizes": options.nodeSizes = value.split(separator: ",").compactMap { Int($0) }
        case "--workloads": options.workloads = value.split(separator: ",").map(String.init)
        case "--write-ids": options.idsDirectory = value
        default:
            report("unknown argument \(argument)")
            exit(2)
        }
    }
    if options.city.isEmpty {
        report("usage: zamin-bench --city DIR (a gen_city.py folder with peers/ from prep.py) [--reps N] [--brute N] [--check N] [--node-sizes 8,16,32]")
        exit(2)
    }
    return options
}

// MARK: - Query files (peers/prep.py)

func lines(_ path: String) -> [Substring] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        report("cannot read \(path): run python3 shared/bench/peers/prep.py CITY first")
        exit(1)
    }
    return text.split(separator: "\n")
}

struct PolygonLayer {
    var ids: [Int32] = []
    var polygons: [Polygonal] = []
    var boxes: [Double] = []
}

func loadPolygons(_ path: String) -> PolygonLayer {
    var layer = PolygonLayer()
    for line in lines(path) {
        let fields = line.split(separator: " ")
        let count = Int(fields[1])!
        var xy: [Double] = []
        xy.reserveCapacity(2 * count)
        for i in 0..<(2 * count) { xy.append(Double(fields[2 + i])!) }
        let polygonal = Polygonal(Polygon(exterior: Ring(xy: xy)))
        layer.ids.append(Int32(fields[0])!)
        layer.polygons.append(polygonal)
        let b = polygonal.bbox
        layer.boxes.append(contentsOf: [b.minLon, b.minLat, b.maxLon, b.maxLat])
    }
    return layer
}

// MARK: - Timing

/// Keeps results alive so the optimiser cannot drop the work (flatbush's bench.js `sink`).
nonisolated(unsafe) var sink = 0

/// CLOCK_MONOTONIC, as the peers' std::chrono::steady_clock, so both pay the same per-query timer cost.
func nanoseconds(_ body: () -> Void) -> UInt64 {
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    body()
    clock_gettime(CLOCK_MONOTONIC, &end)
    return UInt64((end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec))
}

struct Measurement {
    var medianNanoseconds: Double
    var queriesPerSecond: Double
}

/// Runs `query(i)` for i in 0..<count, `reps` times; median of per-query times, and queries/s as the
/// median over loops of count ÷ loop time (as the peers compute them).
func measure(count: Int, reps: Int, _ query: (Int) -> Void) -> Measurement {
    for i in 0..<min(count, 500) { query(i) }  // warm-up
    var samples: [UInt64] = []
    samples.reserveCapacity(count * reps)
    var rates: [Double] = []
    for _ in 0..<reps {
        let loop = nanoseconds {
            for i in 0..<count {
                samples.append(nanoseconds { query(i) })
            }
        }
        rates.append(Double(count) / (Double(loop) / 1e9))
    }
    samples.sort()
    rates.sort()
    return Measurement(medianNanoseconds: Double(samples[samples.count / 2]), queriesPerSecond: rates[rates.count / 2])
}

/// Workload name prefixes to run (--workloads); empty: all.
nonisolated(unsafe) var workloadFilter: [String] = []

/// Measures and prints one workload unless --workloads leaves it out.
func report(_ name: String, index measureIndex: @autoclosure () -> Measurement, brute measureBrute: @autoclosure () -> Measurement?) {
    guard workloadFilter.isEmpty || workloadFilter.contains(where: { name.hasPrefix($0) }) else { return }
    let index = measureIndex()
    let brute = measureBrute()
    func format(_ m: Measurement) -> String {
        String(format: "%9.0f ns/query %10.0f q/s", m.medianNanoseconds, m.queriesPerSecond)
    }
    var line = "\(name.padding(toLength: 22, withPad: " ", startingAt: 0)) index \(format(index))"
    if let brute {
        line += "   brute force \(format(brute))  (×\(String(format: "%.0f", brute.medianNanoseconds / index.medianNanoseconds)))"
    }
    report(line)
}

/// Counts the metric's calls in a diagnostic pass (not during timing).
nonisolated(unsafe) var boundCalls = 0
nonisolated(unsafe) var exactCalls = 0
nonisolated(unsafe) var chordRejects = 0

struct CountingMetric<Base: NearestMetric>: NearestMetric {
    let base: Base
    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        boundCalls += 1
        return base.lowerBound(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
    }
    func exactDistance(toItem id: Int32) -> Double {
        exactCalls += 1
        return base.exactDistance(toItem: id)
    }
    func includes(_ id: Int32) -> Bool { base.includes(id) }
    func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
        let key = base.itemKey(toItem: id, slot: slot, minX: minX, minY: minY, maxX: maxX, maxY: maxY, cutoff: cutoff)
        if key.isExact { exactCalls += 1 } else if key.key > cutoff { chordRejects += 1 } else { boundCalls += 1 }
        return key
    }
}

/// W3: geodesic distance to facilities, keys in squared metres (as LandService's GeodesicMetric:
/// the box bound prunes, leaves within `GeodesicFromPoint.shortLineMeters` enter the queue with
/// their exact distance, or are dropped on their chord alone when that exceeds the cutoff).
struct FacilityMetric: NearestMetric {
    let keys: GeodesicNearestKeys
    let points: [Coordinate]
    let centred: [EarthCentredPoint]
    /// `centred` in the searched tree's leaf order (`itemKey`'s slot), as LandService's FacilityTree.
    let centredInLeafOrder: [EarthCentredPoint]

    init(
        _ query: Coordinate, points: [Coordinate], centred: [EarthCentredPoint], centredInLeafOrder: [EarthCentredPoint],
        extent: (minX: Double, minY: Double, maxX: Double, maxY: Double)?
    ) {
        keys = GeodesicNearestKeys(from: query, searchExtent: extent.map { ($0.minX, $0.minY, $0.maxX, $0.maxY) })
        self.points = points
        self.centred = centred
        self.centredInLeafOrder = centredInLeafOrder
    }

    func lowerBound(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Double {
        keys.lowerBound(minLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY)
    }

    func exactDistance(toItem id: Int32) -> Double { keys.exactDistance(to: points[Int(id)], centred: centred[Int(id)]) }

    func itemKey(toItem id: Int32, slot: Int, minX: Double, minY: Double, maxX: Double, maxY: Double, cutoff: Double) -> (key: Double, isExact: Bool) {
        keys.itemKey(centred: centredInLeafOrder[slot], minLon: minX, minLat: minY, maxLon: maxX, maxLat: maxY, cutoff: cutoff)
    }
}

func run(_ options: Options) {
    workloadFilter = options.workloads
    let peers = options.city + "/peers/"
    let parcels = loadPolygons(peers + "parcels.txt")
    let zones = loadPolygons(peers + "zones.txt")
    var facilityIds: [Int32] = []
    var facilityPoints: [Coordinate] = []
    var facilityCategories: [Int32] = []
    for line in lines(peers + "facilities.txt") {
        let f = line.split(separator: " ")
        facilityIds.append(Int32(f[0])!)
        facilityCategories.append(Int32(f[1])!)
        facilityPoints.append(Coordinate(uncheckedLon: Double(f[2])!, lat: Double(f[3])!))
    }
    let queryPoints: [(point: Coordinate, category: Int32)] = lines(peers + "q_points.txt").map {
        let f = $0.split(separator: " ")
        return (Coordinate(uncheckedLon: Double(f[0])!, lat: Double(f[1])!), Int32(f[2])!)
    }
    func loadWindows(_ name: String) -> [BoundingBox] {
        lines(peers + name).map {
            let f = $0.split(separator: " ").map { Double($0)! }
            return BoundingBox(uncheckedMinLon: f[0], minLat: f[1], maxLon: f[2], maxLat: f[3])
        }
    }
    let windows200 = loadWindows("q_bbox200.txt")
    let windows1k = loadWindows("q_bbox1k.txt")
    report("city \(options.city): \(parcels.ids.count) parcels, \(zones.ids.count) zones, \(facilityIds.count) facilities, \(queryPoints.count) queries")

    // MARK: - Build (W4)

    func buildIndex(_ boxes: [Double], count: Int, nodeSize: Int = 16) -> (LayerIndex, Double) {
        var best = Double.infinity
        var index = LayerIndex(boxes: [], ids: [])
        for _ in 0..<3 {
            let ids = (0..<Int32(count)).map { $0 }  // position in the layer; the dataset id is layer.ids[position]
            let elapsed = nanoseconds { index = LayerIndex(base: PackedRTree(boxes: boxes, ids: ids, nodeSize: nodeSize)) }
            best = min(best, Double(elapsed) / 1e9)
        }
        return (index, best)
    }

    let (parcelIndex, parcelBuildSeconds) = buildIndex(parcels.boxes, count: parcels.ids.count)
    let (zoneIndex, _) = buildIndex(zones.boxes, count: zones.ids.count)
    // The outlines as CitySnapshot holds them for the exact tests (flat, in the tree's leaf order);
    // the brute-force oracles read the `Polygonal` values instead.
    let parcelOutlines = PolygonalOutlines(parcels.polygons, layoutOrder: parcelIndex.base.idsInLeafOrder)
    let zoneOutlines = PolygonalOutlines(zones.polygons, layoutOrder: zoneIndex.base.idsInLeafOrder)
    var facilityBoxes: [Double] = []
    for p in facilityPoints { facilityBoxes.append(contentsOf: [p.lon, p.lat, p.lon, p.lat]) }
    // Node size 8, as LandService's facility trees (CitySnapshot.facilityNodeSize).
    let (facilityIndex, _) = buildIndex(facilityBoxes, count: facilityPoints.count, nodeSize: 8)
    let facilityCentred = facilityPoints.map(EarthCentredPoint.init)
    // Every facility's box: the extent each nearest search (all facilities or one category) stays in.
    let facilityExtent = facilityIndex.extent
    /// A tree's points in its leaf order (the metric's slot), as LandService's FacilityTree.
    func centredInLeafOrder(_ index: LayerIndex) -> [EarthCentredPoint] { index.base.idsInLeafOrder.map { facilityCentred[Int($0)] } }
    let facilityCentredInLeafOrder = centredInLeafOrder(facilityIndex)
    // One tree per category, as CitySnapshot keeps them (ids: positions in the whole layer).
    var facilityIndexByCategory: [Int32: (index: LayerIndex, centred: [EarthCentredPoint])] = [:]
    for category in Set(facilityCategories) {
        var boxes: [Double] = [], ids: [Int32] = []
        for (i, p) in facilityPoints.enumerated() where facilityCategories[i] == category {
            boxes += [p.lon, p.lat, p.lon, p.lat]
            ids.append(Int32(i))
        }
        let index = LayerIndex(boxes: boxes, ids: ids, nodeSize: 8)
        facilityIndexByCategory[category] = (index, centredInLeafOrder(index))
    }
    let packedBuildSeconds = Double(nanoseconds {
        sink &+= PackedRTree(boxes: parcels.boxes, ids: (0..<Int32(parcels.ids.count)).map { $0 }).count
    }) / 1e9
    let treeBytes = parcelIndex.base.memoryBytes
    var geometryBytes = 0
    for polygonal in parcels.polygons {
        geometryBytes += MemoryLayout<Polygonal>.stride + MemoryLayout<Polygon>.stride + 32  // parts array header
        geometryBytes += polygonal.parts[0].exterior.xy.capacity * 8 + 32                    // ring array header
    }
    report(String(
        format: "build parcels           packed tree %.3f s (LayerIndex with sorted ids %.3f s, best of 3); index %.1f bytes/parcel (tree only; LayerIndex %.1f); geometry %.1f bytes/parcel (Polygonal), %.1f (the flat outlines the queries read)",
        packedBuildSeconds, parcelBuildSeconds, Double(treeBytes) / Double(parcels.ids.count),
        Double(parcelIndex.memoryBytes) / Double(parcels.ids.count), Double(geometryBytes) / Double(parcels.ids.count),
        Double(parcelOutlines.memoryBytes) / Double(parcels.ids.count)))

    // MARK: - Query implementations (index) and oracles (brute force)

    var candidates: [Int32] = []
    candidates.reserveCapacity(4_096)
    var found: [Int32] = []
    found.reserveCapacity(4_096)

    /// W1: parcels and zones containing the point (exact, half-open rule), dataset ids.
    func lookUp(_ point: Coordinate, into result: inout [Int32]) {
        candidates.removeAll(keepingCapacity: true)
        parcelIndex.search(minX: point.lon, minY: point.lat, maxX: point.lon, maxY: point.lat, into: &candidates)
        for c in candidates where parcelOutlines.contains(c, x: point.lon, y: point.lat) { result.append(parcels.ids[Int(c)]) }
        candidates.removeAll(keepingCapacity: true)
        zoneIndex.search(minX: point.lon, minY: point.lat, maxX: point.lon, maxY: point.lat, into: &candidates)
        for c in candidates where zoneOutlines.contains(c, x: point.lon, y: point.lat) { result.append(zones.ids[Int(c)]) }
    }

    /// A linear scan: every feature's box (one contiguous array, like the index's), then its polygon.
    func scan(_ layer: PolygonLayer, minX: Double, minY: Double, maxX: Double, maxY: Double, _ body: (Int) -> Void) {
        layer.boxes.withUnsafeBufferPointer { b in
            for i in 0..<layer.ids.count where b[4 * i] <= maxX && b[4 * i + 1] <= maxY && b[4 * i + 2] >= minX && b[4 * i + 3] >= minY {
                body(i)
            }
        }
    }

    func lookUpBrute(_ point: Coordinate, into result: inout [Int32]) {
        scan(parcels, minX: point.lon, minY: point.lat, maxX: point.lon, maxY: point.lat) { i in
            if parcels.polygons[i].contains(point) { result.append(parcels.ids[i]) }
        }
        scan(zones, minX: point.lon, minY: point.lat, maxX: point.lon, maxY: point.lat) { i in
            if zones.polygons[i].contains(point) { result.append(zones.ids[i]) }
        }
    }

    /// W2 exact: parcels whose polygon meets the closed window. A parcel whose box lies inside the
    /// window is a hit without reading its polygon.
    var overlapping: [Int32] = []
    overlapping.reserveCapacity(4_096)
    func windowQuery(_ window: BoundingBox, into result: inout [Int32]) {
        candidates.removeAll(keepingCapacity: true)
        overlapping.removeAll(keepingCapacity: true)
        parcelIndex.search(
            minX: window.minLon, minY: window.minLat, maxX: window.maxLon, maxY: window.maxLat,
            contained: &candidates, overlapping: &overlapping)
        for c in candidates { result.append(parcels.ids[Int(c)]) }
        for c in overlapping
        where parcelOutlines.intersects(c, minX: window.minLon, minY: window.minLat, maxX: window.maxLon, maxY: window.maxLat) {
            result.append(parcels.ids[Int(c)])
        }
    }

    func windowQueryBrute(_ window: BoundingBox, into result: inout [Int32]) {
        scan(parcels, minX: window.minLon, minY: window.minLat, maxX: window.maxLon, maxY: window.maxLat) { i in
            if parcels.polygons[i].intersects(window) { result.append(parcels.ids[i]) }
        }
    }

    var nearestBuffer = NearestSearchBuffer()
    var neighbors: [Neighbor] = []
    neighbors.reserveCapacity(64)

    func nearest(_ query: Coordinate, category: Int32, into result: inout [Neighbor]) {
        if category < 0 {
            let metric = FacilityMetric(
                query, points: facilityPoints, centred: facilityCentred, centredInLeafOrder: facilityCentredInLeafOrder, extent: facilityExtent)
            facilityIndex.nearest(metric, k: 5, buffer: &nearestBuffer, into: &result)
        } else if let tree = facilityIndexByCategory[category] {
            let metric = FacilityMetric(query, points: facilityPoints, centred: facilityCentred, centredInLeafOrder: tree.centred, extent: facilityExtent)
            tree.index.nearest(metric, k: 5, buffer: &nearestBuffer, into: &result)
        }
    }

    func nearestBrute(_ query: Coordinate, category: Int32, into result: inout [Neighbor]) {
        var all: [Neighbor] = []
        for (i, p) in facilityPoints.enumerated() where category < 0 || facilityCategories[i] == category {
            all.append(Neighbor(id: Int32(i), distance: query.geodesicDistanceMeters(to: p)))
        }
        all.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }
        result.append(contentsOf: all.prefix(5))
    }

    // MARK: - Cross-check against brute force

    func crossCheck(_ name: String, count: Int, _ indexed: (Int, inout [Int32]) -> Void, _ brute: (Int, inout [Int32]) -> Void) {
        var mismatches = 0
        var a: [Int32] = [], b: [Int32] = []
        var idLines = ""
        for i in 0..<min(count, options.checkQueries) {
            a.removeAll(); b.removeAll()
            indexed(i, &a)
            brute(i, &b)
                idLines += a.sorted().map(String.init).joined(separator: " ") + "\n"
        if a.sorted() != b.sorted() {
                mismatches += 1
                if mismatches <= 5 { report("  MISMATCH \(name) query \(i): index \(a.sorted()) brute \(b.sorted())") }
            }
        }
        report("check \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(min(count, options.checkQueries)) queries, \(mismatches) mismatches with brute force")
        if !options.idsDirectory.isEmpty {
            // The peers' cross-check format (RESULTS.md): sorted ids of query i on line i + 1.
            try? FileManager.default.createDirectory(atPath: options.idsDirectory, withIntermediateDirectories: true)
            try? idLines.write(toFile: options.idsDirectory + "/" + name + ".txt", atomically: true, encoding: .utf8)
        }
    }

    let n = queryPoints.count
    crossCheck("W1_pip", count: n, { lookUp(queryPoints[$0].point, into: &$1) }, { lookUpBrute(queryPoints[$0].point, into: &$1) })
    crossCheck("W2_bbox200_exact", count: n, { windowQuery(windows200[$0], into: &$1) }, { windowQueryBrute(windows200[$0], into: &$1) })
    crossCheck("W2_bbox1k_exact", count: n, { windowQuery(windows1k[$0], into: &$1) }, { windowQueryBrute(windows1k[$0], into: &$1) })
    func nearestIds(_ i: Int, category: Int32, brute: Bool, into ids: inout [Int32]) {
        var result: [Neighbor] = []
        if brute {
            nearestBrute(queryPoints[i].point, category: category, into: &result)
        } else {
            nearest(queryPoints[i].point, category: category, into: &result)
        }
        // Distances and order are compared too: ids are ranked, so keep the order in the list.
        ids.append(contentsOf: result.map { facilityIds[Int($0.id)] })
    }
    func crossCheckNearest(_ name: String, categoryOf: (Int) -> Int32) {
        var mismatches = 0
        for i in 0..<min(n, options.checkQueries) {
            var a: [Neighbor] = [], b: [Neighbor] = []
            nearest(queryPoints[i].point, category: categoryOf(i), into: &a)
            a = a.map { Neighbor(id: $0.id, distance: GeodesicNearestKeys.meters(fromKey: $0.distance)) }  // keys are squared metres
            nearestBrute(queryPoints[i].point, category: categoryOf(i), into: &b)
            // Same ids in the same order; distances to 1 µm (the index's short-line formula and
            // Karney's agree to 0.3 µm, GeodesicFromPointTests).
            if a.map(\.id) != b.map(\.id) || zip(a, b).contains(where: { abs($0.distance - $1.distance) > 1e-6 }) {
                mismatches += 1
                if mismatches <= 5 { report("  MISMATCH \(name) query \(i): index \(a) brute \(b)") }
            }
        }
        report("check \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(min(n, options.checkQueries)) queries, \(mismatches) mismatches with brute force (ids, order and distances)")
    }
    for category in [false, true] {
        boundCalls = 0
        exactCalls = 0
        chordRejects = 0
        for i in 0..<n {
            neighbors.removeAll(keepingCapacity: true)
            let tree = category ? facilityIndexByCategory[queryPoints[i].category] ?? (index: facilityIndex, centred: facilityCentredInLeafOrder) : (index: facilityIndex, centred: facilityCentredInLeafOrder)
            let metric = CountingMetric(base: FacilityMetric(
                queryPoints[i].point, points: facilityPoints, centred: facilityCentred, centredInLeafOrder: tree.centred, extent: facilityExtent))
            tree.index.nearest(metric, k: 5, buffer: &nearestBuffer, into: &neighbors)
        }
        report(String(
            format: "%@ per query: %.1f box lower bounds, %.1f exact geodesic distances (leaves queued with their distance count as exact), %.1f leaves dropped on their chord",
            category ? "W3_knn5_cat" : "W3_knn5    ", Double(boundCalls) / Double(n), Double(exactCalls) / Double(n), Double(chordRejects) / Double(n)))
    }
    crossCheckNearest("W3_knn5") { _ in -1 }
    crossCheckNearest("W3_knn5_cat") { queryPoints[$0].category }

    // MARK: - Workloads

    var result: [Int32] = []
    result.reserveCapacity(4_096)
    let reps = options.reps
    let bruteCount = min(n, options.bruteQueries)

    report(
        "W1_pip",
        index: measure(count: n, reps: reps) { i in result.removeAll(keepingCapacity: true); lookUp(queryPoints[i].point, into: &result); sink &+= result.count },
        brute: measure(count: bruteCount, reps: 1) { i in result.removeAll(keepingCapacity: true); lookUpBrute(queryPoints[i].point, into: &result); sink &+= result.count })
    report(
        "W2_bbox200_exact",
        index: measure(count: n, reps: reps) { i in result.removeAll(keepingCapacity: true); windowQuery(windows200[i], into: &result); sink &+= result.count },
        brute: measure(count: bruteCount, reps: 1) { i in result.removeAll(keepingCapacity: true); windowQueryBrute(windows200[i], into: &result); sink &+= result.count })
    report(
        "W2_bbox200_mbr",
        index: measure(count: n, reps: reps) { i in
            result.removeAll(keepingCapacity: true)
            let w = windows200[i]
            parcelIndex.search(minX: w.minLon, minY: w.minLat, maxX: w.maxLon, maxY: w.maxLat, into: &result)
            sink &+= result.count
        }, brute: nil)
    report(
        "W2_bbox1k_exact",
        index: measure(count: n, reps: reps) { i in result.removeAll(keepingCapacity: true); windowQuery(windows1k[i], into: &result); sink &+= result.count },
        brute: measure(count: bruteCount, reps: 1) { i in result.removeAll(keepingCapacity: true); windowQueryBrute(windows1k[i], into: &result); sink &+= result.count })
    let bruteNearestCount = min(n, options.bruteNearestQueries)
    report(
        "W3_knn5 (geodesic)",
        index: measure(count: n, reps: reps) { i in neighbors.removeAll(keepingCapacity: true); nearest(queryPoints[i].point, category: -1, into: &neighbors); sink &+= neighbors.count },
        brute: measure(count: bruteNearestCount, reps: 1) { i in neighbors.removeAll(keepingCapacity: true); nearestBrute(queryPoints[i].point, category: -1, into: &neighbors); sink &+= neighbors.count })
    report(
        "W3_knn5_cat (geodesic)",
        index: measure(count: n, reps: reps) { i in neighbors.removeAll(keepingCapacity: true); nearest(queryPoints[i].point, category: queryPoints[i].category, into: &neighbors); sink &+= neighbors.count },
        brute: measure(count: bruteNearestCount, reps: 1) { i in neighbors.removeAll(keepingCapacity: true); nearestBrute(queryPoints[i].point, category: queryPoints[i].category, into: &neighbors); sink &+= neighbors.count })
    report(
        "geodesic distance",
        index: measure(count: n, reps: reps) { i in
            sink &+= Int(queryPoints[i].point.geodesicDistanceMeters(to: facilityPoints[i % facilityPoints.count]))
        }, brute: nil)
    let rulers = queryPoints.map { GeodesicFromPoint(from: $0.point) }
    report(
        "short-line distance",
        index: measure(count: n, reps: reps) { i in
            let j = i % facilityPoints.count
            sink &+= Int(rulers[i].meters(to: facilityPoints[j], centred: facilityCentred[j]))
        }, brute: nil)

    // MARK: - Edits (W5): one edit visible, and 1,000 deletes then 1,000 inserts

    do {
        var visibleNanoseconds: [UInt64] = []
        var nextId = Int32(parcels.ids.count)
        for i in 0..<1_000 {
            let source = parcels.polygons[(i * 97) % parcels.polygons.count].bbox
            var seen = false
            let elapsed = nanoseconds {
                var next = parcelIndex  // the published snapshot stays untouched
                next.upsert(id: nextId, minX: source.minLon, minY: source.minLat, maxX: source.maxLon, maxY: source.maxLat)
                candidates.removeAll(keepingCapacity: true)
                next.search(minX: source.minLon, minY: source.minLat, maxX: source.minLon, maxY: source.minLat, into: &candidates)
                seen = candidates.contains(nextId)
            }
            precondition(seen, "an inserted item must be visible")
            visibleNanoseconds.append(elapsed)
            nextId += 1
        }
        visibleNanoseconds.sort()
        report(String(format: "edit visible            insert one parcel into a snapshot copy and find it: median %.1f µs", Double(visibleNanoseconds[500]) / 1e3))

        let updateIds = lines(peers + "update.txt").map { Int32($0)! }
        var positionOfId: [Int32: Int32] = [:]
        for (position, id) in parcels.ids.enumerated() { positionOfId[id] = Int32(position) }
        var edited = parcelIndex
        let deleteNanoseconds = nanoseconds {
            for id in updateIds { edited.remove(id: positionOfId[id]!) }
        }
        let insertNanoseconds = nanoseconds {
            for (k, id) in updateIds.enumerated() {
                let b = parcels.polygons[Int(positionOfId[id]!)].bbox
                edited.upsert(id: Int32(parcels.ids.count + k), minX: b.minLon, minY: b.minLat, maxX: b.maxLon, maxY: b.maxLat)
            }
        }
        let compactNanoseconds = nanoseconds { sink &+= edited.compacted().count }
        report(String(
            format: "W5_update               1,000 deletes %.2f ms, 1,000 inserts %.2f ms (one value, in place); compaction afterwards %.1f ms",
            Double(deleteNanoseconds) / 1e6, Double(insertNanoseconds) / 1e6, Double(compactNanoseconds) / 1e6))
        var afterEdits = 0
        let afterMeasurement = measure(count: n, reps: reps) { i in
            candidates.removeAll(keepingCapacity: true)
            let p = queryPoints[i].point
            edited.search(minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat, into: &candidates)
            afterEdits &+= candidates.count
        }
        sink &+= afterEdits
        report("W5_mbr_after (overlay)", index: afterMeasurement, brute: nil)
    }

    // MARK: - Node size (optional)

    for nodeSize in options.nodeSizes {
        let (index, seconds) = buildIndex(parcels.boxes, count: parcels.ids.count, nodeSize: nodeSize)
        let point = measure(count: n, reps: reps) { i in
            candidates.removeAll(keepingCapacity: true)
            let p = queryPoints[i].point
            index.search(minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat, into: &candidates)
            sink &+= candidates.count
        }
        let window = measure(count: n, reps: reps) { i in
            candidates.removeAll(keepingCapacity: true)
            let w = windows200[i]
            index.search(minX: w.minLon, minY: w.minLat, maxX: w.maxLon, maxY: w.maxLat, into: &candidates)
            sink &+= candidates.count
        }
        let (facilities, _) = buildIndex(facilityBoxes, count: facilityPoints.count, nodeSize: nodeSize)
        let facilitiesInLeafOrder = centredInLeafOrder(facilities)
        let knn = measure(count: n, reps: reps) { i in
            neighbors.removeAll(keepingCapacity: true)
            facilities.nearest(
                FacilityMetric(
                    queryPoints[i].point, points: facilityPoints, centred: facilityCentred, centredInLeafOrder: facilitiesInLeafOrder,
                    extent: facilityExtent), k: 5,
                buffer: &nearestBuffer, into: &neighbors)
            sink &+= neighbors.count
        }
        report(String(
            format: "node size %3d           build %.3f s, point mbr %.0f ns, 200 m mbr %.0f ns, %.1f bytes/parcel; 5-NN geodesic %.0f ns",
            nodeSize, seconds, point.medianNanoseconds, window.medianNanoseconds, Double(index.base.memoryBytes) / Double(parcels.ids.count),
            knn.medianNanoseconds))
    }
    report("sink \(sink)")
}

run(parseOptions())
