import Foundation
import Inspections
import XCTest

final class LIVESFeedTests: XCTestCase {
    private let persianName = "چلوکبابی نایب‌السلطنه"

    /// A feed folder in the temporary directory, removed after the test.
    private func folder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(
            path: "lives-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: folder.appending(path: name)) }
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// The problems of a feed that must be refused, as "file line N: message" texts.
    private func problems(_ files: [String: String], file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            let feed = try LIVESFeed.read(files: files.mapValues { Array($0.utf8) })
            XCTFail("a feed of \(feed.businesses.count) businesses was read; expected problems", file: file, line: line)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    private var businesses: String {
        #"""
        business_id,name,address,city,state,postal_code,latitude,longitude,phone_number,facility_id,extra_column
        B1,"\#(persianName)","Naser Khosrow St, 12",Tehran,,11149,35.6821,51.4213,+98 21 5555 0101,F-17,ignored
        B2,"Cafe ""Nader""",,Tehran,,,,,,,
        B3,Never Inspected,,,,,,,,,
        B4,Followed Up,,,,,-12.5,130.8,,,

        """#
    }

    private var inspections: String {
        """
        business_id,score,date,description,type
        B1,85,20240105,"Routine visit,
        two violations",routine
        B2,72,20240301,,routine
        B1,95,20240610,,routine
        B2,88,20230101,,initial
        B4,83,20240201,,routine
        B4,,20240215,Re-check,followup

        """
    }

    private var violations: String {
        """
        business_id,date,code,description
        B1,20240105,103,Food held at wrong temperature
        B2,20240301,V7,
        B1,20240105,,No hand soap

        """
    }

    private let legend = "minimum_score,maximum_score,description\n90,100,A\n80,89,B\n0,79,C\n"

    func testLegendFeedFromFolder() throws {
        let feed = try LIVESFeed.read(folder: folder([
            "businesses.csv": businesses, "inspections.csv": inspections, "violations.csv": violations,
            "legend.csv": legend,
            "feed_info.csv": "feed_date,feed_version,municipality_name,municipality_url,contact_email\n20240701,3,Tehran,https://example.org,data@example.org\n",
            "README.txt": "not part of LIVES",
        ]))
        XCTAssertEqual(feed.scheme, .legend(GradeLegend(bands: [
            GradeBand(minimum: 0, maximum: 79, grade: "C"), GradeBand(minimum: 80, maximum: 89, grade: "B"),
            GradeBand(minimum: 90, maximum: 100, grade: "A"),
        ])))
        XCTAssertEqual(feed.info, FeedInfo(
            feedDate: CalendarDay(year: 2024, month: 7, day: 1), feedVersion: "3", municipalityName: "Tehran",
            municipalityURL: "https://example.org", contactEmail: "data@example.org"))
        XCTAssertEqual(feed.businesses.map(\.id), ["B1", "B2", "B3", "B4"])

        let b1 = try XCTUnwrap(feed.business(id: "B1"))
        XCTAssertEqual(b1.name, persianName)
        XCTAssertEqual(b1.address, "Naser Khosrow St, 12")
        XCTAssertEqual(b1.postalCode, "11149")
        XCTAssertNil(b1.state)
        XCTAssertEqual(b1.location, InspectionBusiness.Location(latitude: 35.6821, longitude: 51.4213))
        XCTAssertEqual(b1.phone, "+98 21 5555 0101")
        XCTAssertEqual(b1.facilityID, "F-17")
        XCTAssertEqual(feed.business(id: "B2")?.name, "Cafe \"Nader\"")
        XCTAssertNil(feed.business(id: "B2")?.location)

        // Sorted by business, then date, whatever the file's order.
        XCTAssertEqual(feed.inspections.map { "\($0.businessID) \($0.date.iso8601)" }, [
            "B1 2024-01-05", "B1 2024-06-10", "B2 2023-01-01", "B2 2024-03-01", "B4 2024-02-01", "B4 2024-02-15",
        ])
        XCTAssertEqual(feed.inspections[0].description, "Routine visit,\ntwo violations")

        // Violations go to the inspection of their business and date, in file order.
        XCTAssertEqual(feed.inspections(of: "B1").first?.violations, [
            InspectionViolation(code: "103", description: "Food held at wrong temperature"),
            InspectionViolation(code: nil, description: "No hand soap"),
        ])
        XCTAssertEqual(feed.inspections(of: "B1").last?.violations, [])
        XCTAssertEqual(feed.latest(for: "B2")?.violations, [InspectionViolation(code: "V7", description: nil)])
        XCTAssertEqual(feed.inspections.reduce(0) { $0 + $1.violations.count }, 3)

        XCTAssertEqual(feed.latest(for: "B1")?.score, 95)
        XCTAssertNil(feed.latest(for: "B3"))
        XCTAssertNil(feed.latest(for: "nobody"))
        let grades = feed.standings().map { "\($0.business.id) \($0.latest?.date.yyyymmdd ?? "-") \($0.score.map { String($0) } ?? "-") \($0.grade ?? "-")" }
        XCTAssertEqual(grades, [
            "B1 20240610 95.0 A",
            "B2 20240301 72.0 C",
            "B3 - - -",
            // The latest visit is an unscored follow-up: the grade stays that of the last scored one.
            "B4 20240215 83.0 B",
        ])
        XCTAssertEqual(feed.standings()[3].latestScored?.date, CalendarDay(year: 2024, month: 2, day: 1))
    }

    func testNYCLettersScheme() throws {
        let feed = try LIVESFeed.read(files: [
            "businesses.csv": Array("business_id,name\nN1,Twelve\nN2,Fourteen\nN3,TwentyEight\nN4,Thirteen\nN5,TwentySeven\nN6,Many\n".utf8),
            "inspections.csv": Array("""
                business_id,score,date
                N1,40,20230105
                N1,12,20240105
                N2,14,20240105
                N3,28,20240105
                N4,13,20240105
                N5,27,20240105
                N6,120,20240105

                """.utf8),
            // A legend.csv beside nyc_letters is read and checked, and not used for grades.
            "legend.csv": Array(legend.utf8),
            "feed_info.csv": Array("feed_date,grade_scheme\n20240701,NYC_letters\n".utf8),
        ])
        XCTAssertEqual(feed.scheme, .nycLetters)
        XCTAssertEqual(feed.standings().map { $0.grade ?? "-" }, ["A", "B", "C", "A", "B", "C"])
        XCTAssertEqual(GradeScheme.nycLetters.grade(forScore: 0), "A")
        XCTAssertEqual(GradeScheme.nycLetters.grade(forScore: 13.5), "A")
        XCTAssertNil(GradeScheme.none.grade(forScore: 50))
    }

    func testNoLegendMeansNoGrades() throws {
        let feed = try LIVESFeed.read(files: [
            "businesses.csv": Array("business_id,name\nB1,One\n".utf8),
            "inspections.csv": Array("business_id,score,date\nB1,91.5,20240229\n".utf8),
        ])
        XCTAssertEqual(feed.scheme, GradeScheme.none)
        XCTAssertNil(feed.info)
        XCTAssertEqual(feed.standings().first?.score, 91.5)
        XCTAssertNil(feed.standings().first?.grade)
    }

    func testBOMAndCRLFFilesReadIntact() throws {
        let bom = "\u{FEFF}"
        let feed = try LIVESFeed.read(folder: folder([
            "businesses.csv": bom + "business_id,name\r\nB1,\(persianName)\r\n",
            "inspections.csv": bom + "business_id,date,score\r\nB1,20240105,90",
        ]))
        XCTAssertEqual(feed.business(id: "B1")?.name, persianName)
        XCTAssertEqual(feed.latest(for: "B1")?.date.yyyymmdd, "20240105")
    }

    func testMalformedRowsReportedWithFileAndLine() {
        let found = problems([
            "businesses.csv": """
                business_id,name,address,latitude,longitude
                B1,Cafe One,1 Main St,35.7,51.4
                B1,Cafe Again,,,
                ,No Id,,,
                B3,,,,
                B4,Latitude Only,,35.7,
                B5,Far North,,95,51
                B6,Bad Degrees,,abc,51
                B7,Short

                """,
            "inspections.csv": """
                business_id,score,date,type
                B1,90,20240105,routine
                B1,91,20240105,followup
                BX,80,20240101,routine
                B1,abc,20240201,routine
                B1,80,20241345,routine
                B1,80,2024-03-01,routine
                B1,,,routine
                B1,-3,20240401,routine
                B4,70,20240401,routine

                """,
            "violations.csv": """
                business_id,date,code,description
                B1,20240105,V1,Dirty floor
                B1,20240106,V2,Orphan
                BX,20240105,V3,Unknown business
                B1,20240105,,
                B1,20230229,V4,Not a day
                B1,20240201,V5,Its inspection row is bad but exists
                B4,20240401,V6,Its business row is bad but exists
                B1,20240105,V"7,Stray quote

                """,
            "feed_info.csv": "feed_date,feed_version,grade_scheme\n20241301,1,stars\n20240101,2,legend\n",
        ])
        XCTAssertEqual(found, [
            "businesses.csv line 3: business_id 'B1' is already used on line 2",
            "businesses.csv line 4: business_id is empty",
            "businesses.csv line 5: name is empty",
            "businesses.csv line 6: latitude without longitude",
            "businesses.csv line 7: latitude '95' is outside -90…90",
            "businesses.csv line 8: latitude 'abc' is not a decimal number",
            "businesses.csv line 9: 2 fields where the header has 5",
            "inspections.csv line 3: a second inspection of business 'B1' on 20240105 (the first is on line 2); violations.csv could not tell them apart",
            "inspections.csv line 4: business_id 'BX' is not in businesses.csv",
            "inspections.csv line 5: score 'abc' is not a number",
            "inspections.csv line 6: date '20241345' is not a calendar date",
            "inspections.csv line 7: date '2024-03-01' is not a date in YYYYMMDD form",
            "inspections.csv line 8: date is empty",
            "inspections.csv line 9: score '-3' is negative",
            "violations.csv line 3: no inspection of business 'B1' on 20240106 in inspections.csv",
            "violations.csv line 4: business_id 'BX' is not in businesses.csv",
            "violations.csv line 5: the violation has neither a code nor a description",
            "violations.csv line 6: date '20230229' is not a calendar date",
            "violations.csv line 9: a quote inside a field that is not enclosed in quotes",
            "feed_info.csv line 2: feed_date '20241301' is not a calendar date",
            "feed_info.csv line 2: grade_scheme 'stars' is neither 'legend' nor 'nyc_letters'",
            "feed_info.csv line 3: a second data row; LIVES feed_info.csv has one (the first is on line 2)",
        ])
    }

    func testLegendProblems() {
        let feed = [
            "businesses.csv": "business_id,name\nB1,One\n",
            "inspections.csv": "business_id,score,date\nB1,50,20240105\n",
        ]
        XCTAssertEqual(problems(feed.merging(["legend.csv": """
            minimum_score,maximum_score,description
            0,79,C
            80,89,B
            85,95,A
            100,90,X
            x,100,Y
            90,100,

            """]) { $1 }), [
            "legend.csv line 4: range 85–95 overlaps range 80–89 on line 3",
            "legend.csv line 5: minimum_score 100 is greater than maximum_score 90",
            "legend.csv line 6: minimum_score 'x' is not a number",
            "legend.csv line 7: description (the grade) is empty",
        ])
        // Ranges sharing an end overlap: 89 would be both B and A.
        XCTAssertEqual(problems(feed.merging(["legend.csv": "minimum_score,maximum_score,description\n89,100,A\n0,89,B\n"]) { $1 }), [
            "legend.csv line 3: range 0–89 overlaps range 89–100 on line 2",
        ])
        XCTAssertEqual(problems(feed.merging(["legend.csv": "minimum_score,maximum_score,description\n"]) { $1 }), [
            "legend.csv: the file has no score ranges",
        ])
        XCTAssertEqual(problems(feed.merging(["legend.csv": "minimum_score,description\n0,C\n"]) { $1 }), [
            "legend.csv line 1: required column 'maximum_score' is missing from the header",
        ])
        XCTAssertEqual(problems(feed.merging(["feed_info.csv": "grade_scheme\nlegend\n"]) { $1 }), [
            "feed_info.csv line 2: grade_scheme 'legend' but the feed has no legend.csv",
        ])
    }

    func testScoresCheckedAgainstTheScheme() {
        let inspections = "business_id,score,date\nB1,79.5,20240105\nB1,120,20240106\nB1,1e2,20240107\nB1,nan,20240108\nB1,100,20240109\n"
        XCTAssertEqual(problems([
            "businesses.csv": "business_id,name\nB1,One\n", "inspections.csv": inspections,
            "legend.csv": legend,
        ]), [
            "inspections.csv line 2: score '79.5' is in no range of legend.csv",
            "inspections.csv line 3: score '120' is outside 0–100",
            "inspections.csv line 4: score '1e2' is not a number",
            "inspections.csv line 5: score 'nan' is not a number",
        ])
    }

    func testMissingFilesAndFolder() throws {
        XCTAssertEqual(problems([:]), [
            "businesses.csv: the file is missing; LIVES 1.0 requires it",
            "inspections.csv: the file is missing; LIVES 1.0 requires it",
        ])
        // With businesses.csv unreadable, references to it are not each reported again.
        XCTAssertEqual(problems([
            "businesses.csv": "id,title\nB1,One\n",
            "inspections.csv": "business_id,date\nB1,20240105\n",
            "violations.csv": "business_id,date,code\nB1,20240105,V1\n",
        ]), [
            "businesses.csv line 1: required column 'business_id' is missing from the header",
            "businesses.csv line 1: required column 'name' is missing from the header",
        ])
        XCTAssertEqual(problems(["businesses.csv": "", "inspections.csv": "business_id,date\n"]), [
            "businesses.csv line 1: the file is empty: no header row",
        ])
        let missing = FileManager.default.temporaryDirectory.appending(path: "lives-absent-\(UUID().uuidString)")
        XCTAssertThrowsError(try LIVESFeed.read(folder: missing)) { error in
            XCTAssertEqual((error as? LIVESFeedErrors)?.problems.first?.message, "is not a readable folder")
        }
        let empty = try folder([:])
        XCTAssertThrowsError(try LIVESFeed.read(folderPath: empty.path(percentEncoded: false))) { error in
            XCTAssertEqual((error as? LIVESFeedErrors)?.problems.map(\.file), ["businesses.csv", "inspections.csv"])
            XCTAssertEqual((error as? LIVESFeedErrors)?.problems.map(\.line), [nil, nil])
        }
    }

    func testInvalidUTF8ReportedWithLine() {
        var businesses = Array("business_id,name\nB1,One\nB2,".utf8)
        businesses += [0xFF, 0x0A]
        XCTAssertThrowsError(try LIVESFeed.read(files: [
            "businesses.csv": businesses, "inspections.csv": Array("business_id,date\n".utf8),
        ])) { error in
            XCTAssertEqual((error as? LIVESFeedErrors)?.description, "businesses.csv line 3: the text is not valid UTF-8")
        }
    }

    func testProblemsCappedAndCounted() {
        let rows = (1...150).map { "B\($0),\($0)" }.joined(separator: "\n")
        XCTAssertThrowsError(try LIVESFeed.read(files: [
            "businesses.csv": Array("business_id,name\nB0,Zero\n".utf8),
            "inspections.csv": Array("business_id,date\n\(rows)\n".utf8),
        ])) { error in
            guard let errors = error as? LIVESFeedErrors else { return XCTFail("\(error)") }
            XCTAssertEqual(errors.problems.count, LIVESFeed.problemLimit)
            XCTAssertEqual(errors.omittedCount, 200)
            XCTAssertEqual(errors.problems.first?.description, "inspections.csv line 2: business_id 'B1' is not in businesses.csv")
            XCTAssertTrue(errors.description.hasSuffix("… and 200 more problems"))
        }
    }

    func testCalendarDay() {
        XCTAssertEqual(CalendarDay(yyyymmdd: "20240229")?.iso8601, "2024-02-29")
        XCTAssertNil(CalendarDay(yyyymmdd: "20230229"))
        XCTAssertNil(CalendarDay(yyyymmdd: "19000229"))
        XCTAssertNotNil(CalendarDay(yyyymmdd: "20000229"))
        XCTAssertNil(CalendarDay(yyyymmdd: "20240431"))
        XCTAssertNil(CalendarDay(yyyymmdd: "2024011"))
        XCTAssertNil(CalendarDay(yyyymmdd: "２0240101"))
        XCTAssertNil(CalendarDay(yyyymmdd: "00000101"))
        XCTAssertEqual(CalendarDay(year: 7, month: 3, day: 5)?.yyyymmdd, "00070305")
        XCTAssertLessThan(CalendarDay(yyyymmdd: "20231231")!, CalendarDay(yyyymmdd: "20240101")!)
        XCTAssertLessThan(CalendarDay(yyyymmdd: "20240131")!, CalendarDay(yyyymmdd: "20240201")!)
    }
}
