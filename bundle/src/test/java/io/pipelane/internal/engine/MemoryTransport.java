package io.pipelane.internal.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory {@link Transport} that a test drives step by step: it hands the client server bytes
 * ({@link #serve}), ends the input ({@link #fin}, {@link #reset}, {@link #finWithoutCloseNotify}), makes writes
 * fail ({@link #failWrites}) or block ({@link #holdWrites}), holds the client's thread just before a write begins
 * ({@link #holdWriteStarts}) or inside {@code close()} ({@link #holdCloses}), to order a race's events, and waits
 * for what the client wrote ({@link #awaitWritten}). A write that finds the transport closed when it begins sends
 * nothing and throws {@link TransportClosedException}, as the real transports do. Every wait is on a condition,
 * bounded by {@link #WAIT_MS} so that a broken engine fails the test instead of hanging it; nothing depends on
 * timing.
 */
final class MemoryTransport implements Transport {
    static final long WAIT_MS = 10_000;

    private enum InputEnd { NONE, FIN, FIN_WITHOUT_CLOSE_NOTIFY, RESET }

    private final ArrayDeque<byte[]> input = new ArrayDeque<>();
    private byte[] head;
    private int headOff;
    private InputEnd end = InputEnd.NONE;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final ByteArrayOutputStream attempted = new ByteArrayOutputStream();
    private IOException writeFailure;
    private boolean writesHeld;
    private boolean writeStartsHeld;
    /** Writes waiting to begin ({@link #holdWriteStarts}) or held ({@link #holdWrites}). */
    private int writesWaiting;
    private boolean closesHeld;
    private int closesStarted;
    private boolean outputShut;
    private boolean closed;
    private boolean endedCleanly = true;
    private int reads;
    /** Times a write found writes held and waited. */
    private int blockedWrites;

    // ------------------------------------------------------------------------------------------ the test's side

    /** Bytes the server sends; each call is one read's worth at most (a read may return less). */
    synchronized MemoryTransport serve(byte[] bytes) {
        if (bytes.length > 0) input.add(bytes.clone());
        notifyAll();
        return this;
    }

    MemoryTransport serve(String text) {
        return serve(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The server closes its side cleanly (TCP FIN, or TLS close_notify): reads return -1 once the bytes are read. */
    synchronized void fin() {
        end = InputEnd.FIN;
        notifyAll();
    }

    /** TLS: the TCP connection ends without close_notify. */
    synchronized void finWithoutCloseNotify() {
        end = InputEnd.FIN_WITHOUT_CLOSE_NOTIFY;
        notifyAll();
    }

    /** The server resets the connection: once the bytes already sent are read, reads and writes fail. */
    synchronized void reset() {
        end = InputEnd.RESET;
        writeFailure = new SocketException("Connection reset");
        notifyAll();
    }

    /** From now on writes fail with {@code e} (reading goes on). */
    synchronized void failWrites(IOException e) {
        writeFailure = e;
        notifyAll();
    }

    /**
     * Writes block until {@link #releaseWrites} (a server that stops reading); shutting the output (as
     * {@link #abortOutput} does) makes a blocked write fail, as it does on Linux.
     */
    synchronized void holdWrites() {
        writesHeld = true;
    }

    synchronized void releaseWrites() {
        writesHeld = false;
        notifyAll();
    }

    /**
     * Writes wait, before they begin, until {@link #releaseWriteStarts} (the writer's thread descheduled just before
     * its system call): a close meanwhile means the write sends nothing.
     */
    synchronized void holdWriteStarts() {
        writeStartsHeld = true;
    }

    synchronized void releaseWriteStarts() {
        writeStartsHeld = false;
        notifyAll();
    }

    /** Waits until a write waits, to begin ({@link #holdWriteStarts}) or held ({@link #holdWrites}). */
    synchronized void awaitWriteWaiting() throws InterruptedException {
        awaitCondition(() -> writesWaiting > 0, "no write was made");
    }

    /** {@code close()} waits until {@link #releaseCloses}, before it closes anything (a thread descheduled there). */
    synchronized void holdCloses() {
        closesHeld = true;
    }

    synchronized void releaseCloses() {
        closesHeld = false;
        notifyAll();
    }

    /** Waits until the client has called {@code close()} (held or not). */
    synchronized void awaitCloseCalled() throws InterruptedException {
        awaitCondition(() -> closesStarted > 0, "the client did not call close()");
    }

    private void awaitCondition(java.util.function.BooleanSupplier condition, String failure)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!condition.getAsBoolean()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new AssertionError(failure);
            wait(left);
        }
    }

    /** Waits until the client has written text containing {@code count} occurrences of {@code marker}; returns all. */
    synchronized String awaitWritten(String marker, int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (occurrences(writtenText(), marker) < count) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("the client did not write " + count + " x '" + marker + "'; wrote: "
                        + writtenText());
            }
            wait(left);
        }
        return writtenText();
    }

    /** Waits until the client's reader is blocked in a read with every served byte consumed. */
    synchronized void awaitReaderIdle() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!(reads > 0 && input.isEmpty() && head == null) && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new AssertionError("the reader did not consume the input");
            wait(left);
        }
    }

    /** Waits until a write of the client's is blocked by {@link #holdWrites}. */
    synchronized void awaitBlockedWrite() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (blockedWrites == 0) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new AssertionError("no write blocked");
            wait(left);
        }
    }

    /** Waits until the client closed the transport. */
    synchronized void awaitClosed() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new AssertionError("the client did not close the transport");
            wait(left);
        }
    }

    synchronized String writtenText() {
        return written.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * What the client passed to {@code write}, failed writes included, except those that found the transport closed
     * when they began (they send nothing): over a real socket, part of a write that fails may have reached the
     * server, so only a request absent from this was surely never sent.
     */
    synchronized String attemptedText() {
        return attempted.toString(StandardCharsets.ISO_8859_1);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized boolean isOutputShut() {
        return outputShut;
    }

    private static int occurrences(String text, String marker) {
        int n = 0;
        for (int i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + marker.length())) n++;
        return n;
    }

    // ------------------------------------------------------------------------------------------ the client's side

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        reads++;
        notifyAll();
        while (true) {
            if (closed) throw new SocketException("Socket closed");
            if (head == null && !input.isEmpty()) {
                head = input.poll();
                headOff = 0;
            }
            if (head != null) {
                int n = Math.min(len, head.length - headOff);
                System.arraycopy(head, headOff, b, off, n);
                headOff += n;
                if (headOff == head.length) head = null;
                notifyAll();
                return n;
            }
            switch (end) {
                case FIN:
                    return -1;
                case FIN_WITHOUT_CLOSE_NOTIFY:
                    endedCleanly = false;
                    return -1;
                case RESET:
                    throw new SocketException("Connection reset");
                default:
                    break;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
    }

    @Override
    public synchronized boolean endedCleanly() {
        return endedCleanly;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        writesWaiting++;
        notifyAll();
        try {
            while (writeStartsHeld) wait();
            if (closed) throw new TransportClosedException(); // nothing of it was sent, nor attempted
            while (writesHeld && !closed && writeFailure == null && !outputShut) {
                blockedWrites++;
                notifyAll();
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        } finally {
            writesWaiting--;
        }
        attempted.write(b, off, len);
        if (closed) throw new SocketException("Socket closed");
        if (writeFailure != null) throw writeFailure;
        if (outputShut) throw new SocketException("Socket output is shutdown");
        written.write(b, off, len);
        notifyAll();
    }

    @Override
    public synchronized void shutdownOutput() throws IOException {
        if (closed) throw new SocketException("Socket closed");
        outputShut = true;
        notifyAll();
    }

    @Override
    public synchronized void abortOutput() {
        outputShut = true;
        notifyAll();
    }

    @Override
    public synchronized void close() {
        closesStarted++;
        notifyAll();
        while (closesHeld) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closed = true;
        notifyAll();
    }

    @Override
    public String describe() {
        return "memory";
    }

    /** A {@link Connector} that hands out a new in-memory transport per connection, for the test to take. */
    static final class Connector implements io.pipelane.internal.engine.Connector {
        private final java.util.concurrent.BlockingQueue<MemoryTransport> opened =
                new java.util.concurrent.LinkedBlockingQueue<>();

        @Override
        public Transport open(io.pipelane.Endpoint endpoint, io.pipelane.ConnectionOptions options, Progress progress) {
            MemoryTransport t = new MemoryTransport();
            opened.add(t);
            return t;
        }

        /** The transport of the next connection opened, waiting for it. */
        MemoryTransport next() throws InterruptedException {
            MemoryTransport t = opened.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            if (t == null) throw new AssertionError("no connection was opened");
            return t;
        }
    }
}
