package io.pipelane.internal.cache;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer of the caches of a factory (or of a cache made over a factory that has none): the cache-wait
 * timeouts, the keep timers of idle connections and the removal of idle endpoint pools. One daemon thread, started
 * on the first task and ended after a second without any, so an idle factory holds no thread. Tasks are short
 * and never block: they take a pool's lock, decide, and hand anything longer to a connection. A cancelled task is
 * removed at once, so the many wait timers of requests placed in time do not pile up.
 *
 * <p>Lifecycle: created → {@link #schedule} any number of times → {@link #close()} (pending tasks dropped).
 */
public final class CacheTimer implements AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;

    /** A scheduled task, which can be cancelled. */
    interface Task {
        void cancel();
    }

    public CacheTimer(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setKeepAliveTime(1, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs {@code task} after {@code delay}; nothing if the timer is closed. */
    Task schedule(Duration delay, Runnable task) {
        if (executor.isShutdown()) return () -> { };
        try {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return () -> { };
        }
    }

    /** Drops the pending tasks and ends the thread. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
