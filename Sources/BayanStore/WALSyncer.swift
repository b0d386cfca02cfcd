#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix

/// Group commit's durability step, taken out of the writer's way. SQLite commits with
/// `synchronous=NORMAL` (the WAL is written, not yet fsynced) and the writer goes on with
/// the next batch at once; this actor fsyncs the WAL file on its own thread and only then
/// lets the batches committed before that fsync answer. One fsync serves every batch that
/// committed while the previous one ran. An acknowledged sign-on is therefore as durable
/// as with `synchronous=FULL` (which fsyncs inside every COMMIT and held the single writer
/// for ~1.4 ms per batch here), including across power loss.
///
/// `fdatasync`, like SQLite's own syncs on Linux: it flushes the data and the size needed to
/// read it back, without the timestamp-only journal commit of `fsync`.
///
/// Safe because in WAL mode with NORMAL, SQLite itself syncs the WAL before each
/// checkpoint, the database file after it, and the WAL header when the file is reused;
/// the frames of a commit are the only thing not yet on disk, and those are what we sync.
actor WALSyncer {
    private let walPath: String
    private let threads: NIOThreadPool
    private var descriptor: Int32 = -1
    private var waiting: [@Sendable (Result<Void, any Error>) -> Void] = []
    private var syncing = false
    private(set) var syncs = 0

    struct SyncFailed: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "fsync of the write-ahead log failed (errno \(code))" }
    }

    /// Where acknowledgements run: the writer's thread, not the request pool, where they
    /// queued behind a burst's requests and held every sign-on ~2 ms longer.
    private let executor: any TaskExecutor

    init(databasePath: String, executor: any TaskExecutor) {
        self.executor = executor
        walPath = databasePath + "-wal"
        threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
    }

    /// Calls `acknowledge` once everything committed before this call is on disk.
    func afterSync(_ acknowledge: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        waiting.append(acknowledge)
        if !syncing {
            syncing = true
            Task(executorPreference: executor) { await self.drain() }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let group = waiting
            waiting = []
            let outcome = await syncOnce()
            for acknowledge in group { acknowledge(outcome) }
        }
        syncing = false
    }

    private func syncOnce() async -> Result<Void, any Error> {
        syncs += 1
        if descriptor < 0 {
            descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 { return .failure(SyncFailed(code: errno)) }
        }
        let fd = descriptor
        do {
            try await threads.runIfActive {
                guard fdatasync(fd) == 0 else { throw SyncFailed(code: errno) }
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    func shutdown() async {
        while syncing { await Task.yield() }
        if descriptor >= 0 { _ = close(descriptor) }
        descriptor = -1
        try? await threads.shutdownGracefully()
    }
}
