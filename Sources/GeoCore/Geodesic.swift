// The C standard math library (sin, cos, atan2, hypot, remainder, remquo, cbrt) is the only import:
// GeoCore depends on nothing else (style guide, part 1).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The WGS 84 ellipsoid (NIMA TR8350.2): semi-major axis and flattening.
package enum WGS84 {
    package static let equatorialRadiusMeters = 6_378_137.0
    package static let flattening = 1.0 / 298.257223563
    /// b = a (1 − f) = 6356752.314245 m.
    package static let polarRadiusMeters = equatorialRadiusMeters * (1 - flattening)
}

extension Coordinate {
    /// Length in metres of the shortest geodesic on WGS 84 between `self` and `other`.
    ///
    /// Karney's solution of the inverse problem (C. F. F. Karney, "Algorithms for geodesics",
    /// J. Geodesy 87, 43–55, 2013; GeographicLib's `geod_inverse`, MIT licence), accurate to
    /// about 15 nm for any pair of points, antipodal and nearly antipodal ones included; the
    /// Newton iteration is bracketed and capped, so it always terminates.
    public func geodesicDistanceMeters(to other: Coordinate) -> Double {
        Geodesic.wgs84.inverse(lat1: lat, lon1: lon, lat2: other.lat, lon2: other.lon, wantsArea: false).distance
    }
}

/// Geodesic computations on an ellipsoid of revolution, following GeographicLib's C library
/// (`geodesic.c`, Karney 2013, series to order 6). Only the inverse problem, with the distance
/// and the area term S12 (for polygon areas), is implemented.
struct Geodesic: Sendable {
    static let wgs84 = Geodesic(equatorialRadius: WGS84.equatorialRadiusMeters, flattening: WGS84.flattening)

    static let order = 6
    static let nC3 = order, nC4 = order
    static let tiny = Double.leastNormalMagnitude.squareRoot()
    static let tol0 = Double.ulpOfOne
    static let tol1 = 200 * tol0
    static let tol2 = tol0.squareRoot()
    static let tolb = tol0
    static let xthresh = 1000 * tol2
    static let maxit1 = 20
    static let maxit2 = maxit1 + Double.significandBitCount + 1 + 10
    static let degree = Double.pi / 180

    let a: Double, f: Double, f1: Double, e2: Double, ep2: Double, n: Double, b: Double
    /// Authalic radius squared.
    let c2: Double
    let etol2: Double
    let a3x: [Double]
    let c3x: [Double]
    let c4x: [Double]

    init(equatorialRadius a: Double, flattening f: Double) {
        self.a = a
        self.f = f
        f1 = 1 - f
        e2 = f * (2 - f)
        ep2 = e2 / (f1 * f1)
        n = f / (2 - f)
        b = a * f1
        let e = e2.squareRoot()
        c2 = (a * a + b * b * (e2 == 0 ? 1 : (e2 > 0 ? atanh(e) : atan((-e2).squareRoot())) / abs(e2).squareRoot())) / 2
        etol2 = 0.1 * Geodesic.tol2 / (max(0.001, abs(f)) * min(1.0, 1 - f / 2) / 2).squareRoot()
        a3x = Geodesic.makeA3x(n: n)
        c3x = Geodesic.makeC3x(n: n)
        c4x = Geodesic.makeC4x(n: n)
    }

    struct InverseResult {
        var distance: Double
        /// S12: area between the geodesic and the equator (clockwise convention of geod_geninverse).
        var area: Double
    }

    // MARK: - The inverse problem (geod_geninverse_int)

