package io.pipelane.internal.engine;

import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Headers;
import io.pipelane.PipelaneException;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.ProxyOptions;
import io.pipelane.RequestBody;
import io.pipelane.internal.codec.BatchOutput;
import io.pipelane.internal.codec.ChunkedOutputStream;
import io.pipelane.internal.codec.RequestEncoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The writer of a connection: takes every request the pipeline allows, encodes them back to back into one
 * {@link BatchOutput}, and flushes it in a single socket write when nothing more may be written now. It then
 * ends; its {@link WriteSide} starts it again when there is more to write or the pipeline has room again.
 *
 * <p>It starts on the thread that gave it work ({@link #runInline}, {@link Mode#INLINE}): a caller with nothing in
 * flight, or the reader once a read freed room. There it writes only requests that cannot block (no body, the
 * unanswered bytes under {@link WriteSide#INLINE_WRITE_BYTES}), flushes once, and goes on, if more is
 * writable, as a task on the executor ({@link #run}, {@link Mode#TASK}), which writes everything.
 *
 * <h2>Lifecycle ({@link Run})</h2>
 * <ol>
 *   <li>{@code IDLE}: not running; the connection may {@link #claim} it when there is something to do.</li>
 *   <li>{@code SCHEDULED}: claimed, running on the thread that claimed it or as a task on the executor; it asks the {@link WriteSide} for each
 *       {@link Step} and returns to {@code IDLE} when told to {@link Step.Kind#EXIT}.</li>
 *   <li>{@code FAILED}: a write failed; it never runs again (the connection stops writing, see
 *       {@link HttpConnection#writingFailed}).</li>
 * </ol>
 * <pre>
 *   IDLE ──claim──► SCHEDULED ──EXIT──► IDLE
 *                       └──write error──► FAILED
 * </pre>
 * {@code run} is claimed under the connection's lock; the other fields are confined to the one running task,
 * except the volatile time stamp of the write in progress, which the watchdog reads through {@link #expired}. A
 * request's bytes count as sent from the moment a socket write that includes them starts (see
 * {@link WriteSide#markSent}), unless that write finds the transport closed before it began.
 */
final class PipelineWriter implements Runnable {
    /** Batch size: room for well over a hundred typical request heads. */
    static final int BATCH_BYTES = 32 * 1024;

    enum Run { IDLE, SCHEDULED, FAILED }

    /**
     * How much the writer may do on the thread it runs on: everything (a task on the executor); only requests that
     * cannot block, in one batch (on the thread that gave it work); nothing more (that thread, after its flush).
     */
    enum Mode { TASK, INLINE, INLINE_FLUSHED }

    /** What the writer does next, as chosen by the write side. */
    record Step(Kind kind, Exchange<?> exchange, boolean close, boolean chunkedAllowed) {
        /** {@code HAND_OFF}: a writer running on a calling thread goes on as a task on the executor (still claimed). */
        enum Kind { WRITE, FLUSH, HALF_CLOSE, HAND_OFF, EXIT }

        static final Step FLUSH = new Step(Kind.FLUSH, null, false, false);
        static final Step HAND_OFF = new Step(Kind.HAND_OFF, null, false, false);
        static final Step HALF_CLOSE = new Step(Kind.HALF_CLOSE, null, false, false);
        static final Step EXIT = new Step(Kind.EXIT, null, false, false);

        static Step write(Exchange<?> e, boolean close, boolean chunkedAllowed) {
            return new Step(Kind.WRITE, e, close, chunkedAllowed);
        }
    }

    /** Chooses each step, and hears what the writer did. */
    private final WriteSide writes;
    private final ConnectionOptions options;
    private final Endpoint endpoint;
    private final Transport transport;
    private final BatchOutput batch;
    /** {@code "http"} when requests are forwarded by a proxy (absolute-form), else null. */
    private final String absoluteScheme;
    /** Headers for a forwarding proxy ({@code Proxy-Authorization}, ...), else null. */
    private final Headers proxyHeaders;
    /** Requests with bytes in the batch that have not gone to the socket yet. */
    private final List<Exchange<?>> unsent = new ArrayList<>();
    private IOException transportError;
    /** Guarded by the connection's lock. */
    private Run run = Run.IDLE;

    /** The request being encoded (its body may be user code), for the write timeout. */
    private volatile Exchange<?> current;
    /** When the socket write in progress started, 0 if none. */
    private volatile long writeStartedAt;
    /** While a request body's writeTo runs: when it last wrote (or started), else 0. */
    private volatile long bodyProgressAt;
    /** The request just put wholly into the batch, and its size, reported at the next step. */
    private Exchange<?> written;
    private int writtenBytes;

    PipelineWriter(WriteSide writes, Transport transport) {
        this.writes = writes;
        this.options = writes.options();
        this.endpoint = writes.endpoint();
        this.transport = transport;
        this.batch = new BatchOutput(new TransportOutput(), BATCH_BYTES);
        ProxyOptions proxy = options.proxy();
        boolean forwarded = proxy != null && endpoint.scheme() == Endpoint.Scheme.HTTP && !proxy.tunnels(endpoint);
        this.absoluteScheme = forwarded ? "http" : null;
        this.proxyHeaders = forwarded && !proxy.proxyHeaders().isEmpty() ? proxy.proxyHeaders() : null;
    }

    /** IDLE to SCHEDULED (claimed, to run inline or as a task); under the connection's lock. False if it runs already or has failed. */
    boolean claim() {
        if (run != Run.IDLE) return false;
        run = Run.SCHEDULED;
        return true;
    }

    /** SCHEDULED to IDLE (it exits); under the connection's lock. */
    void release() {
        if (run == Run.SCHEDULED) run = Run.IDLE;
    }

    /** Whether it is not claimed (nor failed); under the connection's lock. */
    boolean isIdle() {
        return run == Run.IDLE;
    }

    /** Lets the batch array go while the connection is idle: only while not claimed, under the connection's lock. */
    void releaseBuffer() {
        batch.release();
    }

    /** The size of the batch array now; only while not claimed, under the connection's lock. */
    int bufferBytes() {
        return batch.bufferBytes();
    }

    long writeCalls() {
        return batch.writeCalls();
    }

    long bytesWritten() {
        return batch.bytesWritten();
    }

    /** Called by the watchdog: the write timeout, if the write in progress has taken too long, else null. */
    Expiry expired(long now) {
        long limit = options.writeTimeout().toNanos();
        long started = writeStartedAt;
        if (started != 0 && now - started > limit) {
            return new Expiry(new PipelaneTimeoutException(PipelaneTimeoutException.Phase.WRITE,
                    options.writeTimeout(), "writing to " + endpoint + " timed out"), current);
        }
        long body = bodyProgressAt;
        if (body != 0 && started == 0 && now - body > limit) { // a socket write in progress has its own timeout
            Exchange<?> e = current;
            return new Expiry(new PipelaneTimeoutException(PipelaneTimeoutException.Phase.WRITE,
                    options.writeTimeout(), "the body of " + e + " wrote nothing (its writeTo stalled)"), e);
        }
        return null;
    }

    @Override
    public void run() {
        loop(Mode.TASK);
    }

    /**
     * On the thread that gave the writer work: writes the requests that cannot block into one batch, flushes it
     * once, and hands anything more to the executor.
     */
    void runInline() {
        loop(Mode.INLINE);
    }

    private void loop(Mode mode) {
        try {
            while (true) {
                Exchange<?> justWritten = written;
                written = null;
                Step step = writes.nextStep(this, mode, batch.buffered() > 0, justWritten, writtenBytes);
                switch (step.kind()) {
                    case WRITE:
                        write(step.exchange(), step.close(), step.chunkedAllowed());
                        break;
                    case FLUSH:
                        batch.flush();
                        if (mode == Mode.INLINE) mode = Mode.INLINE_FLUSHED;
                        break;
                    case HAND_OFF:
                        writes.handOff(this);
                        return;
                    case HALF_CLOSE:
                        batch.flush();
                        boolean halfClose = transport.supportsHalfClose();
                        if (halfClose) {
                            writeStartedAt = System.nanoTime();
                            transport.shutdownOutput();
                            writeStartedAt = 0;
                        }
                        // On TLS 1.2 nothing is sent: close_notify would make the server drop the responses
                        // still to come; the connection closes after the last one instead.
                        writes.outputShutDown(halfClose);
                        break;
                    default:
                        return;
                }
            }
        } catch (Throwable t) {
            writeStartedAt = 0;
            Exchange<?> e = current;
            boolean transportFailed = causedBy(t, transportError);
            synchronized (writes.lock()) {
                run = Run.FAILED;
            }
            // A request whose own body failed mid-write is the victim; a socket error is classified for all.
            writes.writingFailed(t, transportFailed ? null : e);
        }
    }

    private void write(Exchange<?> e, boolean close, boolean chunkedAllowed) throws IOException {
        current = e;
        RequestBody body = e.request.body();
        long length = body.contentLength();
        byte[] buffered = null;
        if (length < 0 && !chunkedAllowed) {
            // Not known to pipeline yet: chunked is not allowed, so learn the length first, before any byte of
            // this request reaches the wire (a failure here fails the request alone).
            try {
                buffered = readBounded(body, options.maxBufferedRequestBodyBytes());
            } catch (IOException | RuntimeException ex) {
                current = null;
                writes.notWritten(e, ex instanceof PipelaneException ? (PipelaneException) ex
                        : new PipelaneException(e.request + " was not sent: its body failed: " + ex, ex));
                return;
            }
            length = buffered.length;
        }
        RequestEncoder.Framing framing = RequestEncoder.framingFor(e.request.method(), length, chunkedAllowed);
        unsent.add(e);
        long start = batch.bytesWritten() + batch.buffered();
        RequestEncoder.writeHead(e.request, endpoint.authority(), absoluteScheme, framing, length, close,
                proxyHeaders, batch);
        if (buffered != null) {
            batch.write(buffered);
        } else if (framing == RequestEncoder.Framing.CONTENT_LENGTH && length > 0) {
            CountingOutput counting = new CountingOutput(new BodyProgress(batch), length, e);
            bodyProgressAt = System.nanoTime();
            try {
                body.writeTo(counting);
            } finally {
                bodyProgressAt = 0;
            }
            if (counting.count != length) {
                throw new PipelaneException("the body of " + e.request + " wrote " + counting.count
                        + " bytes but declared " + length + "; the connection is closed");
            }
        } else if (framing == RequestEncoder.Framing.CHUNKED) {
            ChunkedOutputStream chunked = new ChunkedOutputStream(batch);
            bodyProgressAt = System.nanoTime();
            try {
                body.writeTo(new BodyProgress(chunked));
            } finally {
                bodyProgressAt = 0;
            }
            chunked.finish();
        }
        long bytes = batch.bytesWritten() + batch.buffered() - start;
        e.writtenAt = System.nanoTime();
        // Counted in flight at the next step, under the connection's lock it takes anyway.
        written = e;
        writtenBytes = (int) Math.min(Integer.MAX_VALUE, bytes);
        current = null;
    }

    private static boolean causedBy(Throwable t, Throwable cause) {
        for (Throwable c = t; c != null && cause != null; c = c.getCause()) {
            if (c == cause) return true;
        }
        return false;
    }

    private static byte[] readBounded(RequestBody body, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192)) {
            @Override
            public void write(byte[] b, int off, int len) {
                if (count + len > limit) throw new BodyTooLarge();
                super.write(b, off, len);
            }

            @Override
            public void write(int b) {
                if (count + 1 > limit) throw new BodyTooLarge();
                super.write(b);
            }
        };
        try {
            body.writeTo(out);
        } catch (BodyTooLarge tooLarge) {
            throw new PipelaneException("request body of unknown length exceeds maxBufferedRequestBodyBytes="
                    + limit + ": the connection is not known to pipeline yet, so the body cannot be sent chunked"
                    + " and must be buffered to learn its length; the request was not sent");
        }
        return out.toByteArray();
    }

    /** Thrown out of the bounded buffer, caught in readBounded. */
    private static final class BodyTooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super(null, null, false, false);
        }
    }

    /**
     * Counts body bytes against the declared Content-Length and refuses, before forwarding it, any byte beyond:
     * the server would read such bytes as the next request (request smuggling).
     */
    private static final class CountingOutput extends OutputStream {
        private final OutputStream out;
        private final long declared;
        private final Exchange<?> exchange;
        long count;

        CountingOutput(OutputStream out, long declared, Exchange<?> exchange) {
            this.out = out;
            this.declared = declared;
            this.exchange = exchange;
        }

        @Override
        public void write(int b) throws IOException {
            check(1);
            count++;
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            check(len);
            count += len;
            out.write(b, off, len);
        }

        private void check(int len) throws PipelaneException {
            if (count + len > declared) {
                throw new PipelaneException("the body of " + exchange.request + " is longer than its declared "
                        + declared + " bytes; the excess was not sent and the connection is closed");
            }
        }
    }

    /** Notes each write of a request body, for the stall timeout ({@link #expired}). */
    private final class BodyProgress extends OutputStream {
        private final OutputStream out;

        BodyProgress(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            bodyProgressAt = System.nanoTime();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bodyProgressAt = System.nanoTime();
        }
    }

    /**
     * The batch's way to the socket: marks the batched requests as sent, times the write for the watchdog, tells the
     * connection when the write returned (and whether it found the transport closed before it began), and
     * remembers socket errors (to tell them from errors of a request's own body).
     */
    private final class TransportOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            boolean announced = !unsent.isEmpty();
            if (announced && !writes.markSent(unsent)) {
                throw new IOException("the connection ended before these requests were written");
            }
            boolean sentNothing = false;
            writeStartedAt = System.nanoTime();
            try {
                transport.write(b, off, len);
            } catch (TransportClosedException e) {
                sentNothing = true;
                transportError = e;
                throw e;
            } catch (IOException e) {
                transportError = e;
                throw e;
            } finally {
                writeStartedAt = 0;
                if (announced) {
                    // unsent stays as it is until the connection knows the write returned (it reads it meanwhile)
                    writes.writeReturned(sentNothing);
                    unsent.clear();
                }
            }
        }
    }
}
