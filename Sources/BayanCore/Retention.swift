import Foundation

/// How long signers' contact details are kept: until `days` after the statement closed.
/// A closed statement takes no more sign-ons, so nobody needs to be reached about one; the
/// list and its log are public record and stay (UK e-petitions erases its signers' data
/// after a petition closes in the same way).
public struct ContactRetention: Sendable, Equatable {
    public var days: Int

    /// 90 days: time to contact signatories about the published statement's follow-up.
    public static let defaultDays = 90

    public init(days: Int = ContactRetention.defaultDays) { self.days = days }

    /// Statements closed before this moment have kept their contacts long enough.
    public func cutoff(now: Date) -> Date { now.addingTimeInterval(-Double(days) * 86_400) }

    public func isDue(closedAt: Date, now: Date) -> Bool { closedAt < cutoff(now: now) }
}
