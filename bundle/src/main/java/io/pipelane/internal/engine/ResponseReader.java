package io.pipelane.internal.engine;

import io.pipelane.BodySink;
import io.pipelane.Headers;
import io.pipelane.LimitExceededException;
import io.pipelane.MalformedResponseException;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.ResponseHead;
import io.pipelane.internal.codec.BodyFraming;
import io.pipelane.internal.codec.ParserLimits;
import io.pipelane.internal.codec.ResponseParser;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The reader loop of a connection: reads the socket eagerly into one buffer, feeds the {@link ResponseParser},
 * and delivers each response to the exchange at the head of the in-flight queue, strictly in order. Runs on the
 * connection's reader task until the connection ends; its fields are confined to that thread.
 */
final class ResponseReader implements ResponseParser.Listener {
    /** The largest read buffer. */
    static final int READ_BUFFER_BYTES = 64 * 1024;
    /**
     * The first size of the read buffer. It doubles, up to {@link #READ_BUFFER_BYTES}, each time a read fills it
     * (more was waiting), so busy connections soon read 64 KiB at a time while idle ones, or ones with small
     * responses, keep a small buffer (many connections).
     */
    static final int INITIAL_READ_BUFFER_BYTES = 8 * 1024;

    private final HttpConnection connection;
    private final Transport transport;
    private final ResponseParser parser;
    private byte[] buffer = new byte[INITIAL_READ_BUFFER_BYTES];
    /** A reusable view of {@link #buffer} handed to body sinks. */
    private ByteBuffer view = ByteBuffer.wrap(buffer);

    /** The exchange whose response is being parsed; null between responses. */
    private Exchange<?> current;
    /** Parsing a response that nobody asked for. */
    private boolean unsolicited;
    private boolean inResponse;
    /** The response being parsed is the server's last one (it closes after it). */
    private boolean lastResponse;
    private ResponseHead lastHead;

    ResponseReader(HttpConnection connection, Transport transport) {
        this.connection = connection;
        this.transport = transport;
        this.parser = new ResponseParser(ParserLimits.of(connection.options));
    }

    void run() {
        try {
            while (true) {
                connection.readBlocked = true;
                int n;
                try {
                    n = transport.read(buffer, 0, buffer.length);
                } finally {
                    connection.readBlocked = false;
                }
                connection.lastReadAt = System.nanoTime();
                if (n < 0) {
                    endOfInput();
                    return;
                }
                int off = 0;
                while (off < n) {
                    if (!inResponse) begin();
                    off += parser.feed(buffer, off, n - off, this);
                    if (parser.isComplete()) {
                        inResponse = false;
                        if (lastResponse) {
                            // Anything after the server's last response is ignored (RFC 9112 §9.6).
                            connection.serverClosedAfterResponse(lastHead);
                            return;
                        }
                    }
                }
                connection.midResponse = inResponse && parser.hasStarted();
                if (n == buffer.length && buffer.length < READ_BUFFER_BYTES) {
                    // every byte was consumed above (body slices are valid only during their callback)
                    buffer = new byte[Math.min(READ_BUFFER_BYTES, 2 * buffer.length)];
                    view = ByteBuffer.wrap(buffer);
                }
            }
        } catch (Throwable t) {
            Exchange<?> victim = t instanceof MalformedResponseException || t instanceof PipelaneTimeoutException
                    ? current : null;
            connection.readFailed(t, victim);
        }
    }

    private void begin() {
        current = connection.currentExchange();
        unsolicited = current == null;
        parser.reset(current != null && current.request.isHead());
        inResponse = true;
    }

    private void endOfInput() throws IOException {
        if (inResponse && parser.endOfInput(transport.endedCleanly(), this)) {
            inResponse = false;
        }
        connection.inputEnded();
    }

    @Override
    public void onInterim(ResponseHead head) {
        // 1xx: informational; the final response for the same request follows.
    }

    @Override
    public void onHead(ResponseHead head, BodyFraming framing) throws IOException {
        if (unsolicited) {
            connection.unsolicitedResponse(head);
            throw new ConnectionEnded();
        }
        boolean closeToken = head.headers().containsToken("Connection", "close");
        if (!parser.isKeepAlive()) {
            lastResponse = true;
            lastHead = head;
        }
        connection.finalHead(current, head, parser.isKeepAlive(), closeToken);
        openSink(current, head);
    }

    private <T> void openSink(Exchange<T> e, ResponseHead head) {
        BodySink<T> sink;
        try {
            sink = e.handler.open(head, connection.options);
        } catch (RuntimeException ex) {
            e.discardBody = true;
            e.future.completeExceptionally(ex);
            return;
        }
        e.open(head, sink);
    }

    @Override
    public void onBody(byte[] buf, int off, int len) throws IOException {
        Exchange<?> e = current;
        if (e.discardBody || e.sink == null) return;
        view.limit(off + len).position(off);
        try {
            e.sink.onData(view);
        } catch (PipelaneTimeoutException timeout) {
            throw timeout; // the application did not read a streamed body: the connection ends
        } catch (IOException | RuntimeException ex) {
            // Only this response fails; the rest of its body is read and dropped, the pipeline goes on.
            e.discardBody = true;
            e.fail(ex instanceof LimitExceededException ? ex
                    : new IOException("the body handler of " + e.request + " failed: " + ex, ex));
        }
    }

    @Override
    public void onComplete(Headers trailerFields) throws IOException {
        Exchange<?> e = current;
        current = null;
        HttpConnection.Completion next = connection.responseComplete(e);
        if (next == HttpConnection.Completion.ENDED) return;
        e.trailersArrived(trailerFields);
        if (!e.discardBody && e.sink != null) {
            try {
                e.sink.onComplete(trailerFields);
            } catch (IOException | RuntimeException ex) {
                e.fail(ex);
            }
        }
        if (next == HttpConnection.Completion.DELIVER_THEN_CHECK) connection.afterLastResponse();
    }

    /** Unwinds the read loop once the connection has been ended from inside a listener callback. */
    private static final class ConnectionEnded extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectionEnded() {
            super("connection ended", null);
        }
    }
}