    func inverse(lat1 latitude1: Double, lon1: Double, lat2 latitude2: Double, lon2: Double, wantsArea: Bool) -> InverseResult {
        var lat1 = latitude1, lat2 = latitude2
        var s12x = 0.0, m12x = 0.0, a12 = 0.0, sig12 = 0.0
        var calp1 = 0.0, salp1 = 0.0, calp2 = 0.0, salp2 = 0.0
        var omg12 = 0.0, somg12 = 2.0, comg12 = 0.0
        var S12 = 0.0
        _ = a12

        var (lon12, lon12s) = Geodesic.angleDifference(lon1, lon2)
        var lonsign: Double = lon12.sign == .minus ? -1 : 1
        lon12 *= lonsign
        lon12s *= lonsign
        let lam12 = lon12 * Geodesic.degree
        let (slam12, clam12) = Geodesic.sinCosDegrees(lon12, plus: lon12s)
        lon12s = (180 - lon12) - lon12s

        lat1 = Geodesic.angleRound(Geodesic.latitudeFix(lat1))
        lat2 = Geodesic.angleRound(Geodesic.latitudeFix(lat2))
        let swapp: Double = abs(lat1) < abs(lat2) || lat2.isNaN ? -1 : 1
        if swapp < 0 {
            lonsign *= -1
            swap(&lat1, &lat2)
        }
        let latsign: Double = lat1.sign == .minus ? 1 : -1
        lat1 *= latsign
        lat2 *= latsign

        var (sbet1, cbet1) = Geodesic.sinCosDegrees(lat1)
        sbet1 *= f1
        Geodesic.normalize(&sbet1, &cbet1)
        cbet1 = max(Geodesic.tiny, cbet1)
        var (sbet2, cbet2) = Geodesic.sinCosDegrees(lat2)
        sbet2 *= f1
        Geodesic.normalize(&sbet2, &cbet2)
        cbet2 = max(Geodesic.tiny, cbet2)

        if cbet1 < -sbet1 {
            if cbet2 == cbet1 { sbet2 = sbet2.sign == .minus ? -abs(sbet1) : abs(sbet1) }
        } else {
            if abs(sbet2) == -sbet1 { cbet2 = cbet1 }
        }

        let dn1 = (1 + ep2 * sbet1 * sbet1).squareRoot()
        let dn2 = (1 + ep2 * sbet2 * sbet2).squareRoot()

        var meridian = lat1 == -90 || slam12 == 0
        var scratch = Coefficients()

        if meridian {
            calp1 = clam12; salp1 = slam12
            calp2 = 1; salp2 = 0
            let ssig1 = sbet1, csig1 = calp1 * cbet1
            let ssig2 = sbet2, csig2 = calp2 * cbet2
            sig12 = atan2(max(0.0, csig1 * ssig2 - ssig1 * csig2) + 0, csig1 * csig2 + ssig1 * ssig2)
            let lengths = self.lengths(
                eps: n, sig12: sig12, ssig1: ssig1, csig1: csig1, dn1: dn1, ssig2: ssig2, csig2: csig2, dn2: dn2,
                wantsDistance: true, wantsReducedLength: true, scratch: &scratch)
            s12x = lengths.s12b
            m12x = lengths.m12b
            if sig12 < 1 || m12x >= 0 {
                if sig12 < 3 * Geodesic.tiny || (sig12 < Geodesic.tol0 && (s12x < 0 || m12x < 0)) {
                    sig12 = 0; m12x = 0; s12x = 0
                }
                m12x *= b
                s12x *= b
                a12 = sig12 / Geodesic.degree
            } else {
                meridian = false
            }
        }

        if !meridian && sbet1 == 0 && (f <= 0 || lon12s >= f * 180) {
            // Along the equator.
            calp1 = 0; calp2 = 0; salp1 = 1; salp2 = 1
            s12x = a * lam12
            sig12 = lam12 / f1
            omg12 = sig12
            m12x = b * sin(sig12)
            a12 = lon12 / f1
        } else if !meridian {
            var dnm = 0.0
            let start = inverseStart(
                sbet1: sbet1, cbet1: cbet1, dn1: dn1, sbet2: sbet2, cbet2: cbet2, dn2: dn2,
                lam12: lam12, slam12: slam12, clam12: clam12, scratch: &scratch)
            sig12 = start.sig12
            salp1 = start.salp1; calp1 = start.calp1
            if sig12 >= 0 {
                // Short lines: the spherical solution with the mean dn is accurate enough.
                salp2 = start.salp2; calp2 = start.calp2
                dnm = start.dnm
                s12x = sig12 * b * dnm
                m12x = dnm * dnm * b * sin(sig12 / dnm)
                a12 = sig12 / Geodesic.degree
                omg12 = lam12 / (f1 * dnm)
            } else {
                // Newton's method on alpha1, with a bracket that shrinks at every evaluation.
                var ssig1 = 0.0, csig1 = 0.0, ssig2 = 0.0, csig2 = 0.0, eps = 0.0, domg12 = 0.0
                var numit = 0
                var salp1a = Geodesic.tiny, calp1a = 1.0, salp1b = Geodesic.tiny, calp1b = -1.0
                var tripn = false, tripb = false
                while true {
                    let lambda = lambda12(
                        sbet1: sbet1, cbet1: cbet1, dn1: dn1, sbet2: sbet2, cbet2: cbet2, dn2: dn2,
                        salp1: salp1, calp1: calp1, slam120: slam12, clam120: clam12,
                        wantsDerivative: numit < Geodesic.maxit1, scratch: &scratch)
                    let v = lambda.lam12
                    let dv = lambda.dlam12
                    salp2 = lambda.salp2; calp2 = lambda.calp2; sig12 = lambda.sig12
                    ssig1 = lambda.ssig1; csig1 = lambda.csig1; ssig2 = lambda.ssig2; csig2 = lambda.csig2
                    eps = lambda.eps; domg12 = lambda.domg12
                    if tripb || !(abs(v) >= (tripn ? 8 : 1) * Geodesic.tol0) || numit == Geodesic.maxit2 { break }
                    if v > 0 && (numit > Geodesic.maxit1 || calp1 / salp1 > calp1b / salp1b) {
                        salp1b = salp1; calp1b = calp1
                    } else if v < 0 && (numit > Geodesic.maxit1 || calp1 / salp1 < calp1a / salp1a) {
                        salp1a = salp1; calp1a = calp1
                    }
                    numit += 1
                    if numit - 1 < Geodesic.maxit1 && dv > 0 {
                        let dalp1 = -v / dv
                        if abs(dalp1) < Double.pi {
                            let sdalp1 = sin(dalp1), cdalp1 = cos(dalp1)
                            let nsalp1 = salp1 * cdalp1 + calp1 * sdalp1
                            if nsalp1 > 0 {
                                calp1 = calp1 * cdalp1 - salp1 * sdalp1
                                salp1 = nsalp1
                                Geodesic.normalize(&salp1, &calp1)
                                tripn = abs(v) <= 16 * Geodesic.tol0
                                continue
                            }
                        }
                    }
                    salp1 = (salp1a + salp1b) / 2
                    calp1 = (calp1a + calp1b) / 2
                    Geodesic.normalize(&salp1, &calp1)
                    tripn = false
                    tripb = abs(salp1a - salp1) + (calp1a - calp1) < Geodesic.tolb
                        || abs(salp1 - salp1b) + (calp1 - calp1b) < Geodesic.tolb
                }
                let lengths = self.lengths(
                    eps: eps, sig12: sig12, ssig1: ssig1, csig1: csig1, dn1: dn1, ssig2: ssig2, csig2: csig2, dn2: dn2,
                    wantsDistance: true, wantsReducedLength: false, scratch: &scratch)
                s12x = lengths.s12b * b
                a12 = sig12 / Geodesic.degree
                if wantsArea {
                    let sdomg12 = sin(domg12), cdomg12 = cos(domg12)
                    somg12 = slam12 * cdomg12 - clam12 * sdomg12
                    comg12 = clam12 * cdomg12 + slam12 * sdomg12
                }
            }
        }

        let s12 = 0 + s12x
        if wantsArea {
            let salp0 = salp1 * cbet1
            let calp0 = Geodesic.hypotenuse(calp1, salp1 * sbet1)
            if calp0 != 0 && salp0 != 0 {
                var ssig1 = sbet1, csig1 = calp1 * cbet1
                var ssig2 = sbet2, csig2 = calp2 * cbet2
                let k2 = calp0 * calp0 * ep2
                let eps = k2 / (2 * (1 + (1 + k2).squareRoot()) + k2)
                let A4 = a * a * calp0 * salp0 * e2
                Geodesic.normalize(&ssig1, &csig1)
                Geodesic.normalize(&ssig2, &csig2)
                c4f(eps: eps, into: &scratch)
                let B41 = scratch.sinCosSeries(sine: false, ssig1, csig1, count: Geodesic.nC4)
                let B42 = scratch.sinCosSeries(sine: false, ssig2, csig2, count: Geodesic.nC4)
                S12 = A4 * (B42 - B41)
            } else {
                S12 = 0
            }
            if !meridian && somg12 == 2 {
                somg12 = sin(omg12); comg12 = cos(omg12)
            }
            let alp12: Double
            if !meridian && comg12 > -0.7071 && sbet2 - sbet1 < 1.75 {
                let domg12 = 1 + comg12, dbet1 = 1 + cbet1, dbet2 = 1 + cbet2
                alp12 = 2 * atan2(somg12 * (sbet1 * dbet2 + sbet2 * dbet1), domg12 * (sbet1 * sbet2 + dbet1 * dbet2))
            } else {
                var salp12 = salp2 * calp1 - calp2 * salp1
                var calp12 = calp2 * calp1 + salp2 * salp1
                if salp12 == 0 && calp12 < 0 {
                    salp12 = Geodesic.tiny * calp1
                    calp12 = -1
                }
                alp12 = atan2(salp12, calp12)
            }
            S12 += c2 * alp12
            S12 *= swapp * lonsign * latsign
            S12 += 0
        }
        return InverseResult(distance: s12, area: S12)
    }

