import Synchronization

/// Items handed in from any task and processed in batches, one batch at a time, by a task
/// on `executor`: whatever arrived while a batch was processed is the next batch. Both
/// the SQLite group committer and the join batcher are this shape. Adding takes a lock,
/// not an actor hop, so a request never runs on (or waits for) the writer's thread to
/// queue its work, and is resumed straight onto the pool that serves requests.
final class BatchQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var draining = false
    }

    private let state = Mutex(State())
    private let maximumBatch: Int
    private let executor: (any TaskExecutor)?
    private let process: @Sendable ([Item]) async -> Void

    init(maximumBatch: Int, executor: (any TaskExecutor)?, process: @escaping @Sendable ([Item]) async -> Void) {
        self.maximumBatch = maximumBatch
        self.executor = executor
        self.process = process
    }

    func add(_ item: Item) {
        let start = state.withLock { s in
            s.items.append(item)
            if s.draining { return false }
            s.draining = true
            return true
        }
        if start { Task(executorPreference: executor) { await self.drain() } }
    }

    private func drain() async {
        while let batch = next() { await process(batch) }
    }

    private func next() -> [Item]? {
        state.withLock { s in
            if s.items.isEmpty {
                s.draining = false
                return nil
            }
            let batch = Array(s.items.prefix(maximumBatch))
            s.items.removeFirst(batch.count)
            return batch
        }
    }
}
