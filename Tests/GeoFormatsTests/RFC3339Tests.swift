import GeoFormats
import TestSupport
import Testing

@Suite("RFC3339")
struct RFC3339Tests {
    /// Seconds from GNU date, an independent clock library: `date -u -d 2000-03-01T00:00:00Z +%s`.
    @Test(
        "date-times read as milliseconds since the epoch: known answers",
        arguments: [
            ("1970-01-01T00:00:00Z", Int64(0)),
            ("2000-03-01T00:00:00Z", 951_868_800_000),
            ("2024-02-29T23:59:59Z", 1_709_251_199_000),
            ("1969-12-31T23:59:59Z", -1000),
            ("1969-12-31T23:59:59.999Z", -1),
            ("1900-03-01T00:00:00Z", -2_203_891_200_000),
            ("0001-01-01T00:00:00Z", -62_135_596_800_000),
            ("9999-12-31T23:59:59Z", 253_402_300_799_000),
            // date -u -d '2026-01-05T10:00:00+03:30' +%s → 1767594600 (Tehran time)
            ("2026-01-05T10:00:00+03:30", 1_767_594_600_000),
            ("2026-01-05T03:00:00-03:30", 1_767_594_600_000),
            ("2026-01-05t06:30:00z", 1_767_594_600_000),
            ("2026-01-05T06:30:00.5Z", 1_767_594_600_500),
            ("2026-01-05T06:30:00.123456789Z", 1_767_594_600_123),
            ("2026-01-05T06:30:00.000+00:00", 1_767_594_600_000),
            // A leap second is the last millisecond of its minute.
            ("2016-12-31T23:59:60Z", 1_483_228_799_999),
        ])
    func reads(text: String, milliseconds: Int64) {
        #expect(RFC3339.milliseconds(text) == milliseconds, "\(text)")
    }

    @Test(
        "anything but a date-time is refused",
        arguments: [
            "2026-01-05", "2026-01-05T10:00:00", "2026-01-05T10:00Z", "2026-01-05 10:00:00Z", "2026-1-05T10:00:00Z",
            "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-01-05T24:00:00Z", "2026-01-05T10:60:00Z", "2026-01-05T10:00:61Z", "2026-01-05T10:00:00+24:00",
            "2026-01-05T10:00:00+03:60", "2026-01-05T10:00:00+0330", "2026-01-05T10:00:00.Z", "2026-01-05T10:00:00ZZ",
            "2026-01-05T10:00:00Z ", "", "..", "now", "２０２６-01-05T10:00:00Z", "2026-01-05T10:00:00.5",
        ])
    func refuses(text: String) {
        #expect(RFC3339.milliseconds(text) == nil, "\(text)")
    }

    @Test("2000-02-29 exists (divisible by 400), 2100-02-29 does not (by 100)")
    func leapYears() {
        #expect(RFC3339.milliseconds("2000-02-29T00:00:00Z") == 951_782_400_000)  // date -u -d 2000-02-29 +%s
        #expect(RFC3339.milliseconds("2100-02-29T00:00:00Z") == nil)
    }

    @Test("written back in UTC with milliseconds, and read again to the same number")
    func roundTrip() {
        #expect(RFC3339.string(milliseconds: 1_767_594_600_123) == "2026-01-05T06:30:00.123Z")
        #expect(RFC3339.string(milliseconds: 0, fractionDigits: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.string(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.string(milliseconds: -62_135_596_800_000) == "0001-01-01T00:00:00.000Z")
        var random = SeededRandom(seed: 20_260_105)
        for _ in 0..<10_000 {
            let value = Int64(bitPattern: random.next() % 253_402_300_800_000)
            #expect(RFC3339.milliseconds(RFC3339.string(milliseconds: value)) == value, "seed 20260105, \(value)")
        }
    }
}
