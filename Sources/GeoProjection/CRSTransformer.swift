import CProj

/// One PROJ transformation from CRS84 (storage) to a target CRS, with its own PROJ context.
/// The `PJ` and `PJ_CONTEXT` pointers never leave this file; `deinit` alone frees them.
///
/// Not Sendable: a PROJ context and its objects must be used by one thread at a time.
/// `CRSTransformers` shares them across tasks behind a `Mutex`.
package final class CRSTransformer {
    package let target: SupportedCRS
    private let context: OpaquePointer
    private let transformation: OpaquePointer

    /// Builds `OGC:CRS84 → target` with `proj_create_crs_to_crs` and deliberately without
    /// `proj_normalize_for_visualization`: the output keeps the target's own axis order, so
    /// EPSG:4326 comes out latitude first, as OGC 18-058r1 requires.
    package init(target: SupportedCRS) throws(ProjectionError) {
        guard let context = proj_context_create() else {
            throw .transformerUnavailable(target, projErrorCode: 0)
        }
        // Errors are reported through the thrown error, not PROJ's stderr logger.
        proj_log_level(context, PJ_LOG_NONE)
        guard let transformation = proj_create_crs_to_crs(context, SupportedCRS.crs84.projIdentifier, target.projIdentifier, nil)
        else {
            let code = proj_context_errno(context)
            proj_context_destroy(context)
            throw .transformerUnavailable(target, projErrorCode: code)
        }
        self.target = target
        self.context = context
        self.transformation = transformation
    }

    deinit {
        proj_destroy(transformation)
        proj_context_destroy(context)
    }

    /// CRS84 lon, lat pairs (flat, x0 y0 x1 y1 …) to target pairs in the target's axis order.
    package func forward(_ xy: [Double]) throws(ProjectionError) -> [Double] {
        try transform(xy, direction: PJ_FWD)
    }

    /// Target pairs (in the target's axis order) back to CRS84 lon, lat pairs.
    package func inverse(_ xy: [Double]) throws(ProjectionError) -> [Double] {
        try transform(xy, direction: PJ_INV)
    }

    /// One `proj_trans_generic` call over the interleaved array: x at stride 16 bytes from
    /// element 0, y at stride 16 from element 1. PROJ marks a failed position with HUGE_VAL,
    /// so any non-finite output fails the whole call.
    private func transform(_ xy: [Double], direction: PJ_DIRECTION) throws(ProjectionError) -> [Double] {
        precondition(xy.count.isMultiple(of: 2), "positions are x, y pairs")
        let count = xy.count / 2
        guard count > 0 else { return xy }
        var result = xy
        proj_errno_reset(transformation)
        let stride = 2 * MemoryLayout<Double>.stride
        let done = result.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            return proj_trans_generic(transformation, direction, base, stride, count, base + 1, stride, count, nil, 0, 0, nil, 0, 0)
        }
        guard done == count, result.allSatisfy(\.isFinite) else {
            throw .transformFailed(target, projErrorCode: proj_errno(transformation))
        }
        return result
    }
}