    // MARK: - Helpers of the inverse problem

    /// Scratch space for the Fourier coefficients: a fixed-size tuple, so no allocation per call.
    struct Coefficients {
        var c: (Double, Double, Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0, 0, 0)

        subscript(index: Int) -> Double {
            get { withUnsafeBytes(of: c) { $0.load(fromByteOffset: index * 8, as: Double.self) } }
            set { withUnsafeMutableBytes(of: &c) { $0.storeBytes(of: newValue, toByteOffset: index * 8, as: Double.self) } }
        }

        /// Clenshaw summation: sine ? Σ c[i] sin(2 i x), i = 1…n : Σ c[i] cos((2 i + 1) x), i = 0…n−1.
        func sinCosSeries(sine: Bool, _ sinx: Double, _ cosx: Double, count: Int) -> Double {
            var index = count + (sine ? 1 : 0)
            let ar = 2 * (cosx - sinx) * (cosx + sinx)
            var y0 = 0.0, y1 = 0.0
            var n = count
            if n & 1 != 0 {
                index -= 1
                y0 = self[index]
            }
            n /= 2
            while n > 0 {
                n -= 1
                index -= 1
                y1 = ar * y0 - y1 + self[index]
                index -= 1
                y0 = ar * y1 - y0 + self[index]
            }
            return sine ? 2 * sinx * cosx * y0 : cosx * (y0 - y1)
        }
    }

