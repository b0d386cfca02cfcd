import BayanStore

/// What an attacker holding the database does first: lifts the log's append-only triggers.
public func liftAppendOnly(_ store: SQLStore) async throws {
    let postgres = store.handle.dialect == .postgres
    try await store.handle.transaction { db in
        if postgres {
            try await db.raw("ALTER TABLE events DISABLE TRIGGER events_append_only").run()
        } else {
            try await db.raw("DROP TRIGGER events_no_update").run()
            try await db.raw("DROP TRIGGER events_no_delete").run()
        }
    }
}
