import LandModel
import Testing

/// Check digits worked by hand from the rule: s = Σ dᵢ·(10 − i) over the first nine digits,
/// r = s mod 11, check = r if r < 2 else 11 − r.
@Suite("NationalID and MobileNumber")
struct NationalIDTests {
    // 0,0,1,2,3,4,5,6,7: 0·10 + 0·9 + 1·8 + 2·7 + 3·6 + 4·5 + 5·4 + 6·3 + 7·2 = 112; 112 mod 11 = 2 → 11 − 2 = 9.
    // 1…9: 10 + 18 + 24 + 28 + 30 + 30 + 28 + 24 + 18 = 210; 210 mod 11 = 1 (< 2) → check 1.
    // 2,0,0,0,0,0,0,0,1: 2·10 + 1·2 = 22; 22 mod 11 = 0 → check 0.
    // 0,0,0,0,0,0,0,1,1: 1·3 + 1·2 = 5; 5 mod 11 = 5 → 11 − 5 = 6.
    @Test("hand-worked valid ids pass", arguments: ["0012345679", "1234567891", "2000000010", "0000000116"])
    func validIDs(_ text: String) {
        #expect(NationalID(text)?.digits == text)
    }

    @Test("a wrong check digit fails", arguments: ["0012345678", "1234567890", "2000000011", "0000000115"])
    func wrongCheckDigit(_ text: String) {
        #expect(NationalID(text) == nil)
    }

    // 1111111111: s = 1·(10+9+…+2) = 54; 54 mod 11 = 10 → check 1: the sum passes, the rule refuses it.
    @Test("ten equal digits are refused even when the sum passes", arguments: ["0000000000", "1111111111", "9999999999"])
    func allSameDigits(_ text: String) {
        #expect(NationalID(text) == nil)
    }

    @Test("wrong length and non-digits fail", arguments: ["", "001234567", "00123456790", "00123a5679", "0012345679 ", "+012345679"])
    func malformed(_ text: String) {
        #expect(NationalID(text) == nil)
    }

    @Test("Persian and Arabic-Indic digits are read as ASCII")
    func persianDigits() {
        #expect(NationalID("۰۰۱۲۳۴۵۶۷۹")?.digits == "0012345679")
        #expect(NationalID("\u{0660}\u{0660}\u{0661}\u{0662}\u{0663}\u{0664}\u{0665}\u{0666}\u{0667}\u{0669}")?.digits == "0012345679")
    }

    @Test("mobile numbers in every accepted form normalise to 09xxxxxxxxx")
    func mobileForms() {
        for text in ["09121234567", "+989121234567", "00989121234567", "۰۹۱۲۱۲۳۴۵۶۷", "0912 123 4567", "0912-123-4567"] {
            #expect(MobileNumber(text)?.digits == "09121234567", "\(text)")
        }
    }

    @Test("landlines, short, long and foreign numbers are refused")
    func mobileRefused() {
        for text in ["02112345678", "0912123456", "091212345678", "+449121234567", "+98912123456", "9121234567", "", "0912abc4567"] {
            #expect(MobileNumber(text) == nil, "\(text)")
        }
    }

    @Test("descriptions never show the digits")
    func redacted() throws {
        let id = try #require(NationalID("0012345679"))
        let phone = try #require(MobileNumber("09121234567"))
        #expect(!"\(id)".contains("0012345679"))
        #expect(!"\(phone)".contains("09121234567"))
        #expect(!"\(Applicant(name: "Sara", nationalID: id, phone: phone))".contains("Sara"))
    }
}
