package io.pipelane.internal.engine;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A connection's executor for tests that must order what the application does before what the connection's tasks
 * do: every task (connecting and reading, writing, completions) waits until {@link #release()}, then runs on a
 * thread of its own. A connection given it stays CONNECTING, and writes nothing, until released.
 *
 * <p>Lifecycle: holding → {@link #release()} → running → {@link #close()} (interrupts what still runs).
 */
final class GatedExecutor implements Executor, AutoCloseable {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final CountDownLatch released = new CountDownLatch(1);

    @Override
    public void execute(Runnable task) {
        pool.execute(() -> {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            task.run();
        });
    }

    /** Lets the tasks held so far run, and every later one at once. */
    void release() {
        released.countDown();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