    struct Lengths { var s12b: Double; var m12b: Double; var m0: Double }

    func lengths(
        eps: Double, sig12: Double, ssig1: Double, csig1: Double, dn1: Double, ssig2: Double, csig2: Double, dn2: Double,
        wantsDistance: Bool, wantsReducedLength: Bool, scratch ca: inout Coefficients
    ) -> Lengths {
        var cb = Coefficients()
        var m0 = 0.0, J12 = 0.0, A1 = 0.0, A2 = 0.0, s12b = 0.0, m12b = 0.0
        if wantsDistance || wantsReducedLength {
            A1 = Geodesic.a1m1f(eps)
            Geodesic.c1f(eps, into: &ca)
            if wantsReducedLength {
                A2 = Geodesic.a2m1f(eps)
                Geodesic.c2f(eps, into: &cb)
                m0 = A1 - A2
                A2 = 1 + A2
            }
            A1 = 1 + A1
        }
        if wantsDistance {
            let B1 = ca.sinCosSeries(sine: true, ssig2, csig2, count: Geodesic.order)
                - ca.sinCosSeries(sine: true, ssig1, csig1, count: Geodesic.order)
            s12b = A1 * (sig12 + B1)
            if wantsReducedLength {
                let B2 = cb.sinCosSeries(sine: true, ssig2, csig2, count: Geodesic.order)
                    - cb.sinCosSeries(sine: true, ssig1, csig1, count: Geodesic.order)
                J12 = m0 * sig12 + (A1 * B1 - A2 * B2)
            }
        } else if wantsReducedLength {
            for l in 1...Geodesic.order { cb[l] = A1 * ca[l] - A2 * cb[l] }
            J12 = m0 * sig12
                + (cb.sinCosSeries(sine: true, ssig2, csig2, count: Geodesic.order)
                    - cb.sinCosSeries(sine: true, ssig1, csig1, count: Geodesic.order))
        }
        if wantsReducedLength {
            m12b = dn2 * (csig1 * ssig2) - dn1 * (ssig1 * csig2) - csig1 * csig2 * J12
        }
        return Lengths(s12b: s12b, m12b: m12b, m0: m0)
    }

    /// Solves k⁴ + 2k³ − (x² + y² − 1)k² − 2y²k − y² = 0 for the positive root k.
    static func astroid(_ x: Double, _ y: Double) -> Double {
        let p = x * x, q = y * y, r = (p + q - 1) / 6
        if !(q == 0 && r <= 0) {
            let S = p * q / 4, r2 = r * r, r3 = r * r2
            let disc = S * (S + 2 * r3)
            var u = r
            if disc >= 0 {
                var T3 = S + r3
                T3 += T3 < 0 ? -disc.squareRoot() : disc.squareRoot()
                let T = cbrt(T3)
                u += T + (T != 0 ? r2 / T : 0)
            } else {
                let ang = atan2((-disc).squareRoot(), -(S + r3))
                u += 2 * r * cos(ang / 3)
            }
            let v = (u * u + q).squareRoot()
            let uv = u < 0 ? q / (v - u) : u + v
            let w = (uv - q) / (2 * v)
            return uv / ((uv + w * w).squareRoot() + w)
        }
        return 0
    }

