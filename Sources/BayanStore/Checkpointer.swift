import NIOPosix
import SQLKit
import SQLiteKit

/// Copies the SQLite WAL back into the database file from its own connection and thread,
/// so the writer never does the bulk of it inside a commit. SQLite's automatic checkpoint
/// runs in the commit that crosses 1,000 WAL pages and held that commit (and every sign-on
/// waiting on it) for up to 100 ms in a burst; a PASSIVE checkpoint here runs beside the
/// writer.
///
/// A checkpoint beside a busy writer never quite catches up, and SQLite only starts the
/// WAL over when every frame has been copied back: in a 10 s burst the WAL grew to 580 MB.
/// So once a background checkpoint has finished, the writer is told to copy the few
/// frames committed meanwhile itself, between two batches (`committed()` returns true);
/// its next transaction then restarts the WAL from the beginning. Measured: the WAL stays
/// in the tens of MB during the same burst. Durability is unchanged: a commit is durable
/// once it is in the WAL.
actor Checkpointer {
    private let connection: SQLiteConnection
    private let threads: NIOThreadPool
    private var commitsSince = 0
    private var running: Task<Void, Never>?
    private var catchUpDue = false
    /// Commits between checkpoints: a burst's WAL stays a few MB.
    let every: Int

    static func open(path: String, every: Int = 64) async throws -> Checkpointer {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        do {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threads, logger: .init(label: "bayan.checkpoint"),
                on: MultiThreadedEventLoopGroup.singleton.any()
            ).get()
            do { try await connection.sql().raw("PRAGMA busy_timeout=10000").run() } catch {
                try? await connection.closeEvenIfCancelled()
                throw error
            }
            return Checkpointer(connection: connection, threads: threads, every: every)
        } catch {
            try? await threads.shutdownGracefully()
            throw error
        }
    }

    private init(connection: SQLiteConnection, threads: NIOThreadPool, every: Int) {
        self.connection = connection
        self.threads = threads
        self.every = every
    }

    /// Called after each commit; starts a checkpoint now and then, never two at once.
    /// Returns true when the writer should copy the last frames itself, now.
    func committed() -> Bool {
        commitsSince += 1
        if catchUpDue {
            catchUpDue = false
            return true
        }
        guard commitsSince >= every, running == nil else { return false }
        commitsSince = 0
        let connection = connection
        running = Task {
            _ = try? await connection.sql().raw("PRAGMA wal_checkpoint(PASSIVE)").all()
            self.finished()
        }
        return false
    }

    private func finished() {
        running = nil
        catchUpDue = true
    }

    func close() async {
        await running?.value
        try? await connection.closeEvenIfCancelled()
        try? await threads.shutdownGracefully()
    }
}
