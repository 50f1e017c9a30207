package io.pipelane.internal.event;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionListener;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One {@link ConnectionListener}, its bounded queue and its delivery thread. Publishers (I/O threads, the
 * watchdog, application threads) only {@link #offer} events: an event that finds the queue full is dropped and
 * counted, so a slow or stuck listener never holds up a connection. The delivery thread calls the listener one
 * event at a time, in queue order, and isolates it: whatever it throws is caught, counted and logged.
 *
 * <p>Lifecycle: started by the constructor (RUNNING); {@link #stopNow()} (the listener went away: what is
 * queued is discarded) or {@link #stopAfterDrain()} (the factory closes: what is queued is still delivered)
 * end it; the thread then ends after the listener's current call returns.
 */
public final class ListenerQueue {
    private static final System.Logger LOG = io.pipelane.internal.log.Logs.logger(ListenerQueue.class);
    /** Marks the end of the queue; never delivered. */
    private static final ConnectionEvent STOP = new ConnectionEvent.LimitLearned("", 0, "", 0, "stop");

    private final ConnectionListener listener;
    private final String name;
    private final BlockingQueue<ConnectionEvent> queue;
    private final Thread thread;
    private final LongAdder delivered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final AtomicBoolean dropLogged = new AtomicBoolean();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    /** Null: every endpoint. */
    private volatile Set<String> endpoints;
    private volatile boolean stopping;
    private volatile boolean discard;

    /**
     * @param endpoints the endpoints whose events it receives, null for all
     * @param name      how logs and {@code pipelane:stats} name it, e.g. the listener's class and bundle
     */
    ListenerQueue(ConnectionListener listener, Set<String> endpoints, String name, int capacity, String threadName) {
        this.listener = listener;
        this.endpoints = endpoints == null ? null : Set.copyOf(endpoints);
        this.name = name;
        this.queue = new LinkedBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    ConnectionListener listener() {
        return listener;
    }

    void endpoints(Set<String> endpoints) {
        this.endpoints = endpoints == null ? null : Set.copyOf(endpoints);
    }

    /** Queues {@code event} if this listener wants it; never blocks. */
    void offer(ConnectionEvent event) {
        Set<String> only = endpoints;
        if (only != null && !only.contains(event.endpoint())) return;
        if (stopping) return;
        if (!queue.offer(event)) {
            dropped.increment();
            if (dropLogged.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "the connection listener " + name + " does not keep up: its"
                        + " queue of " + (queue.size() + queue.remainingCapacity()) + " events is full, later"
                        + " events are dropped until it has room (pipelane:stats counts them)");
            }
        }
    }

    private void run() {
        try {
            while (true) {
                ConnectionEvent e = queue.take();
                if (e == STOP || discard) break;
                deliver(e);
                if (stopping && queue.isEmpty()) break;
            }
        } catch (InterruptedException e) {
            // stopNow() while waiting: end
        }
    }

    private void deliver(ConnectionEvent e) {
        try {
            EventDispatch.call(listener, e);
            delivered.increment();
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            failures.increment();
            if (failureLogged.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "the connection listener " + name + " threw on "
                        + e.getClass().getSimpleName() + "; it keeps receiving events (later failures are logged"
                        + " at DEBUG)", t);
            } else {
                LOG.log(System.Logger.Level.DEBUG, () -> "the connection listener " + name + " threw: " + t);
            }
        }
    }

    /** The listener went away: what is queued is discarded, its current call (if any) finishes. */
    void stopNow() {
        discard = true;
        stopping = true;
        queue.clear();
        if (!queue.offer(STOP)) thread.interrupt(); // cannot happen after clear() but for a racing offer
    }

    /** The factory closes: what is queued is still delivered, then the thread ends. */
    void stopAfterDrain() {
        stopping = true;
        // If the queue is full the thread is busy and will see `stopping` once it has emptied the queue.
        queue.offer(STOP);
    }

    /** Whether the delivery thread has ended. */
    boolean ended() {
        return !thread.isAlive();
    }

    /** Waits at most {@code millis} for the delivery thread to end. */
    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /** What this listener received so far. */
    public ListenerStatus status() {
        Set<String> only = endpoints;
        return new ListenerStatus(name, only == null ? null : Set.copyOf(only), delivered.sum(), dropped.sum(),
                failures.sum(), queue.size());
    }

    /**
     * @param endpoints null when it receives every endpoint's events
     * @param delivered events its methods returned from
     * @param dropped   events dropped because its queue was full
     * @param failures  calls that threw
     * @param queued    events waiting for it now
     */
    public record ListenerStatus(String name, Set<String> endpoints, long delivered, long dropped, long failures,
                                 int queued) {
    }
}
