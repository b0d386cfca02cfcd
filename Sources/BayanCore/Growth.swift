import Foundation

/// How many sign-ons counted by the end of each period: the statement's growth, for the
/// chart on its pages and the same series as CSV and JSON (issue 16). UK petitions
/// publishes signatures over time; coordinators watch a statement spread and spot a wave
/// of fake joins. Pure: the store gives hourly counts, this shapes them.
public struct GrowthSeries: Sendable, Equatable {
    /// One period: when it starts and the totals counted by its end (cumulative).
    public struct Point: Sendable, Equatable {
        public let start: Date
        public let organizations: Int
        public let individuals: Int
        public init(start: Date, organizations: Int, individuals: Int) {
            self.start = start
            self.organizations = organizations
            self.individuals = individuals
        }
    }

    /// The store's hourly counts of live sign-ons (approved or confirmed), by the hour
    /// they signed in (hours since 1970) and kind.
    public struct HourCount: Sendable, Equatable {
        public let hour: Int64
        public let kind: SignerKind
        public let count: Int
        public init(hour: Int64, kind: SignerKind, count: Int) {
            self.hour = hour
            self.kind = kind
            self.count = count
        }
    }

    /// The length of one period in hours: an hour while a statement is young, a day once
    /// the series would have more than `maximumPoints` hours, and longer beyond that, so a
    /// chart never carries more points than a phone can draw cheaply.
    public let hoursPerPoint: Int64
    public let points: [Point]

    public static let maximumPoints = 400

    public init(_ counts: [HourCount]) {
        guard let first = counts.map(\.hour).min(), let last = counts.map(\.hour).max() else {
            self.hoursPerPoint = 1
            self.points = []
            return
        }
        var step: Int64 = 1
        for candidate: Int64 in [1, 24, 24 * 7, 24 * 30] {
            step = candidate
            if (last / candidate - first / candidate) < Int64(Self.maximumPoints) { break }
        }
        var byPeriod: [Int64: (organizations: Int, individuals: Int)] = [:]
        for c in counts {
            var totals = byPeriod[c.hour / step] ?? (0, 0)
            if c.kind == .organization { totals.organizations += c.count } else { totals.individuals += c.count }
            byPeriod[c.hour / step] = totals
        }
        var organizations = 0
        var individuals = 0
        var points: [Point] = []
        // Every period from the first to the last, so time runs evenly along the chart.
        for period in (first / step)...(last / step) {
            if let t = byPeriod[period] {
                organizations += t.organizations
                individuals += t.individuals
            }
            points.append(
                Point(start: Date(timeIntervalSince1970: TimeInterval(period * step * 3600)), organizations: organizations, individuals: individuals))
        }
        self.hoursPerPoint = step
        self.points = points
    }

    /// The series as JSON: the period's length and, for each period, its start (UTC) and
    /// the running totals: the same numbers as the CSV and the chart.
    public var json: Data {
        struct Row: Encodable {
            let time: String
            let organizations: Int
            let individuals: Int
        }
        struct Body: Encodable {
            let hoursPerPoint: Int64
            let points: [Row]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let rows = points.map {
            Row(time: $0.start.formatted(Date.ISO8601FormatStyle()), organizations: $0.organizations, individuals: $0.individuals)
        }
        return (try? encoder.encode(Body(hoursPerPoint: hoursPerPoint, points: rows))) ?? Data("{}".utf8)
    }

    /// The series as CSV: one line a period, its start in UTC and the running totals.
    public var csv: String {
        var out = "time,organizations,individuals\r\n"
        for p in points {
            out += "\(p.start.formatted(Date.ISO8601FormatStyle())),\(p.organizations),\(p.individuals)\r\n"
        }
        return out
    }
}

/// The chart's geometry: each series as the `points` of an SVG polyline in a fixed
/// `width` × `height` box, time along x (periods evenly spaced) and the total along y from
/// zero at the bottom to the larger of the two series' last totals at the top.
public struct GrowthChart: Sendable, Equatable {
    public static let width = 600.0
    public static let height = 160.0

    public let organizations: String
    public let individuals: String
    public let top: Int

    public init(_ series: GrowthSeries) {
        let points = series.points
        let top = max(1, points.last.map { max($0.organizations, $0.individuals) } ?? 1)
        let line = { (value: (GrowthSeries.Point) -> Int) -> String in
            points.enumerated().map { i, p in
                let x = points.count > 1 ? Self.width * Double(i) / Double(points.count - 1) : Self.width
                return "\(Self.format(x)),\(Self.format(Self.height - Self.height * Double(value(p)) / Double(top)))"
            }.joined(separator: " ")
        }
        self.top = top
        self.organizations = line { $0.organizations }
        self.individuals = line { $0.individuals }
    }

    /// One decimal is finer than a pixel at this size and keeps the markup small.
    static func format(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
