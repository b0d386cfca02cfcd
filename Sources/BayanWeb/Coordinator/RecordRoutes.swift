import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// The statement's records: its event log (verified as it is shown), the difference
/// between two versions, and the contacts export.
extension CoordinatorRoutes {
    func addRecords(to area: Area) {
        area.get("s/:slug/log") { request, context in
            try await managed(request, context) { _, m in try await logPage(request, m) }
        }
        area.get("s/:slug/export.csv") { request, context in
            try await managed(request, context) { _, m in try await contactsExport(m) }
        }
        area.get("s/:slug/diff") { request, context in
            try await managed(request, context) { _, m in try await diffPage(request, m) }
        }
    }

    func logPage(_ request: Request, _ m: ManagedStatement) async throws -> Response {
        let s = m.record
        let lang = Page.language(of: request)
        let events = try await app.log(m)
        let result = EventChain.verify(events)
        let title = try await app.current(m).title
        let context: [String: Any] = [
            "slug": s.slug, "title": title,
            "verification": result.isValid ? lang.text("log.valid") : "\(lang.text("log.broken")): \(result)",
            "verifyClass": result.isValid ? "notice" : "error",
            "events": events.reversed().map { e -> [String: Any] in
                [
                    "seq": e.sequence, "when": lang.dateTime(Date(timeIntervalSince1970: Double(e.atMillis) / 1000)), "kind": e.kind,
                    "details": e.payload.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty && $0.key != LogPrivacy.saltKey }.map {
                        "\($0.key): \($0.value.count > 24 && $0.key.lowercased().contains("hash") ? String($0.value.prefix(12)) : $0.value)"
                    }.joined(separator: " · "),
                    "hash": String(e.hash.prefix(12)),
                ]
            },
        ]
        return Page.html(try Page.render(.log, context, lang: lang, title: lang.text("log.title"), path: "/c/s/\(s.slug)/log"))
    }

    func diffPage(_ request: Request, _ m: ManagedStatement) async throws -> Response {
        let s = m.record
        let lang = Page.language(of: request)
        let versions = try await app.versions(m).filter(\.isAuthoritative)
        guard let from = Int(request.uri.queryParameters.get("from") ?? ""), let to = Int(request.uri.queryParameters.get("to") ?? ""),
            let a = versions.first(where: { $0.number == from }), let b = versions.first(where: { $0.number == to })
        else {
            throw HTTPError(.notFound)
        }
        let words: [[String: Any]] = WordDiff.diff(a.title + "\n\n" + a.body, b.title + "\n\n" + b.body).map {
            switch $0 {
            case .same(let t): ["same": true, "text": t]
            case .added(let t): ["added": true, "text": t]
            case .removed(let t): ["removed": true, "text": t]
            }
        }
        let context: [String: Any] = ["slug": s.slug, "title": b.title, "from": from, "to": to, "words": words]
        return Page.html(try Page.render(.diff, context, lang: lang, title: lang.text("admin.diff"), path: "/c/s/\(s.slug)/diff"))
    }

    /// Every sign-on with its private details, for the statement's coordinators only.
    func contactsExport(_ m: ManagedStatement) async throws -> Response {
        let s = m.record
        var csv = "\u{FEFF}list,number,name,place,kind,state,signer,role,contact,visibility,version,signed_at\r\n"
        let iso = Date.ISO8601FormatStyle()
        for e in try await app.contacts(m) {
            let list = e.founding ? "founding" : (e.signerKind == .individual ? "individual" : "later")
            let cells = [
                list, e.number.map(String.init) ?? "", e.displayName, e.place ?? "", e.signerKind.rawValue, e.state.rawValue,
                e.signerName ?? "", e.signerRole ?? "", e.contact ?? "", e.visibility.rawValue,
                String(e.versionHash.hex.prefix(12)), e.createdAt.formatted(iso),
            ]
            csv += cells.map(CSV.cell).joined(separator: ",") + "\r\n"
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(s.slug)-contacts.csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
}
