import BayanApp
import BayanStore
import BayanTestSupport
import Foundation
import Testing

/// The join form's stamp: only the instance can make one, it names its statement and when
/// it was served, it lasts a day, and what the store keeps of it sorts by that time.
@Suite struct FormStampsTests {
    /// `FormStamps` over a fresh store's secret.
    func withStamps(_ body: (FormStamps) async throws -> Void) async throws {
        let dir = TemporaryDirectory()
        let store = try await SQLStore.openSQLite(directory: dir.path)
        defer { dir.remove() }
        do { try await body(FormStamps(tokens: DerivedTokens(store: store))) } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test func aStampIsReadBackOnlyForItsStatementUnalteredAndForADay() async throws {
        try await withStamps { stamps in
            let served = Date(timeIntervalSince1970: 1_790_000_000.123)
            let stamp = try await stamps.issue(slug: "joint", at: served)
            #expect(try await stamps.servedAt(stamp, slug: "joint", now: served) == Date(timeIntervalSince1970: 1_790_000_000.123))
            #expect(try await stamps.servedAt(stamp, slug: "other", now: served) == nil)
            // A day less a second after it was served it is still good; a day later, expired.
            #expect(try await stamps.servedAt(stamp, slug: "joint", now: served.addingTimeInterval(86_399)) != nil)
            #expect(try await stamps.servedAt(stamp, slug: "joint", now: served.addingTimeInterval(86_400)) == nil)
            // Another serving time with the same MAC, a changed random part, garbage: refused.
            let parts = stamp.split(separator: ".").map(String.init)
            #expect(try await stamps.servedAt("\(Int(parts[0])! - 60_000).\(parts[1]).\(parts[2])", slug: "joint", now: served) == nil)
            #expect(try await stamps.servedAt("\(parts[0]).0000000000000000.\(parts[2])", slug: "joint", now: served) == nil)
            for bad in ["", "1.2.3", stamp + ".x", "x" + stamp] { #expect(try await stamps.servedAt(bad, slug: "joint", now: served) == nil) }
            // Two pages served in the same millisecond get different stamps.
            #expect(try await stamps.issue(slug: "joint", at: served) != stamp)
        }
    }

    /// The stored key of a used stamp sorts by serving time, so a burst of joins appends to
    /// the unique index on it; and it is the same key for the same stamp (a replay is found).
    @Test func theUseKeySortsByServingTime() async throws {
        try await withStamps { stamps in
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            var keys: [String] = []
            for i in 0..<50 {
                let at = start.addingTimeInterval(Double(i) * 0.002)
                keys.append(FormStamps.useKey(try await stamps.issue(slug: "joint", at: at), servedAt: at))
            }
            #expect(keys == keys.sorted())
            #expect(Set(keys).count == keys.count)
            let stamp = try await stamps.issue(slug: "joint", at: start)
            #expect(FormStamps.useKey(stamp, servedAt: start) == FormStamps.useKey(stamp, servedAt: start))
        }
    }
}
