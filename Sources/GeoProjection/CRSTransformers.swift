package import GeoCore
import Synchronization

/// The transformers of the server, one per supported CRS, each created on first use and kept.
/// Sendable: each `CRSTransformer` (not thread-safe, like any PROJ context) lives inside its
/// own `Mutex`, so one task at a time uses it; different CRSs do not wait for each other.
/// CRS84 is the storage CRS: requests for it return the input without locking or calling PROJ.
package final class CRSTransformers: Sendable {
    private final class Slot: Sendable {
        let transformer = Mutex<CRSTransformer?>(nil)
    }

    private let slots: [SupportedCRS: Slot]

    package init() {
        var slots: [SupportedCRS: Slot] = [:]
        for crs in SupportedCRS.allCases { slots[crs] = Slot() }
        self.slots = slots
    }

    /// Runs `body` with the transformer to `crs`, holding its lock: keep `body` short and do not
    /// let the transformer escape. A failed creation is thrown and retried on the next call.
    package func withTransformer<Result: Sendable>(
        to crs: SupportedCRS, _ body: (CRSTransformer) throws(ProjectionError) -> Result
    ) throws(ProjectionError) -> Result {
        try slots[crs]!.transformer.withLock { (slot: inout CRSTransformer?) throws(ProjectionError) -> Result in
            if let transformer = slot { return try body(transformer) }
            let transformer = try CRSTransformer(target: crs)
            slot = transformer
            return try body(transformer)
        }
    }

    /// CRS84 lon, lat pairs to `crs`, in its axis order.
    package func forward(_ xy: [Double], to crs: SupportedCRS) throws(ProjectionError) -> [Double] {
        if crs == .crs84 { return xy }
        return try withTransformer(to: crs) { (transformer) throws(ProjectionError) in try transformer.forward(xy) }
    }

    /// A CRS84 geometry in `crs` (see `CRSTransformer.forward(_: Geometry)` for what it holds).
    package func forward(_ geometry: Geometry, to crs: SupportedCRS) throws(ProjectionError) -> Geometry {
        if crs == .crs84 { return geometry }
        return try withTransformer(to: crs) { (transformer) throws(ProjectionError) in try transformer.forward(geometry) }
    }

    /// The CRS84 box covering `bbox` given in `crs` (see `CRSTransformer.inverseBoundingBox`).
    /// For CRS84 itself, the corners as given: the caller has already checked that the four
    /// numbers are finite with lower ≤ upper (OGC 17-069r4 §7.15.3), as for any bbox.
    package func crs84BoundingBox(
        lower: (Double, Double), upper: (Double, Double), in crs: SupportedCRS
    ) throws(ProjectionError) -> BoundingBox {
        if crs == .crs84 {
            return BoundingBox(uncheckedMinLon: lower.0, minLat: lower.1, maxLon: upper.0, maxLat: upper.1)
        }
        return try withTransformer(to: crs) { (transformer) throws(ProjectionError) in
            try transformer.inverseBoundingBox(lower: lower, upper: upper)
        }
    }
}
