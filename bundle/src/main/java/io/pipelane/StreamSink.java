package io.pipelane;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sink behind {@link BodyHandlers#ofInputStream()}: a bounded buffer between the connection's reader
 * thread (producer) and the application's thread (consumer, through {@link BodyStream}).
 */
final class StreamSink implements BodySink<InputStream> {
    /** Bytes buffered ahead of the application before the reader thread waits. */
    static final int BUFFER_BYTES = 256 * 1024;

    private final long timeoutNanos;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final CompletableFuture<InputStream> result = new CompletableFuture<>();
    private int buffered;
    private boolean complete;
    private Throwable error;
    private boolean abandoned;

    StreamSink(Duration timeout) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        result.complete(new BodyStream());
    }

    @Override
    public void onData(ByteBuffer data) throws IOException {
        int n = data.remaining();
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (!abandoned && error == null && buffered > 0 && buffered + n > BUFFER_BYTES) {
                if (remaining <= 0) {
                    PipelaneTimeoutException e = new PipelaneTimeoutException(PipelaneTimeoutException.Phase.BODY_READ,
                            timeout, "a streamed response body was not read");
                    error = e;
                    changed.signalAll();
                    throw e;
                }
                try {
                    remaining = changed.awaitNanos(remaining);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for a body reader");
                }
            }
            if (error != null) {
                // The body failed meanwhile (the connection was closed): stop at once rather than wait.
                throw error instanceof IOException ? (IOException) error : new IOException(error.getMessage(), error);
            }
            if (abandoned) {
                data.position(data.limit());
                return;
            }
            byte[] chunk = new byte[n];
            data.get(chunk);
            chunks.add(chunk);
            buffered += n;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onComplete(Headers trailers) {
        lock.lock();
        try {
            complete = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onError(Throwable cause) {
        lock.lock();
        try {
            if (error == null) error = cause;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<InputStream> body() {
        return result;
    }

    /** The application's end. Not thread-safe, like any InputStream. */
    private final class BodyStream extends InputStream {
        private byte[] current;
        private int pos;
        private boolean closed;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (closed) throw new IOException("response body stream is closed");
            if (current == null || pos == current.length) {
                current = take();
                pos = 0;
                if (current == null) return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        private byte[] take() throws IOException {
            lock.lock();
            try {
                while (true) {
                    byte[] c = chunks.poll();
                    if (c != null) {
                        buffered -= c.length;
                        changed.signalAll();
                        return c;
                    }
                    if (error != null) {
                        throw error instanceof IOException ? new IOException(error.getMessage(), error)
                                : new IOException("response body failed: " + error, error);
                    }
                    if (complete) return null;
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while reading a response body");
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return (current == null ? 0 : current.length - pos) + buffered;
            } finally {
                lock.unlock();
            }
        }

        /** Drops what is left of the body; the connection reads and discards the rest. */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            lock.lock();
            try {
                abandoned = true;
                chunks.clear();
                buffered = 0;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
