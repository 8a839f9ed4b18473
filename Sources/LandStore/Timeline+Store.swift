package import LandModel

extension LandStore {
    /// Every version since the dataset was imported of the features that have more than the
    /// imported one (issue 16 point 5: answers at an instant with the outlines and the set of
    /// features valid then), read in one transaction.
    package func timeline() async throws(StoreError) -> CityTimeline {
        try await readers.read { (connection) throws(StoreError) in
            try connection.readTransaction { () throws(StoreError) in
                let importedAt = try connection.cached(SQL.datasetInfo, name: "datasetInfo").all { $0.string(1) }.first.flatMap { $0 } ?? ""
                func read<Key: Hashable, F>(
                    _ sql: String, name: String, columns: Int32, _ decode: (Statement) throws(StoreError) -> F, id: (F) -> Key
                ) throws(StoreError) -> [Key: [DatedVersion<F>]] {
                    let versions = try connection.cached(sql, name: name).bind(importedAt, at: 1).all { (row) throws(StoreError) in
                        DatedVersion(try decode(row), validity: Validity(from: row.string(columns), to: row.string(columns + 1)))
                    }
                    return Dictionary(grouping: versions) { id($0.feature) }.mapValues { CityTimeline.chain($0, importedAt: importedAt) }
                }
                return CityTimeline(
                    parcels: try read(SQL.parcelTimeline, name: "parcelTimeline", columns: 8, Self.parcel, id: \.id),
                    zones: try read(SQL.zoneTimeline, name: "zoneTimeline", columns: 6, Self.zone, id: \.id),
                    facilities: try read(SQL.facilityTimeline, name: "facilityTimeline", columns: 7, Self.facility, id: \.id))
            }
        }
    }
}
