import NIOCore
import NIOPosix

/// The SQLite writer's own thread, as a task executor. The writer's work is a chain of
/// short queries, each resuming its task when the query finishes; on the shared
/// cooperative pool every resumption queues behind the requests of a burst (measured:
/// ~330 µs per stored join, most of it waiting), on its own thread it runs at once.
/// SQLite's thread pool completes each query on this loop, so a resumption is one hop.
final class WriterExecutor: TaskExecutor, Sendable {
    let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop
    /// The thread the writer connection's SQLite calls run on, its own so reads of the
    /// public pages never queue in front of a commit.
    let sqliteThread: NIOThreadPool

    init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        sqliteThread = NIOThreadPool(numberOfThreads: 1)
        sqliteThread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    func shutdown() async {
        try? await sqliteThread.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}