    struct Start { var sig12: Double; var salp1: Double; var calp1: Double; var salp2: Double; var calp2: Double; var dnm: Double }

    func inverseStart(
        sbet1: Double, cbet1: Double, dn1: Double, sbet2: Double, cbet2: Double, dn2: Double,
        lam12: Double, slam12: Double, clam12: Double, scratch: inout Coefficients
    ) -> Start {
        var salp1 = 0.0, calp1 = 0.0, salp2 = 0.0, calp2 = 0.0, dnm = 0.0
        var sig12 = -1.0
        let sbet12 = sbet2 * cbet1 - cbet2 * sbet1
        let cbet12 = cbet2 * cbet1 + sbet2 * sbet1
        let shortline = cbet12 >= 0 && sbet12 < 0.5 && cbet2 * lam12 < 0.5
        var somg12: Double, comg12: Double
        let sbet12a = sbet2 * cbet1 + cbet2 * sbet1
        if shortline {
            var sbetm2 = (sbet1 + sbet2) * (sbet1 + sbet2)
            sbetm2 /= sbetm2 + (cbet1 + cbet2) * (cbet1 + cbet2)
            dnm = (1 + ep2 * sbetm2).squareRoot()
            let omg12 = lam12 / (f1 * dnm)
            somg12 = sin(omg12); comg12 = cos(omg12)
        } else {
            somg12 = slam12; comg12 = clam12
        }
        salp1 = cbet2 * somg12
        calp1 = comg12 >= 0
            ? sbet12 + cbet2 * sbet1 * somg12 * somg12 / (1 + comg12)
            : sbet12a - cbet2 * sbet1 * somg12 * somg12 / (1 - comg12)
        let ssig12 = Geodesic.hypotenuse(salp1, calp1)
        let csig12 = sbet1 * sbet2 + cbet1 * cbet2 * comg12

        if shortline && ssig12 < etol2 {
            salp2 = cbet1 * somg12
            calp2 = sbet12 - cbet1 * sbet2 * (comg12 >= 0 ? somg12 * somg12 / (1 + comg12) : 1 - comg12)
            Geodesic.normalize(&salp2, &calp2)
            sig12 = atan2(ssig12, csig12)
        } else if abs(n) > 0.1 || csig12 >= 0 || ssig12 >= 6 * abs(n) * Double.pi * cbet1 * cbet1 {
            // The zeroth-order spherical approximation is good enough.
        } else {
            // Nearly antipodal: scale to the astroid problem (f > 0 branch; WGS 84 is oblate).
            let lam12x = atan2(-slam12, -clam12)
            var x: Double, y: Double, lamscale: Double, betscale: Double
            if f >= 0 {
                let k2 = sbet1 * sbet1 * ep2
                let eps = k2 / (2 * (1 + (1 + k2).squareRoot()) + k2)
                lamscale = f * cbet1 * a3f(eps) * Double.pi
                betscale = lamscale * cbet1
                x = lam12x / lamscale
                y = sbet12a / betscale
            } else {
                let cbet12a = cbet2 * cbet1 - sbet2 * sbet1
                let bet12a = atan2(sbet12a, cbet12a)
                let lengths = self.lengths(
                    eps: n, sig12: Double.pi + bet12a, ssig1: sbet1, csig1: -cbet1, dn1: dn1, ssig2: sbet2, csig2: cbet2,
                    dn2: dn2, wantsDistance: false, wantsReducedLength: true, scratch: &scratch)
                x = -1 + lengths.m12b / (cbet1 * cbet2 * lengths.m0 * Double.pi)
                betscale = x < -0.01 ? sbet12a / x : -f * cbet1 * cbet1 * Double.pi
                lamscale = betscale / cbet1
                y = lam12x / lamscale
            }
            if y > -Geodesic.tol1 && x > -1 - Geodesic.xthresh {
                if f >= 0 {
                    salp1 = min(1.0, -x)
                    calp1 = -(1 - salp1 * salp1).squareRoot()
                } else {
                    calp1 = max(x > -Geodesic.tol1 ? 0.0 : -1.0, x)
                    salp1 = (1 - calp1 * calp1).squareRoot()
                }
            } else {
                let k = Geodesic.astroid(x, y)
                let omg12a = lamscale * (f >= 0 ? -x * k / (1 + k) : -y * (1 + k) / k)
                somg12 = sin(omg12a); comg12 = -cos(omg12a)
                salp1 = cbet2 * somg12
                calp1 = sbet12a - cbet2 * sbet1 * somg12 * somg12 / (1 - comg12)
            }
        }
        if !(salp1 <= 0) {
            Geodesic.normalize(&salp1, &calp1)
        } else {
            salp1 = 1; calp1 = 0
        }
        return Start(sig12: sig12, salp1: salp1, calp1: calp1, salp2: salp2, calp2: calp2, dnm: dnm)
    }

