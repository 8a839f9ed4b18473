/// Subdivisions (تفکیک) and mergers (تجمیع) of parcels: what is checked and what is kept.

/// Why a proposed subdivision or merger cannot be applied. Children are numbered from 0 in the
/// order given; areas are geodesic square metres on WGS 84.
package enum CadastralProblem: Sendable, Equatable {
    /// A subdivision needs at least two children.
    case tooFewChildren
    /// A merger needs at least two distinct parcels.
    case tooFewParcels
    case unknownParcel(ParcelID)
    /// The parcel has a request still open (submitted or under review): decide it first.
    case openRequest(parcel: ParcelID, request: RequestID)
    /// Two children share more than the tolerance.
    case childrenOverlap(first: Int, second: Int, squareMeters: Double)
    /// A child's outline is not a valid polygon (it crosses itself, say).
    case childNotValid(child: Int)
    /// A child reaches outside its parent by more than the tolerance.
    case childOutsideParent(child: Int, squareMeters: Double)
    /// The children leave part of the parent uncovered.
    case parentNotCovered(squareMeters: Double)
    /// A child is smaller than its zone's minimum parcel area (the rules catalogue's `min_parcel_area_m2`).
    case childTooSmall(child: Int, squareMeters: Double, minimum: Double, zone: ZoneCode)
    /// The parcels to merge do not form one polygon (each must share an edge with another).
    case notAdjacent

    /// The request field the problem is about, for the API's `parameter`.
    package var field: String {
        switch self {
        case .tooFewChildren, .parentNotCovered: "children"
        case .tooFewParcels, .unknownParcel, .notAdjacent: "parcels"
        case .openRequest: "parcel"
        case .childrenOverlap(let first, _, _): "children[\(first)].geometry"
        case .childOutsideParent(let child, _), .childTooSmall(let child, _, _, _), .childNotValid(let child):
            "children[\(child)].geometry"
        }
    }
}

extension CadastralProblem {
    /// Children must tile their parent: no overlap, no gap, nothing outside it, each within this
    /// many square metres (issue 16 point 4: the union equals the parent within 0.01 m²).
    package static let toleranceSquareMeters = 0.01
}

/// How a parcel's lineage began.
package enum CadastralKind: String, Sendable, Equatable {
    case subdivision, merger
}

/// A subdivision or merger as made: the parcels that ended and the ones that began, at one instant.
package struct CadastralChange: Sendable, Equatable {
    package var kind: CadastralKind
    package var parents: [Parcel]
    package var children: [Parcel]
    package var at: String

    package init(kind: CadastralKind, parents: [Parcel], children: [Parcel], at: String) {
        self.kind = kind
        self.parents = parents
        self.children = children
        self.at = at
    }
}

/// One link of a parcel's lineage: `parent` ended and `child` began at `at`.
package struct LineageLink: Sendable, Equatable {
    package var parent: ParcelID
    package var child: ParcelID
    package var at: String
    package var kind: CadastralKind
    package var requestID: RequestID?

    package init(parent: ParcelID, child: ParcelID, at: String, kind: CadastralKind, requestID: RequestID?) {
        self.parent = parent
        self.child = child
        self.at = at
        self.kind = kind
        self.requestID = requestID
    }
}
