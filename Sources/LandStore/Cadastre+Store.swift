package import LandModel
package import GeoCore
import GeoFormats

/// What a subdivision or merger did, for the caller to publish and answer.
package struct CadastralOutcome: Sendable {
    package var change: CadastralChange
    package var cityVersion: CityVersion
}

/// A subdivision or merger to make, the children's values read and checked by the caller
/// (LandService); their ids are given inside the transaction (`newIDs`).
package enum CadastralPlan: Sendable {
    case subdivision(parent: ParcelID, children: [Parcel])
    /// The merged parcel's values: its outline is the union the store computes.
    case merger(parcels: [ParcelID], values: Parcel)
}

/// Subdivisions (تفکیک) and mergers (تجمیع), issue 16 point 4: one transaction each that checks
/// the geometry with GEOS (through SpatiaLite, as the overlap check and `zamin check` measure:
/// geodesic areas), ends the parents and begins the children through the parcel layer's one
/// writer (`writeParcelVersion`: the parents' last versions go whole into the history), links
/// them in `parcel_lineage`, and writes the city's version and one audit record. A request's
/// approval makes its change in the transaction that approves it (`decide`). The children's
/// ids are chosen inside the transaction, so they follow the ids stored at that moment.
extension LandStore {
    package func apply(
        _ plan: CadastralPlan, reason: String?, actor: String,
        newIDs: @Sendable ([Parcel]) -> [Parcel], afterCommit: @Sendable (CadastralOutcome) -> Void
    ) async throws(StoreError) -> CadastralOutcome {
        try await writer.applyAlone(plan, reason: reason, actor: actor, newIDs: newIDs, afterCommit: afterCommit)
    }

    /// What stops `plan` now, as its transaction would find it (a request's check on filing).
    package func problems(of plan: CadastralPlan, except requestID: RequestID? = nil) async throws(StoreError) -> [CadastralProblem] {
        try await readers.read { (connection) throws(StoreError) in
            try connection.readTransaction { () throws(StoreError) in
                do throws(StoreError) {
                    _ = try CadastralChecks(connection: connection).check(plan, except: requestID)
                    return []
                } catch .cadastral(let problems) {
                    return problems
                }
            }
        }
    }

    /// Lineage links made in [from, to] (the stored instant form), oldest first.
    package func lineage(from: String, to: String) async throws(StoreError) -> [LineageLink] {
        try await readers.read { (connection) throws(StoreError) in
            try connection.cached(SQL.lineageBetween, name: "lineageBetween").bind(from, at: 1).bind(to, at: 2).all { row in
                LineageLink(
                    parent: ParcelID(row.string(0) ?? ""), child: ParcelID(row.string(1) ?? ""), at: row.string(2) ?? "",
                    kind: CadastralKind(rawValue: row.string(3) ?? "") ?? .subdivision, requestID: row.int(4).map(RequestID.init))
            }
        }
    }
}

/// The checks of a plan on one connection (the writer's, or a reader's for a dry run).
struct CadastralChecks {
    let connection: Connection

    /// The parents and the children's outlines (a merger's: its union), or every problem found.
    func check(_ plan: CadastralPlan, except requestID: RequestID?) throws(StoreError) -> (parents: [Parcel], outlines: [Polygonal]) {
        switch plan {
        case .subdivision(let parentID, let children):
            guard let parent = try parcel(parentID) else { throw StoreError.notFound(what: "parcel \(parentID)") }
            try refuseOpenRequests(on: [parentID], except: requestID)
            guard children.count >= 2 else { throw StoreError.cadastral([.tooFewChildren]) }
            let problems = try tilingProblems(of: parent.geometry, by: children.map(\.geometry))
            guard problems.isEmpty else { throw StoreError.cadastral(problems) }
            return ([parent], children.map(\.geometry))
        case .merger(let ids, _):
            var unique: [ParcelID] = []
            for id in ids where !unique.contains(id) { unique.append(id) }
            guard unique.count >= 2 else { throw StoreError.cadastral([.tooFewParcels]) }
            var parents: [Parcel] = [], problems: [CadastralProblem] = []
            for id in unique {
                if let found = try parcel(id) { parents.append(found) } else { problems.append(.unknownParcel(id)) }
            }
            guard problems.isEmpty else { throw StoreError.cadastral(problems) }
            try refuseOpenRequests(on: unique, except: requestID)
            // Parcels that share edges unite into one polygon; a corner or a gap leaves pieces.
            var union = WKB.encode(.polygonal(parents[0].geometry)), type = "POLYGON"
            for parent in parents.dropFirst() {
                (union, type) = try connection.cached(SQL.unionOf, name: "unionOf")
                    .bind(blob: union, at: 1).bind(blob: WKB.encode(.polygonal(parent.geometry)), at: 2)
                    .all { ($0.blob(0) ?? [], $0.string(1) ?? "") }.first ?? ([], "")
            }
            guard type == "POLYGON", case .polygonal(let outline)? = try? WKB.decode(union) else {
                throw StoreError.cadastral([.notAdjacent])
            }
            return (parents, [outline])
        }
    }

    private func parcel(_ id: ParcelID) throws(StoreError) -> Parcel? {
        try connection.cached(SQL.parcelByID, name: "parcelByID").bind(id.rawValue, at: 1).all(LandStore.parcel).first
    }

    /// Refuses the change when one of the parcels has a request still open (other than the one
    /// being approved): its applicant asked about a parcel that would no longer exist.
    private func refuseOpenRequests(on parcels: [ParcelID], except requestID: RequestID?) throws(StoreError) {
        var problems: [CadastralProblem] = []
        for parcel in parcels {
            if let open = try StoreWriter.openRequest(of: parcel, except: requestID, in: connection) { problems.append(.openRequest(parcel: parcel, request: open)) }
        }
        guard problems.isEmpty else { throw StoreError.cadastral(problems) }
    }