    struct Lambda {
        var lam12: Double, salp2: Double, calp2: Double, sig12: Double
        var ssig1: Double, csig1: Double, ssig2: Double, csig2: Double
        var eps: Double, domg12: Double, dlam12: Double
    }

    func lambda12(
        sbet1: Double, cbet1: Double, dn1: Double, sbet2: Double, cbet2: Double, dn2: Double,
        salp1: Double, calp1 calp1In: Double, slam120: Double, clam120: Double,
        wantsDerivative: Bool, scratch ca: inout Coefficients
    ) -> Lambda {
        var calp1 = calp1In
        if sbet1 == 0 && calp1 == 0 { calp1 = -Geodesic.tiny }
        let salp0 = salp1 * cbet1
        let calp0 = Geodesic.hypotenuse(calp1, salp1 * sbet1)
        var ssig1 = sbet1
        let somg1 = salp0 * sbet1
        var csig1 = calp1 * cbet1
        let comg1 = csig1
        Geodesic.normalize(&ssig1, &csig1)

        let salp2 = cbet2 != cbet1 ? salp0 / cbet2 : salp1
        let calp2 = cbet2 != cbet1 || abs(sbet2) != -sbet1
            ? (calp1 * cbet1 * calp1 * cbet1
                + (cbet1 < -sbet1 ? (cbet2 - cbet1) * (cbet1 + cbet2) : (sbet1 - sbet2) * (sbet1 + sbet2))).squareRoot() / cbet2
            : abs(calp1)
        var ssig2 = sbet2
        let somg2 = salp0 * sbet2
        var csig2 = calp2 * cbet2
        let comg2 = csig2
        Geodesic.normalize(&ssig2, &csig2)

        let sig12 = atan2(max(0.0, csig1 * ssig2 - ssig1 * csig2) + 0, csig1 * csig2 + ssig1 * ssig2)
        let somg12 = max(0.0, comg1 * somg2 - somg1 * comg2) + 0
        let comg12 = comg1 * comg2 + somg1 * somg2
        let eta = atan2(somg12 * clam120 - comg12 * slam120, comg12 * clam120 + somg12 * slam120)
        let k2 = calp0 * calp0 * ep2
        let eps = k2 / (2 * (1 + (1 + k2).squareRoot()) + k2)
        c3f(eps: eps, into: &ca)
        let B312 = ca.sinCosSeries(sine: true, ssig2, csig2, count: Geodesic.nC3 - 1)
            - ca.sinCosSeries(sine: true, ssig1, csig1, count: Geodesic.nC3 - 1)
        let domg12 = -f * a3f(eps) * salp0 * (sig12 + B312)
        let lam12 = eta + domg12
        var dlam12 = 0.0
        if wantsDerivative {
            if calp2 == 0 {
                dlam12 = -2 * f1 * dn1 / sbet1
            } else {
                let lengths = self.lengths(
                    eps: eps, sig12: sig12, ssig1: ssig1, csig1: csig1, dn1: dn1, ssig2: ssig2, csig2: csig2, dn2: dn2,
                    wantsDistance: false, wantsReducedLength: true, scratch: &ca)
                dlam12 = lengths.m12b * f1 / (calp2 * cbet2)
            }
        }
        return Lambda(
            lam12: lam12, salp2: salp2, calp2: calp2, sig12: sig12, ssig1: ssig1, csig1: csig1, ssig2: ssig2,
            csig2: csig2, eps: eps, domg12: domg12, dlam12: dlam12)
    }

    // MARK: - Series coefficients (order 6, from geodesic.c)

    static func polyval(_ coefficients: UnsafeBufferPointer<Double>, from start: Int, order: Int, _ x: Double) -> Double {
        if order < 0 { return 0 }
        var y = coefficients[start]
        var i = 1
        while i <= order {
            y = y * x + coefficients[start + i]
            i += 1
        }
        return y
    }

