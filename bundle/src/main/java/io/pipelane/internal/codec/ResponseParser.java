package io.pipelane.internal.codec;

import io.pipelane.Headers;
import io.pipelane.HttpVersion;
import io.pipelane.LimitExceededException;
import io.pipelane.MalformedResponseException;
import io.pipelane.ResponseHead;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental, strict HTTP/1.1 response parser (RFC 9112). Pure: it does no I/O and starts no threads.
 *
 * <p>Use: {@link #reset(boolean)} before each response (saying whether it answers a HEAD request), then
 * {@link #feed} the bytes as they arrive, in slices of any size. {@code feed} stops right after the last byte
 * of the response and returns how many bytes it consumed, so the next pipelined response starts exactly there;
 * {@link #isComplete()} then says the response is done. When the input ends, call {@link #endOfInput}: it
 * completes a close-delimited body, and fails a response cut short.
 *
 * <p>Events go to a {@link Listener}: interim (1xx) heads, the final head, body slices (zero-copy views of the
 * fed array), and completion with the trailer fields. Fed one byte at a time or all at once, the parser reports
 * the same heads, the same body bytes (in different slices) and the same outcome. A reader may also put body
 * bytes where they go itself ({@link #bodyBytesAhead}, {@link #bodyArrived}), sparing their copy.
 *
 * <p>Strictness (each is a {@link MalformedResponseException} naming the problem): a status line other than
 * {@code HTTP/1.x NNN reason}; a field name that is not a token, or followed by whitespace before the colon; a
 * control character (CR, NUL, ...) in a field value; obs-fold before the first field; for a response whose body
 * it frames, a {@code Content-Length} that is not a decimal number (of any number of digits, up to 2^63-1), or
 * several that differ; {@code Transfer-Encoding} together with {@code Content-Length}, in an HTTP/1.0 response,
 * or with {@code chunked} twice (framing is decided by {@link ResponseFraming}, which documents the order of the
 * rules); a chunk-size line that does not follow the grammar of RFC 9112 §7.1.1, extensions included (checked
 * by {@link ChunkSizeLine}), or a size that overflows; chunk data not followed by CRLF; a 101 response
 * (Pipelane never asks for an upgrade).
 * Leniency that RFC 9112 allows a client: a bare LF ends a line (§2.2); empty lines before the status line are
 * skipped; obs-fold inside the fields is replaced by a space (§5.2); a {@code Transfer-Encoding} that does not
 * end in {@code chunked} makes the body close-delimited (§6.3); other transfer codings are not decoded.
 *
 * <p>Not thread-safe: one parser per connection, used by its reader thread.
 */
public final class ResponseParser {

    /** Receives what the parser finds. Methods may throw; the exception propagates out of {@code feed}. */
    public interface Listener {
        /** An interim (1xx) response; the final response for the same request follows. */
        void onInterim(ResponseHead head) throws IOException;

        /** The head of the final response, and how its body is framed. */
        void onHead(ResponseHead head, BodyFraming framing) throws IOException;

        /** Body bytes {@code buf[off, off+len)}; valid only during the call. */
        void onBody(byte[] buf, int off, int len) throws IOException;

        /** The response is complete. {@code trailers} is empty unless a chunked body carried some. */
        void onComplete(Headers trailers) throws IOException;
    }

    private enum State {
        STATUS_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, CLOSE_DELIMITED_BODY, DONE
    }

    private static final byte[] HTTP_SLASH = "HTTP/".getBytes(StandardCharsets.US_ASCII);

    private final ParserLimits limits;

    private State state = State.STATUS_LINE;
    private boolean headRequest;
    /** The first size of {@link #line}. */
    private static final int LINE_BYTES = 256;
    /** Bytes of a line that spans feeds; empty after {@link #releaseLineBuffer()} until a line spans feeds again. */
    private byte[] line = new byte[LINE_BYTES];
    private int lineLength;
    /** Bytes of the current head (or trailer section), for maxResponseHeadBytes. */
    private int sectionBytes;
    /** Whether any byte of this response has been seen (to tell a clean end of input from a cut). */
    private boolean started;
    /** Whether an interim (1xx) response to the current request has been received. */
    private boolean interimSeen;

    private HttpVersion version;
    private int status;
    private String reason;
    /** The first size of {@link #fields}. */
    private static final int FIELDS = 32;
    private String[] fields = new String[FIELDS];
    /** The previous responses' values, reused when a field repeats (most do on one connection). */
    private final FieldValues values = new FieldValues();
    /** Gathers what framing needs from a head's fields, reused for every head. */
    private final ResponseFraming.Fields framingFields = new ResponseFraming.Fields();
    /** The final head carried the {@code close} connection option. */
    private boolean closeToken;
    private int fieldCount;

    private BodyFraming framing;
    private boolean keepAlive;
    private long remaining;
    private long bodyBytes;

    public ResponseParser(ParserLimits limits) {
        this.limits = limits;
    }

    /**
     * Prepares for the next response.
     *
     * @param headRequest whether the request it answers is HEAD (its response has no body)
     */
    /**
     * Between responses (nothing of the next one fed yet), for a connection that idles without a reader: lets go
     * of the line buffer, the last head's fields and the remembered field values; the next response allocates what
     * it needs again.
     */
    public void releaseBuffers() {
        if (lineLength != 0) return;
        line = NO_LINE;
        fields = NO_FIELDS;
        fieldCount = 0;
        values.forget();
    }

    private static final String[] NO_FIELDS = new String[0];
    private static final byte[] NO_LINE = new byte[0];

    public void reset(boolean headRequest) {
        this.headRequest = headRequest;
        state = State.STATUS_LINE;
        lineLength = 0;
        sectionBytes = 0;
        started = false;
        interimSeen = false;
        version = null;
        status = 0;
        reason = null;
        fieldCount = 0;
        framing = null;
        keepAlive = false;
        closeToken = false;
        remaining = 0;
        bodyBytes = 0;
    }

    /** Whether the current response is complete; {@link #reset} starts the next one. */
    public boolean isComplete() {
        return state == State.DONE;
    }

    /** Whether any byte of the current response has been consumed. */
    public boolean hasStarted() {
        return started;
    }

    /** Whether the final head has been parsed. */
    public boolean hasHead() {
        return framing != null;
    }

    /** The body framing of the current response, once its final head has been parsed; else {@code null}. */
    public BodyFraming framing() {
        return framing;
    }

    /**
     * Whether the connection may carry another response after this one (RFC 9112 §9.3): HTTP/1.1 without the
     * {@code close} connection option, or HTTP/1.0 with {@code keep-alive}, and a body that is not
     * close-delimited. Valid once the final head has been parsed.
     */
    public boolean isKeepAlive() {
        return keepAlive;
    }

    /**
     * Whether the final head carried the {@code close} connection option, decided with the framing: requests
     * written after this response were not processed (RFC 9112 §9.6).
     */
    public boolean hasCloseToken() {
        return closeToken;
    }

    /** The version of the current response, once its status line has been parsed. */
    public HttpVersion version() {
        return version;
    }

    /**
     * Consumes bytes of the current response.
     *
     * @return how many bytes of {@code buf[off, off+len)} belong to the current response; fewer than
     *         {@code len} only when the response completed
     * @throws MalformedResponseException when the bytes are not a valid response (the connection cannot be
     *                                    used any further)
     * @throws IOException                whatever the listener throws
     */
    public int feed(byte[] buf, int off, int len, Listener listener) throws IOException {
        final int end = off + len;
        int pos = off;
        if (len > 0 && state != State.DONE) started = true;
        while (pos < end) {
            switch (state) {
                case DONE:
                    return pos - off;
                case FIXED_BODY:
                case CHUNK_DATA: {
                    int n = (int) Math.min(end - pos, remaining);
                    listener.onBody(buf, pos, n);
                    pos += n;
                    countBody(n, listener);
                    break;
                }
                case CLOSE_DELIMITED_BODY:
                    listener.onBody(buf, pos, end - pos);
                    bodyBytes += end - pos;
                    pos = end;
                    break;
                default:
                    pos = consumeLine(buf, pos, end, listener);
                    break;
            }
        }
        return pos - off;
    }

    /**
     * How many body bytes come next with nothing to parse between them: the rest of a {@code Content-Length} body,
     * or of the current chunk's data; 0 anywhere else. A reader may put up to this many bytes straight where the
     * body goes instead of feeding them, and report them with {@link #bodyArrived}.
     */
    public long bodyBytesAhead() {
        return state == State.FIXED_BODY || state == State.CHUNK_DATA ? remaining : 0;
    }

    /**
     * {@code n} bytes of the body, at most {@link #bodyBytesAhead()}, arrived without being fed (the reader put them
     * where the body goes, so no {@link Listener#onBody}): counted as if fed; a {@code Content-Length} body they end
     * completes ({@link Listener#onComplete}).
     */
    public void bodyArrived(int n, Listener listener) throws IOException {
        if (n <= 0 || n > bodyBytesAhead()) {
            throw new IllegalStateException(n + " body bytes arrived, " + bodyBytesAhead() + " expected in " + state);
        }
        started = true;
        countBody(n, listener);
    }

    /** Counts {@code n} bytes of fixed-length body or chunk data; at the end of either, moves on. */
    private void countBody(int n, Listener listener) throws IOException {
        remaining -= n;
        bodyBytes += n;
        if (remaining == 0) {
            if (state == State.FIXED_BODY) {
                complete(Headers.empty(), listener);
            } else {
                state = State.CHUNK_DATA_END;
            }
        }
    }

    /**
     * The input ended (the server closed its side).
     *
     * @param cleanClose whether the end was clean: always for TCP; for TLS, whether {@code close_notify} was
     *                   received (RFC 9112 §9.8: without it a close-delimited body is truncated)
     * @return {@code true} if the current response completed now (a close-delimited body), {@code false} if no
     *         byte of a response had been received
     * @throws MalformedResponseException if the response was cut short
     */
    public boolean endOfInput(boolean cleanClose, Listener listener) throws IOException {
        switch (state) {
            case DONE:
                return false;
            case CLOSE_DELIMITED_BODY:
                if (!cleanClose) {
                    throw new MalformedResponseException("response truncated: the TLS connection closed without"
                            + " close_notify in a close-delimited body, after " + bodyBytes + " bytes");
                }
                complete(Headers.empty(), listener);
                return true;
            case STATUS_LINE:
                if (lineLength == 0 && !interimSeen) return false; // nothing, or only empty lines
                // fall through
            default:
                throw new MalformedResponseException("response truncated: connection closed " + where());
        }
    }

    private String where() {
        switch (state) {
            case STATUS_LINE:
                return "in the status line";
            case HEADERS:
                return "in the header fields";
            case FIXED_BODY:
                return "after " + bodyBytes + " of " + (bodyBytes + remaining) + " body bytes";
            case CHUNK_SIZE:
            case CHUNK_DATA:
            case CHUNK_DATA_END:
                return "in a chunked body, after " + bodyBytes + " body bytes";
            case TRAILERS:
                return "in the trailer fields";
            default:
                return "in state " + state;
        }
    }

    /** Consumes up to and including the next LF, or buffers a partial line. Returns the new position. */
    private int consumeLine(byte[] buf, int pos, int end, Listener listener) throws IOException {
        int lf = indexOfLf(buf, pos, end);
        int lineEnd = lf < 0 ? end : lf;
        int taken = lineEnd - pos;
        checkLineLimit(lineLength + taken + (lf < 0 ? 0 : 1));
        if (lf < 0) {
            append(buf, pos, taken);
            return end;
        }
        if (lineLength == 0) {
            processLine(buf, pos, lineEnd, listener);
        } else {
            append(buf, pos, taken);
            int n = lineLength;
            lineLength = 0;
            processLine(line, 0, n, listener);
        }
        return lf + 1;
    }

    private void checkLineLimit(int lineBytes) throws LimitExceededException {
        switch (state) {
            case CHUNK_SIZE:
            case CHUNK_DATA_END:
                if (lineBytes > limits.maxChunkLineBytes) {
                    throw new LimitExceededException("maxChunkLineBytes", limits.maxChunkLineBytes,
                            "chunk-size line too long");
                }
                break;
            default:
                if (sectionBytes + lineBytes > limits.maxResponseHeadBytes) {
                    throw new LimitExceededException("maxResponseHeadBytes", limits.maxResponseHeadBytes,
                            state == State.TRAILERS ? "trailer section too large" : "response head too large");
                }
        }
    }

    private void append(byte[] buf, int off, int len) {
        if (lineLength + len > line.length) {
            line = Arrays.copyOf(line, Math.max(Math.max(line.length * 2, LINE_BYTES), lineLength + len));
        }
        System.arraycopy(buf, off, line, lineLength, len);
        lineLength += len;
    }

    private static int indexOfLf(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == '\n') return i;
        }
        return -1;
    }

    /** {@code b[off, end)} is one line without its LF; a CR before the LF is dropped here. */
    private void processLine(byte[] b, int off, int end, Listener listener) throws IOException {
        int lineBytes = end - off + 1;
        if (end > off && b[end - 1] == '\r') end--;
        switch (state) {
            case STATUS_LINE:
                sectionBytes += lineBytes;
                if (end == off) return; // empty lines before the status line are skipped
                parseStatusLine(b, off, end);
                state = State.HEADERS;
                return;
            case HEADERS:
                sectionBytes += lineBytes;
                if (end == off) {
                    endOfHead(listener);
                } else {
                    parseField(b, off, end, "header");
                }
                return;
            case TRAILERS:
                sectionBytes += lineBytes;
                if (end == off) {
                    complete(TrustedHeaders.of(Arrays.copyOf(fields, 2 * fieldCount), fieldCount), listener);
                } else {
                    parseField(b, off, end, "trailer");
                }
                return;
            case CHUNK_SIZE:
                parseChunkSize(b, off, end);
                return;
            case CHUNK_DATA_END:
                if (end != off) {
                    throw new MalformedResponseException("chunk data not followed by CRLF (chunk longer than its size?)");
                }
                state = State.CHUNK_SIZE;
                return;
            default:
                throw new IllegalStateException(state.toString());
        }
    }

    private void parseStatusLine(byte[] b, int off, int end) throws MalformedResponseException {
        int n = end - off;
        // HTTP/1.1 200
        if (n < 12 || !startsWith(b, off, HTTP_SLASH) || b[off + 5] != '1' || b[off + 6] != '.'
                || !isDigit(b[off + 7]) || b[off + 8] != ' ') {
            throw new MalformedResponseException("invalid status line " + Printable.quote(b, off, end)
                    + ": expected HTTP/1.x followed by a space");
        }
        version = b[off + 7] == '0' ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        if (!isDigit(b[off + 9]) || !isDigit(b[off + 10]) || !isDigit(b[off + 11]) || b[off + 9] == '0') {
            throw new MalformedResponseException("invalid status code in status line " + Printable.quote(b, off, end));
        }
        status = (b[off + 9] - '0') * 100 + (b[off + 10] - '0') * 10 + (b[off + 11] - '0');
        if (n == 12) {
            reason = "";
            return;
        }
        if (b[off + 12] != ' ') {
            throw new MalformedResponseException("invalid status line " + Printable.quote(b, off, end)
                    + ": the status code is followed by " + HttpSyntax.describe(b[off + 12] & 0xff));
        }
        for (int i = off + 13; i < end; i++) {
            if (!HttpSyntax.isFieldValueByte(b[i])) {
                throw new MalformedResponseException("invalid character " + HttpSyntax.describe(b[i] & 0xff)
                        + " in the reason phrase of status line " + Printable.quote(b, off, end));
            }
        }
        reason = status == 200 && end - off == 15 && b[off + 13] == 'O' && b[off + 14] == 'K'
                ? "OK" : new String(b, off + 13, end - off - 13, StandardCharsets.ISO_8859_1);
    }

    private void parseField(byte[] b, int off, int end, String what) throws MalformedResponseException {
        if (b[off] == ' ' || b[off] == '\t') {
            // obs-fold (RFC 9112 §5.2): a user agent replaces it with SP.
            if (fieldCount == 0) {
                throw new MalformedResponseException("obs-fold (a line starting with whitespace) before the first "
                        + what + " field");
            }
            int vs = skipOws(b, off, end);
            int ve = trimOws(b, vs, end);
            checkValue(b, vs, ve, fields[2 * fieldCount - 2]);
            String prev = fields[2 * fieldCount - 1];
            String more = new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1);
            fields[2 * fieldCount - 1] = prev.isEmpty() ? more : more.isEmpty() ? prev : prev + " " + more;
            return;
        }
        int colon = -1;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            if (c == ':') {
                colon = i;
                break;
            }
            if (!HttpSyntax.isTchar(c)) {
                if (c == ' ' || c == '\t') {
                    throw new MalformedResponseException("whitespace between " + what + " field name "
                            + Printable.quote(b, off, i) + " and the colon (RFC 9112 §5.1)");
                }
                throw new MalformedResponseException("invalid character " + HttpSyntax.describe(c & 0xff) + " in "
                        + what + " field name " + Printable.quote(b, off, i + 1));
            }
        }
        if (colon < 0) throw new MalformedResponseException(what + " line without a colon: "
                + Printable.quote(b, off, end));
        if (colon == off) throw new MalformedResponseException("empty " + what + " field name: "
                + Printable.quote(b, off, end));
        if (fieldCount == limits.maxHeaderCount) {
            throw new LimitExceededException("maxHeaderCount", limits.maxHeaderCount, "too many " + what + " fields");
        }
        String name = FieldNames.canonical(b, off, colon);
        int vs = skipOws(b, colon + 1, end);
        int ve = trimOws(b, vs, end);
        checkValue(b, vs, ve, name);
        if (2 * fieldCount + 2 > fields.length) fields = Arrays.copyOf(fields, Math.max(fields.length * 2, FIELDS));
        fields[2 * fieldCount] = name;
        fields[2 * fieldCount + 1] = values.decode(fieldCount, name, b, vs, ve);
        fieldCount++;
    }

    private static void checkValue(byte[] b, int from, int to, String name) throws MalformedResponseException {
        for (int i = from; i < to; i++) {
            if (!HttpSyntax.isFieldValueByte(b[i])) {
                throw new MalformedResponseException("invalid character " + HttpSyntax.describe(b[i] & 0xff)
                        + " in the value of field \"" + name + "\"");
            }
        }
    }

    private static int skipOws(byte[] b, int from, int to) {
        while (from < to && (b[from] == ' ' || b[from] == '\t')) from++;
        return from;
    }

    private static int trimOws(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) to--;
        return to;
    }

    private void endOfHead(Listener listener) throws IOException {
        Headers headers = TrustedHeaders.of(Arrays.copyOf(fields, 2 * fieldCount), fieldCount);
        if (status < 200) {
            ResponseHead head = new ResponseHead(version, status, reason, headers);
            if (status == 101) {
                throw new MalformedResponseException("unexpected 101 Switching Protocols: no upgrade was requested");
            }
            interimSeen = true;
            listener.onInterim(head);
            // The final response for the same request follows. Interim heads count towards the same
            // maxResponseHeadBytes as the final one, so a server cannot send 1xx responses forever.
            state = State.STATUS_LINE;
            fieldCount = 0;
            version = null;
            return;
        }
        ResponseFraming decided = ResponseFraming.decide(version, status, headRequest, headers, framingFields);
        framing = decided.kind();
        keepAlive = decided.keepAlive();
        closeToken = decided.closeToken();
        fieldCount = 0;
        listener.onHead(new ResponseHead(version, status, reason, headers, decided.contentLength()), framing);
        switch (framing) {
            case NONE:
                complete(Headers.empty(), listener);
                break;
            case CONTENT_LENGTH:
                remaining = decided.contentLength();
                state = State.FIXED_BODY;
                break;
            case CHUNKED:
                state = State.CHUNK_SIZE;
                break;
            default:
                state = State.CLOSE_DELIMITED_BODY;
        }
    }

    private void parseChunkSize(byte[] b, int off, int end) throws MalformedResponseException {
        long size = ChunkSizeLine.parse(b, off, end);
        if (size == 0) {
            state = State.TRAILERS;
            sectionBytes = 0;
            fieldCount = 0;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
    }

    private void complete(Headers trailers, Listener listener) throws IOException {
        state = State.DONE;
        listener.onComplete(trailers);
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean startsWith(byte[] b, int off, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (b[off + i] != prefix[i]) return false;
        }
        return true;
    }
}
