package io.pipelane.internal.event;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The events of one connection factory and who receives them: {@link ConnectionListener}s, each behind its own
 * {@link ListenerQueue} (never called on the publisher's thread), and the bundle's own {@link Sink}s (statistics),
 * called inline because they only bump counters.
 *
 * <p>Publishing reads one volatile array; when nobody listens ({@link #active()} false) the publishers build no
 * event at all. Registration changes copy the array under this object's lock.
 *
 * <p>Lifecycle: open from construction; {@link #close()} lets every listener receive what is queued, then ends
 * their threads; listeners added after that are refused.
 */
public final class EventBus {
    /** Capacity of each listener's queue. */
    public static final int QUEUE_CAPACITY = 8192;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A receiver of every event, called on the publisher's thread: it must not block or throw. */
    public interface Sink {
        void accept(ConnectionEvent event);
    }

    private static final Object[] NONE = new Object[0];

    private final String threadNamePrefix;
    private final int capacity;
    /** ListenerQueue or Sink; replaced, never modified. */
    private volatile Object[] receivers = NONE;
    private boolean closed; // guarded by this

    public EventBus(String threadNamePrefix) {
        this(threadNamePrefix, QUEUE_CAPACITY);
    }

    EventBus(String threadNamePrefix, int capacity) {
        this.threadNamePrefix = threadNamePrefix;
        this.capacity = capacity;
    }

    /** Whether anyone receives events: publishers build none otherwise. */
    public boolean active() {
        return receivers.length != 0;
    }

    /** Hands {@code event} to every receiver; never blocks. */
    public void publish(ConnectionEvent event) {
        for (Object r : receivers) {
            if (r instanceof ListenerQueue) {
                ((ListenerQueue) r).offer(event);
            } else {
                ((Sink) r).accept(event);
            }
        }
    }

    /**
     * Starts delivering to {@code listener} (a listener added twice is kept once, with the new endpoints).
     *
     * @param endpoints the endpoints whose events it receives, or null for all
     * @param name      how logs and the console name it
     */
    public synchronized void addListener(ConnectionListener listener, Set<String> endpoints, String name) {
        Objects.requireNonNull(listener, "listener");
        if (closed) throw new IllegalStateException("the connection factory is closed");
        ListenerQueue existing = find(listener);
        if (existing != null) {
            existing.endpoints(endpoints);
            return;
        }
        ListenerQueue q = new ListenerQueue(listener, endpoints, name, capacity,
                threadNamePrefix + "-listener-" + THREADS.incrementAndGet());
        add(q);
    }

    /** Changes the endpoints {@code listener} receives (null: all). */
    public synchronized void updateListener(ConnectionListener listener, Set<String> endpoints) {
        ListenerQueue q = find(listener);
        if (q != null) q.endpoints(endpoints);
    }

    /** Stops delivering to {@code listener}: events queued for it are discarded. */
    public void removeListener(ConnectionListener listener) {
        ListenerQueue q;
        synchronized (this) {
            q = find(listener);
            if (q == null) return;
            remove(q);
        }
        q.stopNow();
    }

    public synchronized void addSink(Sink sink) {
        Objects.requireNonNull(sink, "sink");
        if (!Arrays.asList(receivers).contains(sink)) add(sink);
    }

    public synchronized void removeSink(Sink sink) {
        remove(sink);
    }

    /** What each listener received, in registration order. */
    public List<ListenerQueue.ListenerStatus> listeners() {
        List<ListenerQueue.ListenerStatus> out = new ArrayList<>();
        for (Object r : receivers) if (r instanceof ListenerQueue) out.add(((ListenerQueue) r).status());
        return out;
    }

    /**
     * Each listener receives the events already queued, then its thread ends; does not wait for a slow one.
     * Later events are dropped.
     */
    public void close() {
        Object[] all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = receivers;
            receivers = NONE;
        }
        for (Object r : all) if (r instanceof ListenerQueue) ((ListenerQueue) r).stopAfterDrain();
    }

    private ListenerQueue find(ConnectionListener listener) {
        for (Object r : receivers) {
            if (r instanceof ListenerQueue && ((ListenerQueue) r).listener() == listener) return (ListenerQueue) r;
        }
        return null;
    }

    private void add(Object receiver) {
        Object[] now = Arrays.copyOf(receivers, receivers.length + 1);
        now[now.length - 1] = receiver;
        receivers = now;
    }

    private void remove(Object receiver) {
        List<Object> now = new ArrayList<>(Arrays.asList(receivers));
        if (now.remove(receiver)) receivers = now.toArray();
    }
}
