package import LandModel
package import GeoCore

/// One district's figures (`/stats/districts`, issue 21 point 4).
package struct DistrictFigures: Sendable {
    package var district: District
    /// Parcels counted in the district: those whose interior point it contains.
    package var parcels = 0
    package var parcelAreaSquareMeters = 0.0
    /// Area (m², each parcel's stored geodesic area) per current use, by use; parcels without one are left out.
    package var areaByUse: [(use: LandUse, areaSquareMeters: Double)] = []
    /// Area of the parcels whose use is green space (`DistrictFigures.greenUses`).
    package var greenAreaSquareMeters = 0.0
    /// Facilities inside the district, per category, by category.
    package var facilitiesByCategory: [(category: FacilityCategory, count: Int)] = []
    /// Open problem reports (open or in progress) inside the district.
    package var openReports = 0

    /// Green space per parcel area (0…1); nil without parcels.
    package var greenShare: Double? { parcelAreaSquareMeters > 0 ? greenAreaSquareMeters / parcelAreaSquareMeters : nil }

    /// The land uses that are green space: Tehran's `green`, and the names other cities' datasets use.
    package static let greenUses: Set<LandUse> = Set(["green", "green_space", "park", "garden", "recreation_ground", "forest", "grass"].map(LandUse.init))
}

extension CitySnapshot {
    /// Every district's figures, by district id. A parcel counts in the district that contains
    /// its interior point (a parcel straddling two counts once), a facility or report in the
    /// district that contains its point; the first district by id where districts overlap.
    /// No statistic reads the sensitive sites: they are another layer.
    /// The parcels' and facilities' part is made once per snapshot (`districtFigureCache`): it
    /// reads every parcel, a public endpoint must not cost that per request (1M parcels).
    package func districtFigures(openReportPoints: [Coordinate]) -> [DistrictFigures] {
        var figures = districtFigureCache.value { cityFigures() }
        for point in openReportPoints {
            guard let position = districtPosition(of: point) else { continue }
            figures[position].openReports += 1
        }
        return figures
    }

    private func districtPosition(of point: Coordinate) -> Int? {
        information.district(containing: point).flatMap { found in information.districts.firstIndex { $0.id == found.id } }
    }

    /// The figures of the city's parcels and facilities, without reports.
    private func cityFigures() -> [DistrictFigures] {
        let districts = information.districts
        var figures = districts.map { DistrictFigures(district: $0) }
        guard !districts.isEmpty else { return [] }
        var useAreas = Array(repeating: [LandUse: Double](), count: districts.count)
        var categoryCounts = Array(repeating: [FacilityCategory: Int](), count: districts.count)
        for (position, district) in districts.enumerated() {
            for parcelPosition in parcels(intersecting: district.geometry.bbox) {
                let parcel = parcels[Int(parcelPosition)]
                guard let point = parcel.geometry.interiorPoint, districtPosition(of: point) == position else { continue }
                figures[position].parcels += 1
                figures[position].parcelAreaSquareMeters += parcel.areaSquareMeters
                if let use = parcel.currentUse {
                    useAreas[position][use, default: 0] += parcel.areaSquareMeters
                    if DistrictFigures.greenUses.contains(use) { figures[position].greenAreaSquareMeters += parcel.areaSquareMeters }
                }
            }
        }
        for facility in facilities {
            guard let position = districtPosition(of: facility.location) else { continue }
            categoryCounts[position][facility.category, default: 0] += 1
        }
        for position in figures.indices {
            figures[position].areaByUse = useAreas[position].keys.sorted().map { ($0, useAreas[position][$0]!) }
            figures[position].facilitiesByCategory = categoryCounts[position].keys.sorted().map { ($0, categoryCounts[position][$0]!) }
        }
        return figures
    }
}

extension LandServices {
    /// Every district's figures on the current city, open reports as stored now.
    package func districtFigures() async throws(ServiceError) -> [DistrictFigures] {
        try await refreshOpenReports()
        return snapshots.snapshot.districtFigures(openReportPoints: openReports.openPoints)
    }
}
