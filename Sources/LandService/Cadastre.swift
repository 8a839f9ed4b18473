package import LandModel
import LandStore
package import GeoFormats
import GeoCore
import Logging

/// A parcel proposed by a subdivision (a child: its outline, and values where they differ from
/// the parent's) or a merger (values where they differ from the first parcel's; no outline: the
/// union is the outline), as the API read it.
package struct ProposedParcel: Sendable, Equatable {
    /// A GeoJSON Polygon or MultiPolygon; nil for a merger.
    package var geometry: JSONValue?
    /// Parcel properties by Zamin's names (`zone_code`, `current_use`, `floors`, `address`, others
    /// kept as they are); `null` removes one.
    package var properties: JSONObject

    package init(geometry: JSONValue?, properties: JSONObject) {
        self.geometry = geometry
        self.properties = properties
    }
}

/// Subdivisions (تفکیک) and mergers (تجمیع), issue 16 point 4, by planners (`POST
/// /parcels/{id}/subdivide`, `POST /parcels/merge`) or by the approval of a citizen's request.
/// Each child is read and checked as the importer reads a parcel (the parent's values, then
/// the child's own), then against its zone's minimum parcel area; the store checks the
/// geometry (the children tile the parent; the merged parcels form one polygon) and writes
/// everything in one transaction (Cadastre+Store.swift). The children get the next ids of the
/// dataset's scheme, chosen inside that transaction.
extension LandServices {
    package func subdivide(
        _ parentID: ParcelID, into children: [ProposedParcel], reason: String?, actor: String
    ) async throws(ServiceError) -> CadastralChange {
        try await apply(.subdivision(parent: parentID, children: try checkSubdivision(parentID, into: children)), reason: reason, actor: actor)
    }

    /// The children of a subdivision as they would be made (ids not yet chosen), or the rules they
    /// break that can be told without the store: each child's values, its zone's minimum area.
    package func checkSubdivision(_ parentID: ParcelID, into children: [ProposedParcel]) throws(ServiceError) -> [Parcel] {
        let snapshot = snapshots.snapshot
        guard let position = snapshot.parcelPosition[parentID] else { throw .featureNotFound }
        guard children.count >= 2 else { throw .cadastral([.tooFewChildren]) }
        let parent = snapshot.parcels[Int(position)]
        var made: [Parcel] = []
        for (index, child) in children.enumerated() {
            guard let geometry = child.geometry else { throw .invalidChild(index: index, rules: [.noArea]) }
            var drawn = try Self.parcel(geometry: geometry, values: child.properties, over: parent, index: index, snapshot: snapshot)
            // Vertices drawn on the parent's boundary from its 7-decimal GeoJSON go back onto it.
            drawn.geometry = drawn.geometry.snapped(to: parent.geometry, tolerance: Self.snapTolerance)
            drawn.areaSquareMeters = drawn.geometry.geodesicAreaSquareMeters
            made.append(drawn)
        }
        var problems: [CadastralProblem] = []
        for (index, child) in made.enumerated() {
            guard let zone = child.zoneCode ?? child.geometry.interiorPoint.flatMap({ snapshot.zones(at: $0).first.map { snapshot.zones[Int($0)].code } }),
                let minimum = snapshot.rules[zone]?.minParcelAreaSquareMeters, child.areaSquareMeters < minimum
            else { continue }
            problems.append(.childTooSmall(child: index, squareMeters: child.areaSquareMeters, minimum: minimum, zone: zone))
        }
        guard problems.isEmpty else { throw .cadastral(problems) }
        return made
    }

    package func merge(_ parcels: [ParcelID], values: JSONObject, reason: String?, actor: String) async throws(ServiceError) -> CadastralChange {
        try await apply(.merger(parcels: parcels, values: try checkMerger(parcels, values: values)), reason: reason, actor: actor)
    }

    /// The plan a proposal makes of the city now: the children read and checked (`parcel`: the
    /// request's parcel, a subdivision's parent).
    func plan(_ proposal: CadastralProposal, parcel: ParcelID) throws(ServiceError) -> CadastralPlan {
        switch proposal {
        case .subdivision(let children): .subdivision(parent: parcel, children: try checkSubdivision(parcel, into: children))
        case .merger(let parcels, let values): .merger(parcels: parcels, values: try checkMerger(parcels, values: values))
        }
    }

    private func apply(_ plan: CadastralPlan, reason: String?, actor: String) async throws(ServiceError) -> CadastralChange {
        let holder = snapshots
        return try await cadastralWrite { () async throws(StoreError) in
            try await store.apply(
                plan, reason: reason, actor: actor, newIDs: { Self.withNewIDs($0, in: holder.snapshot) },
                afterCommit: { outcome in holder.publishOwnChange({ $0.applying(outcome.change) }, cityVersion: outcome.cityVersion) })
        }
    }

    /// The merged parcel's values (the first parcel's, then `values`), checked as the importer
    /// checks a parcel; its outline comes from the store.
    package func checkMerger(_ parcels: [ParcelID], values: JSONObject) throws(ServiceError) -> Parcel {
        let snapshot = snapshots.snapshot
        guard Set(parcels).count >= 2 else { throw .cadastral([.tooFewParcels]) }
        let unknown = parcels.filter { snapshot.parcelPosition[$0] == nil }
        guard unknown.isEmpty else { throw .cadastral(unknown.map(CadastralProblem.unknownParcel)) }
        let first = snapshot.parcels[Int(snapshot.parcelPosition[parcels[0]]!)]
        return try Self.parcel(geometry: nil, values: values, over: first, index: 0, snapshot: snapshot)
    }

