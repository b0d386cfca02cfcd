import Metrics
import SQLKit
import Synchronization

/// The single SQLite writer with group commit: transactions that arrive while a commit is
/// in progress wait, then run together inside one SQLite transaction, each in its own
/// SAVEPOINT (a failing one rolls back alone), and are all acknowledged after the one
/// COMMIT is durable (with FULL, once `WALSyncer` has fsynced it, while this writer
/// already runs the next batch). One fsync then serves a whole burst of sign-ons instead
/// of one each (measured here: ~250 commits/s one by one, thousands of rows/s batched).
/// It runs on the writer's own thread (`WriterExecutor`), not on the pool that serves
/// requests.
final class GroupCommitter: Sendable {
    typealias Job = CommitRunner.Job

    /// Jobs wait here and are run in batches of at most `maximumBatch` (so one transaction
    /// never grows without bound under a flood), on the writer's thread.
    private let queue: BatchQueue<Job>
    private let counts = CommitCounts()

    init(
        database: any SQLDatabase, executor: any TaskExecutor, syncer: WALSyncer? = nil, maximumBatch: Int = 512,
        committed: @escaping @Sendable () async -> Bool = { false }
    ) {
        let runner = CommitRunner(database: database, syncer: syncer, committed: committed, counts: counts)
        queue = BatchQueue(maximumBatch: maximumBatch, executor: executor) { batch in await runner.run(batch) }
    }

    func submit(_ body: @escaping @Sendable (any SQLDatabase) async throws -> any Sendable) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            queue.add(Job(body: body, done: continuation))
        }
    }

    /// How many commits served how many transactions.
    var statistics: (batches: Int, jobs: Int) { (counts.batches.load(ordering: .relaxed), counts.jobs.load(ordering: .relaxed)) }
}

final class CommitCounts: Sendable {
    let batches = Atomic<Int>(0)
    let jobs = Atomic<Int>(0)
}

/// Runs one batch of write transactions as one SQLite transaction.
struct CommitRunner: Sendable {
    struct Job: Sendable {
        let body: @Sendable (any SQLDatabase) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }

    let database: any SQLDatabase
    /// With `synchronous=FULL`: makes each commit durable before it is acknowledged.
    let syncer: WALSyncer?
    /// Told after every commit (the WAL checkpointer counts them); true asks the writer
    /// to finish a checkpoint now, between batches.
    let committed: @Sendable () async -> Bool
    let counts: CommitCounts

    func run(_ batch: [Job]) async {
        counts.batches.add(1, ordering: .relaxed)
        counts.jobs.add(batch.count, ordering: .relaxed)
        // Created per batch: a metric made before the process bootstraps its metrics
        // system would report nowhere for the rest of the run.
        Recorder(label: "bayan_group_commit_batch_size").record(batch.count)
        let started = ContinuousClock.now
        defer { Timer(label: "bayan_group_commit_seconds").record(duration: ContinuousClock.now - started) }
        do {
            try await database.raw("BEGIN IMMEDIATE").run()
        } catch {
            for job in batch { job.done.resume(throwing: error) }
            return
        }
        let outcomes: [Result<any Sendable, any Error>]
        if batch.count == 1, let job = batch.first {
            // A job alone in its batch needs no savepoint: if it fails, rolling back the
            // whole transaction is the same thing, two round trips fewer.
            do {
                outcomes = [.success(try await job.body(database))]
            } catch {
                try? await database.raw("ROLLBACK").run()
                job.done.resume(throwing: error)
                return
            }
        } else {
            outcomes = await runEachInSavepoint(batch)
        }
        do {
            try await database.raw("COMMIT").run()
        } catch {
            try? await database.raw("ROLLBACK").run()
            for job in batch { job.done.resume(throwing: error) }
            return
        }
        // Only with the batch durable is anyone told it succeeded. The fsync runs on the
        // syncer's thread while this writer already starts the next batch.
        if let syncer {
            syncer.afterSync { synced in
                switch synced {
                case .success: for (job, outcome) in zip(batch, outcomes) { job.done.resume(with: outcome) }
                case .failure(let error): for job in batch { job.done.resume(throwing: error) }
                }
            }
        } else {
            for (job, outcome) in zip(batch, outcomes) { job.done.resume(with: outcome) }
        }
        if await committed() {
            _ = try? await database.raw("PRAGMA wal_checkpoint(PASSIVE)").all()
        }
    }

    /// Each job in its own savepoint, so a failing one rolls back alone.
    func runEachInSavepoint(_ batch: [Job]) async -> [Result<any Sendable, any Error>] {
        var outcomes: [Result<any Sendable, any Error>] = []
        for job in batch {
            do {
                try await database.raw("SAVEPOINT job").run()
                let value = try await job.body(database)
                try await database.raw("RELEASE SAVEPOINT job").run()
                outcomes.append(.success(value))
            } catch {
                try? await database.raw("ROLLBACK TO SAVEPOINT job").run()
                try? await database.raw("RELEASE SAVEPOINT job").run()
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }

}
