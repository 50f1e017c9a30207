package io.pipelane.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client on one connection, driven in one of two patterns:
 * <ul>
 *   <li>{@link #batch}: {@code depth} GETs of the target path back to back, then a wait for each response (a
 *       client that does not pipeline is only ever asked for depth 1);</li>
 *   <li>{@link #window}: a sliding window of {@code depth} requests in flight: each completed response issues the
 *       next request from its completion callback (on the client's own thread), the way an asynchronous caller
 *       drives a client, until {@code n} responses have completed.</li>
 * </ul>
 * Both return the number of body bytes received, which the harness checks.
 */
abstract class BenchClient implements AutoCloseable {
    final String name;
    final Target target;

    BenchClient(String name, Target target) {
        this.name = name;
        this.target = target;
    }

    /** Whether this client writes requests before the responses to earlier ones have arrived. */
    abstract boolean pipelines();

    abstract long batch(int depth) throws Exception;

    /** Whether this client can be driven by {@link #window}. */
    boolean windows() {
        return false;
    }

    /** The sliding window: fills it from the calling thread, then each completion issues the next request. */
    long window(int depth, int n) throws Exception {
        Window w = new Window(n);
        for (int i = 0; i < depth && w.claim(); i++) issue(w);
        return w.await(name);
    }

    /**
     * Sends one request of the window {@code w}; its completion (on whatever thread the client completes it)
     * first issues the next request if {@link Window#claim()} allows, then reports {@link Window#done} or
     * {@link Window#fail}.
     */
    void issue(Window w) {
        throw new UnsupportedOperationException(name + " has no sliding-window driver");
    }

    @Override
    public abstract void close() throws Exception;

    static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException(what);
    }

    /** Where the requests go. */
    record Target(String serverName, String host, int port, String path, int bodyBytes) {
        String authority() {
            return host + ":" + port;
        }

        String url() {
            return "http://" + authority() + path;
        }
    }

    /** The bookkeeping of one sliding-window run; safe for the caller and the client's threads at once. */
    static final class Window {
        private final int n;
        private final AtomicInteger issued = new AtomicInteger();
        private final AtomicInteger completed = new AtomicInteger();
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicReference<Throwable> error = new AtomicReference<>();
        private final CountDownLatch finished = new CountDownLatch(1);

        Window(int n) {
            this.n = n;
        }

        /** Whether one more request may be issued (and counts it). */
        boolean claim() {
            return error.get() == null && issued.getAndIncrement() < n;
        }

        void done(long bodyBytes) {
            bytes.addAndGet(bodyBytes);
            if (completed.incrementAndGet() == n) finished.countDown();
        }

        void fail(Throwable t) {
            error.compareAndSet(null, t);
            finished.countDown();
        }

        long await(String client) throws InterruptedException {
            if (!finished.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(client + ": window timed out, " + completed.get() + " of " + n + " done");
            }
            Throwable t = error.get();
            if (t != null) throw new IllegalStateException(client + ": " + t, t);
            return bytes.get();
        }
    }
}