    private func cadastralWrite(_ write: () async throws(StoreError) -> CadastralOutcome) async throws(ServiceError) -> CadastralChange {
        let outcome: CadastralOutcome
        do {
            outcome = try await storeWrites.time(.cadastralChange, write)
        } catch .notFound {
            throw .featureNotFound
        } catch .conflict(let what) {
            throw .featureExists(what)
        } catch .cadastral(let problems) {
            throw .cadastral(problems)
        } catch {
            throw .store(error)
        }
        let change = outcome.change
        logger.info(
            "parcels \(change.kind == .subdivision ? "subdivided" : "merged")",
            metadata: ["parents": "\(change.parents.map(\.id.rawValue))", "children": "\(change.children.map(\.id.rawValue))"])
        return change
    }

    /// A parcel read as the importer reads one: `base`'s values and extra properties, then
    /// `values` over them, with `geometry` (nil: `base`'s outline).
    private static func parcel(
        geometry: JSONValue?, values: JSONObject, over base: Parcel, index: Int, snapshot: CitySnapshot
    ) throws(ServiceError) -> Parcel {
        var properties = (try? JSONParser.parse(Array(base.extraPropertiesJSON.utf8)))?.objectValue ?? JSONObject()
        properties["zone_code"] = base.zoneCode.map { .string($0.rawValue) } ?? .null
        properties["current_use"] = base.currentUse.map { .string($0.rawValue) } ?? .null
        properties["floors"] = base.floors.map { .number(Double($0)) } ?? .null
        properties["address"] = base.address.map { .string($0) } ?? .null
        for member in values.members where member.key != "id" { properties[member.key] = member.value }
        let body: [UInt8]
        if let geometry {
            var writer = JSONWriter()
            writer.value(.object(["type": .string("Feature"), "geometry": geometry, "properties": .object(properties)]))
            body = writer.bytes
        } else {
            // A merger's values, checked on the first parcel's outline (the union replaces it).
            var writer = GeoJSONWriter(decimals: 9)
            writer.feature(id: nil, properties: properties, geometry: .polygonal(base.geometry))
            body = writer.bytes
        }
        do throws(FeatureInputError) {
            let read = try DatasetImporter().readFeature(body, layer: .parcel, knownCodes: Set(snapshot.rules.keys)) { _ in
                base.id.rawValue
            }
            guard case .parcel(let parcel) = read else { throw FeatureInputError([.geometryType(layer: "parcel", expected: "polygon")]) }
            return parcel
        } catch {
            throw .invalidChild(index: index, rules: error.rules)
        }
    }

    /// How far a child's vertex may lie from the parent's boundary and be moved onto it: twice
    /// the rounding of 7-decimal coordinates, about 2 cm (`Polygonal.snapped`).
    static let snapTolerance = 2e-7

    /// The parcels with the next ids of the dataset's scheme, in order.
    static func withNewIDs(_ parcels: [Parcel], in snapshot: CitySnapshot) -> [Parcel] {
        var ids = snapshot.parcels.values.map(\.id.rawValue)
        return parcels.map { parcel in
            var parcel = parcel
            let id = CitySnapshot.nextID(after: ids, fallbackPrefix: "P-")
            ids.append(id)
            parcel.id = ParcelID(id)
            return parcel
        }
    }
}

extension CitySnapshot {
    /// The snapshot after a subdivision or merger: its parcel layer built again.
    func applying(_ change: CadastralChange) -> CitySnapshot {
        let gone = Set(change.parents.map(\.id))
        return replacingLayers(
            parcels: parcels.filter { !gone.contains($0.id) } + change.children.map(\.withExtraPropertiesCompacted))
    }
}

/// A subdivision or merger as a citizen's request proposes it, kept with the request as a
/// versioned JSON record (`change_request.proposal`), read back when a planner approves it:
/// - version 1: `{"version": 1, "children": [{"geometry": …, "properties": {…}}, …]}` or
///   `{"version": 1, "parcels": ["id", …], "properties": {…}}`.
package enum CadastralProposal: Sendable, Equatable {
    case subdivision([ProposedParcel])
    case merger([ParcelID], values: JSONObject)

    package var json: String {
        var object: JSONObject = ["version": .number(1)]
        switch self {
        case .subdivision(let children):
            object["children"] = .array(children.map { child in
                .object(["geometry": child.geometry ?? .null, "properties": .object(child.properties)])
            })
        case .merger(let parcels, let values):
            object["parcels"] = .array(parcels.map { .string($0.rawValue) })
            object["properties"] = .object(values)
        }
        var writer = JSONWriter()
        writer.value(.object(object))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    package init?(json: String) {
        guard case .object(let object)? = try? JSONParser.parse(Array(json.utf8)), object["version"]?.numberValue == 1 else { return nil }
        if case .array(let children)? = object["children"] {
            self = .subdivision(children.map { child in
                ProposedParcel(geometry: child.objectValue?["geometry"], properties: child.objectValue?["properties"]?.objectValue ?? JSONObject())
            })
        } else if case .array(let parcels)? = object["parcels"] {
            self = .merger(parcels.compactMap { $0.stringValue.map(ParcelID.init) }, values: object["properties"]?.objectValue ?? JSONObject())
        } else {
            return nil
        }
    }
}