    /// Whether `children` tile `parent`: each a valid polygon, no two sharing more than the
    /// tolerance, none reaching outside the parent by more, and together covering it but for at
    /// most the tolerance — so that their union equals the parent within it.
    private func tilingProblems(of parent: Polygonal, by children: [Polygonal]) throws(StoreError) -> [CadastralProblem] {
        let tolerance = CadastralProblem.toleranceSquareMeters
        let parentWKB = WKB.encode(.polygonal(parent))
        let childWKB = children.map { WKB.encode(.polygonal($0)) }
        var problems: [CadastralProblem] = []
        for (index, wkb) in childWKB.enumerated() {
            let valid = try connection.cached(SQL.isValidOutline, name: "isValidOutline").bind(blob: wkb, at: 1).all { $0.int(0) }.first
            guard valid == 1 else {
                problems.append(.childNotValid(child: index))
                continue
            }
            let outside = try area(SQL.areaOutside, name: "areaOutside", wkb, parentWKB)
            if outside > tolerance { problems.append(.childOutsideParent(child: index, squareMeters: outside)) }
            for other in childWKB.indices where other > index {
                let shared = try area(SQL.sharedArea, name: "sharedArea", wkb, childWKB[other])
                if shared > tolerance { problems.append(.childrenOverlap(first: index, second: other, squareMeters: shared)) }
            }
        }
        guard problems.isEmpty else { return problems }
        var union = childWKB[0]
        for wkb in childWKB.dropFirst() {
            union = try connection.cached(SQL.unionOf, name: "unionOf").bind(blob: union, at: 1).bind(blob: wkb, at: 2)
                .all { $0.blob(0) ?? [] }.first ?? []
        }
        let uncovered = try area(SQL.areaOutside, name: "areaOutside", parentWKB, union)
        if uncovered > tolerance { problems.append(.parentNotCovered(squareMeters: uncovered)) }
        return problems
    }

    private func area(_ sql: String, name: String, _ first: [UInt8], _ second: [UInt8]) throws(StoreError) -> Double {
        try connection.cached(sql, name: name).bind(blob: first, at: 1).bind(blob: second, at: 2).all { $0.double(0) ?? 0 }.first ?? 0
    }
}

extension StoreWriter {
    func applyAlone(
        _ plan: CadastralPlan, reason: String?, actor: String, newIDs: ([Parcel]) -> [Parcel], afterCommit: (CadastralOutcome) -> Void
    ) throws(StoreError) -> CadastralOutcome {
        let outcome = try connection.transaction { () throws(StoreError) -> CadastralOutcome in
            try apply(plan, reason: reason, actor: actor, requestID: nil, newIDs: newIDs)
        }
        afterCommit(outcome)
        return outcome
    }

    /// Checks and makes `plan` inside the caller's transaction.
    func apply(
        _ plan: CadastralPlan, reason: String?, actor: String, requestID: RequestID?, newIDs: ([Parcel]) -> [Parcel]
    ) throws(StoreError) -> CadastralOutcome {
        let (parents, outlines) = try CadastralChecks(connection: connection).check(plan, except: requestID)
        switch plan {
        case .subdivision(_, let children):
            return try replace(parents, by: newIDs(children), kind: .subdivision, reason: reason, actor: actor, requestID: requestID)
        case .merger(_, var values):
            values.geometry = outlines[0]
            values.areaSquareMeters = outlines[0].geodesicAreaSquareMeters
            return try replace(parents, by: newIDs([values]), kind: .merger, reason: reason, actor: actor, requestID: requestID)
        }
    }

    /// Ends `parents` and begins `children` at one instant, each through the parcel layer's
    /// writer, every parent linked to every child.
    func replace(
        _ parents: [Parcel], by children: [Parcel], kind: CadastralKind, reason: String?, actor: String, requestID: RequestID?
    ) throws(StoreError) -> CadastralOutcome {
        let now = Timestamp.now()
        for child in children {
            let taken = try storedParcel(child.id) != nil
            if taken && !parents.contains(where: { $0.id == child.id }) { throw StoreError.conflict(what: child.id.rawValue) }
        }
        for parent in parents {
            try writeParcelVersion(parent.id, next: nil, at: now, actor: actor, requestID: requestID, reason: reason)
        }
        for child in children {
            try writeParcelVersion(child.id, next: child, at: now, actor: actor, requestID: requestID, reason: reason)
            for parent in parents {
                try connection.cached(SQL.insertLineage, name: "insertLineage")
                    .bind(parent.id.rawValue, at: 1).bind(child.id.rawValue, at: 2).bind(now, at: 3)
                    .bind(kind.rawValue, at: 4).bind(requestID?.rawValue, at: 5).run()
            }
        }
        // No `markReshaped`: the children (valid_from now) and the parents (history closed now)
        // reach other processes as features, as a Part 4 edit does.
        let version = try bumpCityVersion(at: now)
        var after = JSONWriter()
        after.beginObject()
        after.key("children"); after.beginArray(); for child in children { after.string(child.id.rawValue) }; after.endArray()
        after.endObject()
        var before = JSONWriter()
        before.beginObject()
        before.key("parents"); before.beginArray(); for parent in parents { before.string(parent.id.rawValue) }; before.endArray()
        before.endObject()
        try audit(
            at: now, actor: actor, action: kind == .subdivision ? "parcel.subdivide" : "parcel.merge",
            target: parents.map { "parcel:\($0.id)" }.joined(separator: ","), before: before.text, after: after.text)
        return CadastralOutcome(change: CadastralChange(kind: kind, parents: parents, children: children, at: now), cityVersion: version)
    }
}
