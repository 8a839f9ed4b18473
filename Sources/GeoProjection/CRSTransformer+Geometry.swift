package import GeoCore

extension CRSTransformer {
    /// One CRS84 position to the target, as (first axis, second axis) in the target's order.
    package func forward(_ coordinate: Coordinate) throws(ProjectionError) -> (Double, Double) {
        let result = try forward([coordinate.lon, coordinate.lat])
        return (result[0], result[1])
    }

    /// A CRS84 geometry in the target CRS, same shape. The positions are built unchecked and hold
    /// projected values: the first axis in `lon`, the second in `lat` (so for EPSG:4326 `lon` holds
    /// the latitude). Only a writer should read them; nothing should treat them as WGS 84 again.
    package func forward(_ geometry: Geometry) throws(ProjectionError) -> Geometry {
        switch geometry {
        case .point(let point):
            let (first, second) = try forward(point)
            return .point(Coordinate(uncheckedLon: first, lat: second))
        case .lineString(let line):
            return .lineString(try forwardLine(line))
        case .multiLineString(let lines):
            var projected: [[Coordinate]] = []
            projected.reserveCapacity(lines.count)
            for line in lines { projected.append(try forwardLine(line)) }
            return .multiLineString(projected)
        case .polygonal(let polygonal):
            var parts: [Polygon] = []
            parts.reserveCapacity(polygonal.parts.count)
            for part in polygonal.parts {
                var holes: [Ring] = []
                holes.reserveCapacity(part.holes.count)
                for hole in part.holes { holes.append(Ring(xy: try forward(hole.xy))) }
                parts.append(Polygon(exterior: Ring(xy: try forward(part.exterior.xy)), holes: holes))
            }
            return .polygonal(Polygonal(parts: parts, isMulti: polygonal.isMulti))
        }
    }

    private func forwardLine(_ line: [Coordinate]) throws(ProjectionError) -> [Coordinate] {
        let xy = try forward(Ring(line).xy)
        return (0..<line.count).map { Coordinate(uncheckedLon: xy[2 * $0], lat: xy[2 * $0 + 1]) }
    }

    /// The CRS84 box covering a `bbox` given with `bbox-crs` = target (OGC 18-058r1
    /// `/req/crs/bbox-crs-action`). `lower` and `upper` are the corners in the target's axis
    /// order, as the `bbox` parameter lists them (EPSG:4326: minLat, minLon, maxLat, maxLon).
    ///
    /// A straight edge in a projected CRS is a curve in lon/lat, so the four corners alone can
    /// miss part of the box: the outline is walked with `pointsPerEdge` positions per edge (corners
    /// included) and the envelope of all of them, widened by 1e-9° (0.1 mm) against rounding, is
    /// returned, clamped to WGS 84 ranges. If consecutive positions jump by more than 180° of
    /// longitude, the box crosses the antimeridian (PROJ wraps longitudes into -180…180); BoundingBox
    /// cannot express that, so the whole longitude range is returned, which still covers the box.
    package func inverseBoundingBox(
        lower: (Double, Double), upper: (Double, Double), pointsPerEdge: Int = 21
    ) throws(ProjectionError) -> BoundingBox {
        precondition(pointsPerEdge >= 2, "an edge has at least its two corners")
        // Corners in walking order; each edge contributes its start and pointsPerEdge - 2 inner points.
        let corners = [lower, (upper.0, lower.1), upper, (lower.0, upper.1)]
        var outline: [Double] = []
        outline.reserveCapacity(8 * pointsPerEdge)
        let steps = Double(pointsPerEdge - 1)
        for edge in 0..<4 {
            let (start, end) = (corners[edge], corners[(edge + 1) % 4])
            for step in 0..<(pointsPerEdge - 1) {
                let t = Double(step) / steps
                outline.append(start.0 + (end.0 - start.0) * t)
                outline.append(start.1 + (end.1 - start.1) * t)
            }
        }
        let lonLat = try inverse(outline)
        var box = Ring(xy: lonLat).bbox
        var crossesAntimeridian = false
        var previousLon = lonLat[lonLat.count - 2]
        for index in stride(from: 0, to: lonLat.count, by: 2) {
            if abs(lonLat[index] - previousLon) > 180 { crossesAntimeridian = true }
            previousLon = lonLat[index]
        }
        let margin = 1e-9
        box.minLon = crossesAntimeridian ? -180 : max(-180, box.minLon - margin)
        box.maxLon = crossesAntimeridian ? 180 : min(180, box.maxLon + margin)
        box.minLat = max(-90, box.minLat - margin)
        box.maxLat = min(90, box.maxLat + margin)
        return box
    }
}
