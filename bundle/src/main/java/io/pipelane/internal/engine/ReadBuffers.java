package io.pipelane.internal.engine;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The reader's buffers. While a response is expected it reads into the busy buffer
 * ({@value #INITIAL_READ_BUFFER_BYTES} bytes, doubling up to {@value #READ_BUFFER_BYTES}
 * while reads fill it); while nothing is expected, into a {@value #IDLE_READ_BUFFER_BYTES}-byte one,
 * the busy buffer kept aside as the spare, which the watchdog drops once the connection has been idle for
 * {@link #RELEASE_IDLE_BUFFER_NANOS}.
 *
 * <h2>Lifecycle of the busy buffer</h2>
 * <ol>
 *   <li>In use ({@link #busy}): the reader reads into it.</li>
 *   <li>Spare ({@link #idle}): an idle read goes into the small buffer; the busy one waits aside.</li>
 *   <li>Dropped ({@link #releaseIdle}, by the watchdog): the next busy read allocates a new one, from its first
 *       size.</li>
 *   <li>Released with the small one ({@link #release}) when the connection parks: nothing is held until the reader
 *       reads again.</li>
 * </ol>
 * <pre>
 *   in use ──idle read──► spare ──idle long enough──► dropped
 *     ▲                     │                            │
 *     └──────busy read──────┴────────────────────────────┘
 * </pre>
 * Confined to the reader thread, except {@code spare} and the volatile {@code idleSince}, which the watchdog uses
 * through {@link #releaseIdle}, and {@link #heldBytes}, for tests.
 */
final class ReadBuffers {
    /** The largest read buffer. */
    static final int READ_BUFFER_BYTES = 64 * 1024;
    /**
     * The first size of the read buffer. It doubles, up to {@link #READ_BUFFER_BYTES}, each time a read fills it
     * (more was waiting), so busy connections soon read 64 KiB at a time while idle ones, or ones with small
     * responses, keep a small buffer (many connections).
     */
    static final int INITIAL_READ_BUFFER_BYTES = 8 * 1024;
    /**
     * The read buffer while no response is expected: an idle connection holds only this. A small response that
     * arrives then fits it whole; a larger one goes on in the busy buffer.
     */
    static final int IDLE_READ_BUFFER_BYTES = 512;
    /** How long the busy buffer is kept for an idle connection before the watchdog lets it go. */
    static final long RELEASE_IDLE_BUFFER_NANOS = 200_000_000L;

    /** The busy buffer; null while idle (then in {@link #spare}) until a read needs it. */
    private byte[] buffer;
    /** A reusable view of {@link #buffer} handed to body sinks. */
    private ByteBuffer view;
    /** The small buffer of idle reads; null until one needs it, and again while the connection is parked. */
    private byte[] idleBuffer;
    private ByteBuffer idleView;
    /** The busy buffer while the reader waits on an idle connection; the watchdog may drop it. */
    private final AtomicReference<byte[]> spare = new AtomicReference<>();
    /** When the current idle read started (System.nanoTime), 0 while busy. */
    private volatile long idleSince;

    /** The busy buffer: the one kept, the spare if the watchdog has not dropped it, or a new one. */
    byte[] busy() {
        if (buffer == null) {
            buffer = spare.getAndSet(null);
            if (buffer == null) buffer = new byte[INITIAL_READ_BUFFER_BYTES];
            view = ByteBuffer.wrap(buffer);
        }
        return buffer;
    }

    /** Nothing is expected: read into the small buffer, and leave the busy one for the watchdog to drop. */
    byte[] idle() {
        if (buffer != null) {
            spare.set(buffer);
            buffer = null;
            view = null;
        }
        if (idleBuffer == null) {
            idleBuffer = new byte[IDLE_READ_BUFFER_BYTES];
            idleView = ByteBuffer.wrap(idleBuffer);
        }
        idleSince = System.nanoTime();
        return idleBuffer;
    }

    /** The reusable view of {@code array} (one of ours), for body sinks. */
    ByteBuffer viewOf(byte[] array) {
        return array == idleBuffer ? idleView : view;
    }

    /**
     * A read into {@code array} returned {@code n} bytes, every one of them consumed (body slices are valid only
     * during their callback): a busy buffer that the read filled doubles, up to its largest size.
     */
    void afterRead(byte[] array, int n) {
        if (array == buffer && n == buffer.length && buffer.length < READ_BUFFER_BYTES) {
            buffer = new byte[Math.min(READ_BUFFER_BYTES, 2 * buffer.length)];
            view = ByteBuffer.wrap(buffer);
        }
    }

    /** The read has returned (or failed): the reader is no longer waiting idle. */
    void readReturned() {
        idleSince = 0;
    }

    /**
     * Called by the watchdog: drops the busy buffer of a connection idle for
     * {@link #RELEASE_IDLE_BUFFER_NANOS}, so that the reader holds only the small one. Returns whether
     * it has been idle that long.
     */
    boolean releaseIdle(long now) {
        long since = idleSince;
        if (since == 0 || now - since <= RELEASE_IDLE_BUFFER_NANOS) return false;
        spare.set(null);
        return true;
    }

    /**
     * The connection parks ({@link IdleParking}): every buffer goes; the next read allocates what it needs. On the
     * reader thread, before it hands the connection to the idle selector.
     */
    void release() {
        buffer = null;
        view = null;
        idleBuffer = null;
        idleView = null;
        spare.set(null);
    }

    /** Whether the reader waits in a read with nothing expected. */
    boolean isIdle() {
        return idleSince != 0;
    }

    /**
     * Bytes of the buffers held, for tests: exact when read after {@link #isIdle()} returned true (the volatile
     * {@code idleSince} is written after the busy buffer was put aside).
     */
    int heldBytes() {
        byte[] b = buffer;
        byte[] s = spare.get();
        byte[] i = idleBuffer;
        return (i == null ? 0 : i.length) + (b == null ? 0 : b.length) + (s == null ? 0 : s.length);
    }
}
