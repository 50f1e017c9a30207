package io.pipelane.internal.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Enforces the timeouts of a factory's connections with one thread, rather than a scheduled task per request:
 * on the hot path a connection only stores time stamps, and every {@link #TICK_MILLIS} the watchdog asks each
 * registered connection to compare them with its timeouts. A connection whose timeout expired closes its
 * transport, which unblocks the reader and writer threads; after a write timeout it shuts only its output, which
 * unblocks the writer while the reader goes on.
 *
 * <p>The thread exists only while connections are registered: it ends when the last one is gone, so an idle
 * factory holds no thread. Timeouts fire up to one tick late.
 */
final class Watchdog {
    static final long TICK_MILLIS = 50;

    /** What the watchdog asks of a connection. */
    interface Watched {
        /** Checks the connection's deadlines against {@code nowNanos}; fails the connection if one passed. */
        void checkTimeouts(long nowNanos);
    }

    private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
    private final String threadName;
    private Thread thread;
    private boolean stopped;

    Watchdog(String threadName) {
        this.threadName = threadName;
    }

    synchronized void register(Watched w) {
        if (stopped) return;
        watched.add(w);
        if (thread == null) {
            thread = new Thread(this::run, threadName);
            thread.setDaemon(true);
            thread.start();
        }
    }

    void deregister(Watched w) {
        watched.remove(w);
    }

    /** Stops the thread for good and waits for it (bounded). */
    void stop() {
        Thread t;
        synchronized (this) {
            stopped = true;
            watched.clear();
            t = thread;
            notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (true) {
            synchronized (this) {
                if (stopped || watched.isEmpty()) {
                    thread = null;
                    return;
                }
                try {
                    wait(TICK_MILLIS);
                } catch (InterruptedException e) {
                    thread = null;
                    return;
                }
                if (stopped) {
                    thread = null;
                    return;
                }
            }
            long now = System.nanoTime();
            for (Watched w : watched) {
                try {
                    w.checkTimeouts(now);
                } catch (RuntimeException e) {
                    io.pipelane.internal.log.Logs.logger(Watchdog.class).log(System.Logger.Level.ERROR, "timeout check failed", e);
                }
            }
        }
    }
}
