package io.pipelane.internal.engine;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread of a factory that waits for its parked connections ({@link IdleParking}): a {@link Selector} on
 * which each parked connection's channel is registered for reading. Connections hand themselves over
 * ({@link #submit}: to park, to resume for a write, or after being closed); the thread registers them, and when a
 * channel becomes readable or a write waits, cancels its key, deregisters it ({@code selectNow}) and lets the
 * connection put its channel back in blocking mode and start its reader task again. It runs no application code.
 *
 * <h2>Lifecycle</h2>
 * Started lazily, by the first connection that parks (no thread, no selector for a factory whose connections
 * never idle); {@link #stop} (the factory closes, after its connections) ends the thread and closes the selector,
 * and from then on refuses connections, whose readers then go on blocking as before they tried. Should the
 * selector fail, the connections handed to it end (the server is not watched any more) and it refuses the others.
 */
final class IdleSelector {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(IdleSelector.class);

    private final String threadName;
    private final Queue<IdleParking> requests = new ConcurrentLinkedQueue<>();
    /** Every connection handed over and not yet resumed or closed (for the failure path). */
    private final Set<IdleParking> handedOver = ConcurrentHashMap.newKeySet();
    // --- guarded by this ---
    private Selector selector;
    private Thread thread;
    private boolean stopped;

    IdleSelector(String threadName) {
        this.threadName = threadName;
    }

    /**
     * Hands {@code p} to the selector thread (starting it if needed) and wakes it. Any thread; no I/O but the
     * wake-up. False once stopped (or if no selector can be opened): the connection does not park.
     */
    boolean submit(IdleParking p) {
        Selector s;
        synchronized (this) {
            if (stopped) return false;
            if (selector == null && !start()) return false;
            s = selector;
            handedOver.add(p);
            requests.add(p);
        }
        s.wakeup();
        return true;
    }

    private boolean start() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "no selector for idle connections: their readers keep their threads", e);
            stopped = true;
            return false;
        }
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
        return true;
    }

    /** Whether its thread runs, for tests. */
    synchronized boolean isRunning() {
        return thread != null && thread.isAlive();
    }

    /** Stops the thread for good and waits for it (bounded); closes the selector. */
    void stop() {
        Thread t;
        Selector s;
        synchronized (this) {
            stopped = true;
            t = thread;
            s = selector;
        }
        if (s == null) return;
        s.wakeup();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized boolean isStopped() {
        return stopped;
    }

    private void run() {
        Selector s;
        synchronized (this) {
            s = selector;
        }
        try {
            while (!isStopped()) {
                s.select();
                Set<IdleParking> resume = new LinkedHashSet<>(); // each once, though readable and asked for
                boolean deregister = takeReadable(s, resume);
                IdleParking p;
                while ((p = requests.poll()) != null) {
                    IdleParking.Next next = p.registerOrCancel(s);
                    if (next == IdleParking.Next.RESUME) resume.add(p);
                    deregister |= next != IdleParking.Next.NONE;
                    if (p.state() != IdleParking.Parked.PARKED) handedOver.remove(p);
                }
                // A channel goes back to blocking mode only once its cancelled key is deregistered, which the next
                // selection operation does (and may select others meanwhile: their keys are cancelled too).
                while (deregister) {
                    s.selectNow();
                    deregister = takeReadable(s, resume);
                }
                for (IdleParking r : resume) {
                    handedOver.remove(r);
                    r.resumeBlocking();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the selector of idle connections failed: they are closed", e);
            synchronized (this) {
                stopped = true;
            }
            IOException cause = e instanceof IOException ? (IOException) e
                    : new IOException("the selector of idle connections failed: " + e, e);
            for (IdleParking p : handedOver) p.selectorFailed(cause);
        } finally {
            handedOver.clear();
            requests.clear();
            try {
                s.close(); // deregisters every key left: their channels, if closed, are released
            } catch (IOException ignored) {
                // nothing left to do
            }
            synchronized (this) {
                thread = null;
            }
        }
    }

    /** Cancels the key of every readable channel; those to resume go to {@code resume}. Whether any was cancelled. */
    private static boolean takeReadable(Selector s, Set<IdleParking> resume) {
        Set<SelectionKey> ready = s.selectedKeys();
        if (ready.isEmpty()) return false;
        for (Iterator<SelectionKey> i = ready.iterator(); i.hasNext(); ) {
            SelectionKey k = i.next();
            i.remove();
            IdleParking p = (IdleParking) k.attachment();
            if (p.readable(k) == IdleParking.Next.RESUME) resume.add(p);
        }
        return true;
    }
}
