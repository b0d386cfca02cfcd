import BayanCore
import BayanDocument
import BayanStore
import BayanTestSupport
import Foundation
import Testing

@testable import BayanWeb

/// Issue 16, acceptance 6: after sign-ons spread over several hours (the store's clock
/// injected), the public page and the coordinator's page carry an SVG chart whose points
/// are the CSV series drawn to scale, and the JSON gives the same numbers.
@Suite struct Growth {
    @Test func theChartsPointsAreTheCSVSeries() async throws {
        let clock = ManualClock()
        clock.advance(-clock.read().timeIntervalSince1970.truncatingRemainder(dividingBy: 3600))  // on the hour
        let fixture = try await Fixture.make(environment: StoreEnvironment(now: { clock.read() }))
        try await fixture.run { (b: Browser, store: SQLStore) async throws in
            let record = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("joint"), title: "بيان", body: "نص", author: "test",
                    signatories: [(name: "نقابة المعلمين", number: 1), (name: "رابطة الكتاب", number: 2)], publish: true,
                    at: clock.read()))
            let hash = try await store.currentVersion(of: record.id).contentHash
            // Hour 2: three people; hour 3: nothing; hour 5: an organisation and a person;
            // a rejected person counts nowhere.
            for (hours, kind, state) in [
                (2, SignerKind.individual, EndorsementState.confirmed), (0, .individual, .confirmed), (0, .individual, .confirmed),
                (3, .organization, .approved), (0, .individual, .approved), (0, .individual, .rejected),
            ] {
                clock.advance(Double(hours) * 3600)
                let e = try await store.addEndorsement(
                    statementID: record.id, NewEndorsement(signerKind: kind, displayName: "اسم \(UUID().uuidString.prefix(4))", versionHash: hash))
                _ = try await store.setEndorsementState(statementID: record.id, endorsementID: e.id, to: state, reason: nil)
            }
            let csv = try await b.request("/s/joint/growth.csv").body.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",") }
            let organizations = csv.map { Int($0[1])! }
            let individuals = csv.map { Int($0[2])! }
            #expect(organizations == [2, 2, 2, 2, 2, 3] && individuals == [0, 0, 3, 3, 3, 4])
            // Hourly periods from the founders' hour on.
            let times = csv.map { ISO8601DateFormatter().date(from: String($0[0]))! }
            #expect(zip(times, times.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 3600 })

            let top = Double(max(organizations.last!, individuals.last!))
            func expected(_ values: [Int]) -> [(Double, Double)] {
                values.enumerated().map { (600 * Double($0.offset) / Double(values.count - 1), 160 - 160 * Double($0.element) / top) }
            }
            for page in ["/s/joint", "/c/s/joint/signons"] {
                if page.hasPrefix("/c") { #expect(try await b.signIn("admin@example.org") == .seeOther) }
                let html = try await b.request(page).body
                #expect(html.contains("<svg viewBox=\"0 0 600 160\""), "\(page)")
                for (series, values) in [("organizations", organizations), ("individuals", individuals)] {
                    let drawn = try #require(Self.polyline(series, in: html), "\(page) \(series)")
                    let want = expected(values)
                    #expect(drawn.count == want.count)
                    for (d, w) in zip(drawn, want) { #expect(abs(d.0 - w.0) < 0.06 && abs(d.1 - w.1) < 0.06, "\(page) \(series) \(d) \(w)") }
                }
            }
            let json = try JSONSerialization.jsonObject(with: Data(try await b.request("/s/joint/growth.json").body.utf8)) as! [String: Any]
            let points = json["points"] as! [[String: Any]]
            #expect(points.map { $0["individuals"] as! Int } == individuals && json["hoursPerPoint"] as? Int == 1)
        }
    }

    /// A long-running statement is drawn by day, never with more points than a phone draws cheaply.
    @Test func aLongSeriesIsDrawnByDay() {
        let counts = (0..<1000).map { GrowthSeries.HourCount(hour: 500_000 + Int64($0) * 3, kind: .individual, count: 1) }
        let series = GrowthSeries(counts)
        #expect(series.hoursPerPoint == 24 && series.points.count <= GrowthSeries.maximumPoints)
        #expect(series.points.last?.individuals == 1000)
        #expect(GrowthSeries([]).points.isEmpty)
    }

    static func polyline(_ series: String, in html: String) -> [(Double, Double)]? {
        guard let start = html.range(of: "<polyline class=\"\(series)\" points=\"") else { return nil }
        let points = html[start.upperBound...].prefix { $0 != "\"" }
        return points.split(separator: " ").map { pair in
            let xy = pair.split(separator: ",")
            return (Double(xy[0])!, Double(xy[1])!)
        }
    }
}
