package io.pipelane.internal.engine;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The idle wait of one connection's reader: after {@link #GRACE_MILLIS} with nothing expected, the reader hands its
 * channel to the factory's {@link IdleSelector} and its task ends, so that an idle connection holds no thread (nor,
 * on a virtual thread, a stack). The connection resumes, its channel back in blocking mode and its reader task
 * started again, when the channel becomes readable (a response, unsolicited bytes, the server's close) or a write
 * is about to begin ({@link #enter}); {@link #close} ends it.
 *
 * <h2>Lifecycle ({@link Parked})</h2>
 * <ol>
 *   <li>{@code READING}: the reader task reads; the channel is in blocking mode.</li>
 *   <li>{@code PARKING} ({@link #park}, the reader, once no write is in progress): the reader takes the channel out
 *       of blocking mode and hands it to the selector thread; its task then ends.</li>
 *   <li>{@code PARKED} (the selector thread registered the channel for reading).</li>
 *   <li>{@code RESUMING} (readable, or a write waits in {@link #enter}): the selector thread cancels the key,
 *       deregisters it (a {@code selectNow}), puts the channel back in blocking mode, then starts the reader task
 *       again ({@code READING}).</li>
 *   <li>{@code CLOSED} ({@link #close}, from any state; or the channel found closed): nothing resumes.</li>
 * </ol>
 * <pre>
 *   READING ──park──► PARKING ──registered──► PARKED
 *      ▲                 │                      │
 *      │                 └──write──► RESUMING ◄─┴──readable / write
 *      └──blocking again, reader task started──┘
 *   (any) ──close──► CLOSED
 * </pre>
 * <h2>Threads</h2>
 * {@link #park} runs on the reader; {@link #enter} and {@link #leave} on whichever thread writes (a write that finds
 * the connection parked waits, on its own thread, until the selector thread has put the channel back in blocking
 * mode); {@link #close} on the thread that ends the connection; {@link #registerOrCancel}, {@link #readable} and
 * {@link #resumeBlocking} on the selector thread, which runs no application code (it hands the reader task to the
 * connection's executor). The state is guarded by {@code lock} (a lock, not a monitor: a write may wait on it from
 * a virtual thread); no I/O and no selector operation runs under it.
 */
final class IdleParking implements WriteGate {
    /** How long a reader waits in a blocking read with nothing expected before it parks. */
    static final int GRACE_MILLIS = (int) TimeUnit.NANOSECONDS.toMillis(ReadBuffers.RELEASE_IDLE_BUFFER_NANOS);

    enum Parked { READING, PARKING, PARKED, RESUMING, CLOSED }

    /** What the selector thread does with a connection it was handed. */
    enum Next {
        /** Nothing more (registered, or nothing was registered). */
        NONE,
        /** Its key was cancelled: deregister it (a selection operation) before anything else. */
        DEREGISTER,
        /** Its key (if any) was cancelled: once deregistered, the channel goes back to blocking mode. */
        RESUME
    }

    private final SocketChannel channel;
    private final IdleSelector selector;
    /** Starts the reader task again (the connection's executor); run by the selector thread. */
    private final Runnable resumeReader;
    /** Ends the connection when the selector fails while it is parked; run by the selector thread. */
    private final java.util.function.Consumer<IOException> lost;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // --- guarded by lock ---
    private Parked state = Parked.READING;
    /** Socket writes between {@link #enter} and {@link #leave}: the reader does not park while there are any. */
    private int writes;
    /** The channel's key in the selector while registered; touched by the selector thread only. */
    private SelectionKey key;

    IdleParking(SocketChannel channel, IdleSelector selector, Runnable resumeReader,
                java.util.function.Consumer<IOException> lost) {
        this.channel = channel;
        this.selector = selector;
        this.resumeReader = resumeReader;
        this.lost = lost;
    }

    // ------------------------------------------------------------------------------------------ the reader

    /**
     * On the reader thread, after a grace read timed out with the connection idle: parks unless a write is in
     * progress, the connection was closed, or the selector refuses (the factory is closing). Returns whether the
     * connection parked: then the reader task ends at once, touching nothing of the connection's any more (another
     * reader task may already run).
     */
    boolean park() {
        lock.lock();
        try {
            if (state != Parked.READING || writes > 0) return false;
            state = Parked.PARKING; // from now on a write waits for RESUMING to end
        } finally {
            lock.unlock();
        }
        try {
            channel.configureBlocking(false);
        } catch (IOException closed) { // ClosedChannelException: the connection ended meanwhile
            closed();
            return true;
        }
        if (selector.submit(this)) return true;
        // The selector stopped (the factory closes): the reader goes on blocking, as before it tried.
        try {
            channel.configureBlocking(true);
        } catch (IOException closed) {
            closed();
            return true;
        }
        lock.lock();
        try {
            if (state == Parked.CLOSED) return true;
            state = Parked.READING;
            changed.signalAll();
            return false;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------ writers

    @Override
    public void enter() throws IOException {
        while (true) {
            lock.lock();
            try {
                switch (state) {
                    case READING:
                        writes++;
                        return;
                    case CLOSED:
                        throw new TransportClosedException();
                    case PARKING: // the reader is handing it to the selector thread, which will see RESUMING
                        state = Parked.RESUMING;
                        changed.awaitUninterruptibly();
                        continue;
                    case PARKED:
                        state = Parked.RESUMING;
                        break; // the selector thread is told, outside the lock
                    default: // RESUMING: the selector thread is on it
                        changed.awaitUninterruptibly();
                        continue;
                }
            } finally {
                lock.unlock();
            }
            selector.submit(this);
        }
    }

    @Override
    public void leave() {
        lock.lock();
        try {
            writes--;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------ closing

    /** The connection ended (any thread, after its transport closed): nothing resumes; a waiting write fails. */
    void close() {
        Parked was;
        lock.lock();
        try {
            was = state;
            state = Parked.CLOSED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        // Closing the channel cancelled its key; the selector deregisters it, which releases the socket.
        if (was == Parked.PARKED || was == Parked.RESUMING) selector.submit(this);
    }

    private void closed() {
        lock.lock();
        try {
            state = Parked.CLOSED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------ the selector thread

    /** On the selector thread, for a connection handed to it: registers a parking one, cancels the key of the others. */
    Next registerOrCancel(Selector s) {
        Parked now = state();
        if (now == Parked.PARKING) {
            SelectionKey k;
            try {
                k = channel.register(s, SelectionKey.OP_READ, this);
            } catch (ClosedChannelException | CancelledKeyException e) {
                closed();
                return Next.NONE;
            }
            lock.lock();
            try {
                if (state == Parked.PARKING) {
                    state = Parked.PARKED;
                    key = k;
                    changed.signalAll();
                    return Next.NONE;
                }
                now = state; // RESUMING or CLOSED came while registering
            } finally {
                lock.unlock();
            }
            k.cancel();
            return now == Parked.RESUMING ? Next.RESUME : Next.DEREGISTER;
        }
        SelectionKey k = takeKey();
        if (k != null) k.cancel();
        if (now == Parked.RESUMING) return Next.RESUME;
        return k != null ? Next.DEREGISTER : Next.NONE;
    }

    /** On the selector thread: the channel is readable (bytes, the end of input, an error). Its key is cancelled. */
    Next readable(SelectionKey k) {
        k.cancel();
        lock.lock();
        try {
            key = null;
            if (state == Parked.PARKED) state = Parked.RESUMING;
            return state == Parked.RESUMING ? Next.RESUME : Next.DEREGISTER;
        } finally {
            lock.unlock();
        }
    }

    /**
     * On the selector thread, once the key was deregistered: the channel goes back to blocking mode, waiting writes
     * go on, and the reader task starts again.
     */
    void resumeBlocking() {
        if (state() != Parked.RESUMING) return;
        try {
            channel.configureBlocking(true);
        } catch (IOException | RuntimeException closed) { // closed meanwhile (IllegalBlockingMode cannot be: deregistered)
            closed();
            return;
        }
        lock.lock();
        try {
            if (state != Parked.RESUMING) return; // closed meanwhile
            state = Parked.READING;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        resumeReader.run();
    }

    /** On the selector thread: the selector failed while this connection was handed to it; the connection ends. */
    void selectorFailed(IOException cause) {
        if (state() == Parked.CLOSED) return;
        lost.accept(cause); // closes the transport, then close() here
    }

    private SelectionKey takeKey() {
        lock.lock();
        try {
            SelectionKey k = key;
            key = null;
            return k;
        } finally {
            lock.unlock();
        }
    }

    Parked state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** For tests: waits (bounded) until the connection is parked; returns whether it is. */
    boolean awaitParked(long timeout, TimeUnit unit) throws InterruptedException {
        long left = unit.toNanos(timeout);
        lock.lock();
        try {
            while (state != Parked.PARKED) {
                if (left <= 0 || state == Parked.CLOSED) return false;
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