    static func polyval(_ coefficients: [Double], from start: Int, order: Int, _ x: Double) -> Double {
        coefficients.withUnsafeBufferPointer { polyval($0, from: start, order: order, x) }
    }

    func a3f(_ eps: Double) -> Double { Geodesic.polyval(a3x, from: 0, order: Geodesic.order - 1, eps) }

    func c3f(eps: Double, into c: inout Coefficients) {
        var mult = 1.0, o = 0
        c3x.withUnsafeBufferPointer { c3x in
            for l in 1..<Geodesic.nC3 {
                let m = Geodesic.nC3 - l - 1
                mult *= eps
                c[l] = mult * Geodesic.polyval(c3x, from: o, order: m, eps)
                o += m + 1
            }
        }
    }

    func c4f(eps: Double, into c: inout Coefficients) {
        var mult = 1.0, o = 0
        c4x.withUnsafeBufferPointer { c4x in
            for l in 0..<Geodesic.nC4 {
                let m = Geodesic.nC4 - l - 1
                c[l] = mult * Geodesic.polyval(c4x, from: o, order: m, eps)
                o += m + 1
                mult *= eps
            }
        }
    }

    static let a1Coefficients: [Double] = [1, 4, 64, 0, 256]
    static func a1m1f(_ eps: Double) -> Double {
        let m = order / 2
        let t = polyval(a1Coefficients, from: 0, order: m, eps * eps) / a1Coefficients[m + 1]
        return (t + eps) / (1 - eps)
    }

    static let c1Coefficients: [Double] = [-1, 6, -16, 32, -9, 64, -128, 2048, 9, -16, 768, 3, -5, 512, -7, 1280, -7, 2048]
    static func c1f(_ eps: Double, into c: inout Coefficients) {
        fourierCoefficients(c1Coefficients, eps, into: &c)
    }

    static let a2Coefficients: [Double] = [-11, -28, -192, 0, 256]
    static func a2m1f(_ eps: Double) -> Double {
        let m = order / 2
        let t = polyval(a2Coefficients, from: 0, order: m, eps * eps) / a2Coefficients[m + 1]
        return (t - eps) / (1 + eps)
    }

    static let c2Coefficients: [Double] = [1, 2, 16, 32, 35, 64, 384, 2048, 15, 80, 768, 7, 35, 512, 63, 1280, 77, 2048]
    static func c2f(_ eps: Double, into c: inout Coefficients) {
        fourierCoefficients(c2Coefficients, eps, into: &c)
    }

    /// C1 and C2: c[l] = eps^l · P_l(eps²) / d_l for l = 1…6.
    static func fourierCoefficients(_ coefficients: [Double], _ eps: Double, into c: inout Coefficients) {
        let eps2 = eps * eps
        var d = eps, o = 0
        coefficients.withUnsafeBufferPointer { coefficients in
            for l in 1...order {
                let m = (order - l) / 2
                c[l] = d * polyval(coefficients, from: o, order: m, eps2) / coefficients[o + m + 1]
                o += m + 2
                d *= eps
            }
        }
    }

    static func makeA3x(n: Double) -> [Double] {
        let coeff: [Double] = [-3, 128, -2, -3, 64, -1, -3, -1, 16, 3, -1, -2, 8, 1, -1, 2, 1, 1]
        var result: [Double] = []
        var o = 0
        for j in stride(from: order - 1, through: 0, by: -1) {
            let m = min(order - j - 1, j)
            result.append(polyval(coeff, from: o, order: m, n) / coeff[o + m + 1])
            o += m + 2
        }
        return result
    }

    static func makeC3x(n: Double) -> [Double] {
        let coeff: [Double] = [
            3, 128, 2, 5, 128, -1, 3, 3, 64, -1, 0, 1, 8, -1, 1, 4,
            5, 256, 1, 3, 128, -3, -2, 3, 64, 1, -3, 2, 32,
            7, 512, -10, 9, 384, 5, -9, 5, 192,
            7, 512, -14, 7, 512,
            21, 2560,
        ]
        var result: [Double] = []
        var o = 0
        for l in 1..<nC3 {
            for j in stride(from: nC3 - 1, through: l, by: -1) {
                let m = min(nC3 - j - 1, j)
                result.append(polyval(coeff, from: o, order: m, n) / coeff[o + m + 1])
                o += m + 2
            }
        }
        return result
    }

