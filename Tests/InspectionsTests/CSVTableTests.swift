import Inspections
import XCTest

final class CSVTableTests: XCTestCase {
    private func errors(_ text: String) -> [CSVError] {
        CSVTable.read(utf8: Array(text.utf8)).errors
    }

    func testQuotedFieldsWithCommasAndDoubledQuotes() throws {
        let table = try CSVTable(parsing: "id,name,note\n1,\"Kabab, Tehran\",\"he said \"\"fresh\"\"\"\n2,\"\",plain\n")
        XCTAssertEqual(table.columns, ["id", "name", "note"])
        XCTAssertEqual(table.rows.map(\.fields), [["1", "Kabab, Tehran", "he said \"fresh\""], ["2", "", "plain"]])
        XCTAssertEqual(table.rows[0]["name"], "Kabab, Tehran")
        XCTAssertNil(table.rows[0]["missing"])
    }

    func testEmbeddedLineBreaksKeepLaterLineNumbersRight() throws {
        let text = "id,description\n1,\"first line\nsecond line\nthird line\"\n2,after\r\n3,\"crlf\r\ninside\"\n4,last"
        let table = try CSVTable(parsing: text)
        XCTAssertEqual(table.rows.map(\.line), [2, 5, 6, 8])
        XCTAssertEqual(table.rows[0]["description"], "first line\nsecond line\nthird line")
        XCTAssertEqual(table.rows[2]["description"], "crlf\r\ninside")
        XCTAssertEqual(table.rows[3].fields, ["4", "last"])
    }

    func testCRLFWithoutTrailingNewlineAndLoneCR() throws {
        let crlf = try CSVTable(parsing: "a,b\r\n1,2\r\n3,4")
        XCTAssertEqual(crlf.rows.map(\.fields), [["1", "2"], ["3", "4"]])
        XCTAssertEqual(crlf.rows.map(\.line), [2, 3])
        let cr = try CSVTable(parsing: "a,b\r1,2\r3,4\r")
        XCTAssertEqual(cr.rows.map(\.fields), [["1", "2"], ["3", "4"]])
        XCTAssertEqual(cr.rows.map(\.line), [2, 3])
    }

    func testByteOrderMarkAndHeaderNamesTrimmedAndLowerCased() throws {
        let table = try CSVTable(utf8: [0xEF, 0xBB, 0xBF] + Array(" Business_ID ,NAME\nB1,Cafe\n".utf8))
        XCTAssertEqual(table.columns, ["business_id", "name"])
        XCTAssertEqual(table.rows.first?["business_id"], "B1")
    }

    func testBlankLinesSkippedWithLineNumbersKept() throws {
        let table = try CSVTable(parsing: "\n\na,b\n\n1,2\n   \n\t\n3,4\n\n")
        XCTAssertEqual(table.headerLine, 3)
        XCTAssertEqual(table.rows.map(\.line), [5, 8])
    }

    func testEmptyFieldsAndTrailingComma() throws {
        let table = try CSVTable(parsing: "a,b,c\n,,\n1,,\n")
        XCTAssertEqual(table.rows.map(\.fields), [["", "", ""], ["1", "", ""]])
    }

    func testFieldCountMismatchReportedWithLineAndGoodRowsKept() {
        let (table, errors) = CSVTable.read(utf8: Array("a,b,c\n1,2,3\n4,5\n6,\"7\n8\",9,10\n11,12,13\n".utf8))
        XCTAssertEqual(errors, [
            CSVError(line: 3, kind: .fieldCount(expected: 3, found: 2)),
            CSVError(line: 4, kind: .fieldCount(expected: 3, found: 4)),
        ])
        XCTAssertEqual(table?.rows.map(\.line), [2, 6])
        XCTAssertThrowsError(try CSVTable(parsing: "a,b\n1\n")) { error in
            XCTAssertEqual((error as? CSVErrors)?.errors.first?.description, "line 2: 1 fields where the header has 2")
        }
    }

    func testQuoteErrors() {
        XCTAssertEqual(errors("a,b\n1,2\n3,ab\"c\n4,5\n"), [CSVError(line: 3, kind: .quoteInUnquotedField)])
        XCTAssertEqual(errors("a,b\n\"x\"y,2\n4,5\n"), [CSVError(line: 2, kind: .textAfterClosingQuote)])
        XCTAssertEqual(errors("a,b\n\"x\" ,2\n"), [CSVError(line: 2, kind: .textAfterClosingQuote)])
        // The quote opened on line 3 swallows the rest of the file: the error names where it opened.
        XCTAssertEqual(errors("a,b\n1,2\n3,\"open\n4,5\n6,7\n"), [CSVError(line: 3, kind: .unterminatedQuote)])
        // After a stray quote, reading resumes on the next line, so later errors are still found.
        XCTAssertEqual(errors("a,b\n1,x\"\n2\n"), [
            CSVError(line: 2, kind: .quoteInUnquotedField), CSVError(line: 3, kind: .fieldCount(expected: 2, found: 1)),
        ])
    }

    func testInvalidUTF8EmptyFileAndDuplicateColumn() {
        let bytes = Array("a,b\n1,2\n".utf8) + [0x33, 0x2C, 0xC3, 0x28, 0x0A]
        XCTAssertEqual(CSVTable.read(utf8: bytes).errors, [CSVError(line: 3, kind: .invalidUTF8)])
        XCTAssertEqual(errors(""), [CSVError(line: 1, kind: .emptyFile)])
        XCTAssertEqual(errors("\n\n"), [CSVError(line: 1, kind: .emptyFile)])
        XCTAssertEqual(errors("id,Name,name\n1,2,3\n"), [CSVError(line: 1, kind: .duplicateColumn("name"))])
    }

    func testPersianTextIntact() throws {
        let name = "کبابی نایب‌السلطنه، شعبهٔ ۲"
        let table = try CSVTable(parsing: "id,name\n1,\"\(name)\"\n2,چلوکبابی\n")
        XCTAssertEqual(table.rows[0]["name"], name)
        XCTAssertEqual(table.rows[0]["name"]?.unicodeScalars.count, name.unicodeScalars.count)
        XCTAssertEqual(table.rows[1]["name"], "چلوکبابی")
    }
}