    static func makeC4x(n: Double) -> [Double] {
        let coeff: [Double] = [
            97, 15015, 1088, 156, 45045, -224, -4784, 1573, 45045,
            -10656, 14144, -4576, -858, 45045,
            64, 624, -4576, 6864, -3003, 15015,
            100, 208, 572, 3432, -12012, 30030, 45045,
            1, 9009, -2944, 468, 135135, 5792, 1040, -1287, 135135,
            5952, -11648, 9152, -2574, 135135,
            -64, -624, 4576, -6864, 3003, 135135,
            8, 10725, 1856, -936, 225225, -8448, 4992, -1144, 225225,
            -1440, 4160, -4576, 1716, 225225,
            -136, 63063, 1024, -208, 105105, 3584, -3328, 1144, 315315,
            -128, 135135, -2560, 832, 405405,
            128, 99099,
        ]
        var result: [Double] = []
        var o = 0
        for l in 0..<nC4 {
            for j in stride(from: nC4 - 1, through: l, by: -1) {
                let m = nC4 - j - 1
                result.append(polyval(coeff, from: o, order: m, n) / coeff[o + m + 1])
                o += m + 2
            }
        }
        return result
    }

    // MARK: - Angles, reduced exactly before conversion to radians (as in geodesic.c)

    /// u + v = s + t exactly (Knuth's TwoSum).
    static func twoSum(_ u: Double, _ v: Double) -> (sum: Double, error: Double) {
        let s = u + v
        var up = s - v
        var vpp = s - up
        up -= u
        vpp -= v
        return (s, s != 0 ? 0 - (up + vpp) : s)
    }

    static func angleNormalize(_ x: Double) -> Double {
        let y = remainder(x, 360.0)
        return abs(y) == 180 ? (x.sign == .minus ? -180 : 180) : y
    }

    static func latitudeFix(_ x: Double) -> Double { abs(x) > 90 ? .nan : x }

    /// y − x reduced to [−180, 180], with its rounding error.
    static func angleDifference(_ x: Double, _ y: Double) -> (Double, Double) {
        var (d, t) = twoSum(remainder(-x, 360.0), remainder(y, 360.0))
        (d, t) = twoSum(remainder(d, 360.0), t)
        if d == 0 || abs(d) == 180 {
            let signSource = t == 0 ? y - x : -t
            d = signSource.sign == .minus ? -abs(d) : abs(d)
        }
        return (d, t)
    }

    /// Rounds tiny values so that angles near 0 are exact multiples of 2⁻⁵⁷ (avoids underflow).
    static func angleRound(_ x: Double) -> Double {
        let z = 1.0 / 16.0
        var y = abs(x)
        let w = z - y
        y = w > 0 ? z - w : y
        return x.sign == .minus ? -y : y
    }

    /// sin and cos of x degrees, reducing x exactly to [−45°, 45°] first (geodesic.c `sincosdx`).
    static func sinCosDegrees(_ x: Double) -> (sin: Double, cos: Double) {
        var q: Int32 = 0
        let r = remquo(x, 90.0, &q)
        return sinCosQuadrant(x, reduced: r, quadrant: q)
    }

    /// sin and cos of x + t degrees, t the rounding error of x (geodesic.c `sincosde`).
    static func sinCosDegrees(_ x: Double, plus t: Double) -> (sin: Double, cos: Double) {
        var q: Int32 = 0
        let r = angleRound(remquo(x, 90.0, &q) + t)
        return sinCosQuadrant(x, reduced: r, quadrant: q)
    }

    private static func sinCosQuadrant(_ x: Double, reduced: Double, quadrant q: Int32) -> (sin: Double, cos: Double) {
        let r = reduced * degree
        let s = sin(r), c = cos(r)
        var sinx: Double, cosx: Double
        switch UInt32(bitPattern: q) & 3 {
        case 0: sinx = s; cosx = c
        case 1: sinx = c; cosx = -s
        case 2: sinx = -s; cosx = -c
        default: sinx = -c; cosx = s
        }
        cosx += 0
        if sinx == 0 { sinx = x.sign == .minus ? -0.0 : 0.0 }
        return (sinx, cosx)
    }

    /// √(x² + y²) without glibc's slower `hypot` when the squares neither overflow nor underflow
    /// (always, except for the `tiny` values that guard the poles and the equator).
    static func hypotenuse(_ x: Double, _ y: Double) -> Double {
        let sum = x * x + y * y
        if sum > 1e-290 && sum < 1e290 { return sum.squareRoot() }
        return hypot(x, y)
    }

    static func normalize(_ sinx: inout Double, _ cosx: inout Double) {
        let r = Geodesic.hypotenuse(sinx, cosx)
        sinx /= r
        cosx /= r
    }
}
