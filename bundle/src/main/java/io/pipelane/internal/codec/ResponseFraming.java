package io.pipelane.internal.codec;

import io.pipelane.Headers;
import io.pipelane.HttpVersion;
import io.pipelane.MalformedResponseException;

/**
 * How a final response's body is framed (RFC 9112 §6.3) and whether the connection persists after it (§9.3): every
 * framing decision of the response parser is taken here, from the parsed head, in this order.
 *
 * <ol>
 *   <li>Framing conflicts are refused whatever the status and the request method: {@code Transfer-Encoding} in
 *       an HTTP/1.0 response (§6.1), and {@code Transfer-Encoding} together with {@code Content-Length} (§6.3
 *       rule 3 says such a message "ought to be handled as an error"). This includes a response to HEAD and a
 *       304, which frame no body: a server that disagrees with itself about framing cannot be trusted with the
 *       responses pipelined behind it, where a smuggled response would be taken for the next one.</li>
 *   <li>Rule 1: a response to HEAD, a 204 and a 304 end at the empty line after the head, "regardless of the
 *       header fields present". Their {@code Content-Length} and {@code Transfer-Encoding} values are not
 *       interpreted (a HEAD response's {@code Content-Length: abc}, or two different values, is no error); they
 *       stay in the head's fields exactly as received, for the application to read. (1xx heads never reach this
 *       class: the parser hands them on as interim responses.)</li>
 *   <li>Rule 2 does not apply (no CONNECT). Rules 3 and 4: {@code Transfer-Encoding} ending in {@code chunked}
 *       frames a chunked body; another final coding makes the body close-delimited.</li>
 *   <li>Rule 5: {@code Content-Length} (several fields or list members must all be equal) frames a body of that
 *       length; an invalid value is an error.</li>
 *   <li>Rule 7: otherwise the body ends when the server closes the connection.</li>
 * </ol>
 *
 * <p>Immutable. One instance per head with a {@code Content-Length} body; shared constants otherwise.
 */
public final class ResponseFraming {
    private final BodyFraming kind;
    private final long contentLength;
    private final boolean keepAlive;
    private final boolean closeToken;

    private ResponseFraming(BodyFraming kind, long contentLength, boolean keepAlive, boolean closeToken) {
        this.kind = kind;
        this.contentLength = contentLength;
        this.keepAlive = keepAlive;
        this.closeToken = closeToken;
    }

    /** How the body ends. */
    public BodyFraming kind() {
        return kind;
    }

    /** The body length for {@link BodyFraming#CONTENT_LENGTH} (positive), 0 for {@link BodyFraming#NONE}, else -1. */
    public long contentLength() {
        return contentLength;
    }

    /**
     * Whether the connection may carry another response after this one: HTTP/1.1 without the {@code close}
     * connection option, or HTTP/1.0 with {@code keep-alive} and without {@code close}, and a body that is not
     * close-delimited.
     */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** Whether the head carried the {@code close} connection option (requests written after it are not processed). */
    public boolean closeToken() {
        return closeToken;
    }

    /**
     * Decides the framing of a final (status 200 or above) response, in one pass over its fields: the
     * {@code Content-Length} values, the transfer codings and the connection options are gathered together, and
     * an invalid value is reported only if the framing rule that would use it applies.
     *
     * @param headRequest whether the request was HEAD
     * @throws MalformedResponseException naming the conflict or the invalid {@code Content-Length}
     */
    public static ResponseFraming decide(HttpVersion version, int status, boolean headRequest, Headers h)
            throws MalformedResponseException {
        return decide(version, status, headRequest, h, new Fields());
    }

    /** {@link #decide(HttpVersion, int, boolean, Headers)} with a gatherer the caller reuses (a parser's). */
    static ResponseFraming decide(HttpVersion version, int status, boolean headRequest, Headers h, Fields f)
            throws MalformedResponseException {
        f.reset();
        for (int i = 0, size = h.size(); i < size; i++) f.add(h.name(i), h.value(i));
        if (f.transferEncoding) {
            if (version == HttpVersion.HTTP_1_0) {
                throw new MalformedResponseException("HTTP/1.0 response with Transfer-Encoding (RFC 9112 §6.1: faulty framing)");
            }
            if (f.contentLengthFields) {
                throw new MalformedResponseException("response with both Transfer-Encoding and Content-Length"
                        + " (RFC 9112 §6.3: request smuggling risk)");
            }
        }
        boolean persistent = version == HttpVersion.HTTP_1_1 ? !f.close : f.keepAliveToken && !f.close;
        if (headRequest || status == 204 || status == 304) return of(BodyFraming.NONE, 0, persistent, f.close);
        if (f.transferEncoding) {
            if (f.codingError != null) throw f.codingError;
            if (f.chunkedCount > 1) throw new MalformedResponseException("Transfer-Encoding applies chunked more than once");
            if (f.lastCoding == null) throw new MalformedResponseException("empty Transfer-Encoding");
            if (!f.lastCoding.equalsIgnoreCase("chunked")) return of(BodyFraming.CLOSE_DELIMITED, -1, false, f.close);
            return of(BodyFraming.CHUNKED, -1, persistent, f.close);
        }
        if (f.lengthError != null) throw f.lengthError;
        if (f.length < 0) return of(BodyFraming.CLOSE_DELIMITED, -1, false, f.close);
        if (f.length == 0) return of(BodyFraming.NONE, 0, persistent, f.close);
        return new ResponseFraming(BodyFraming.CONTENT_LENGTH, f.length, persistent, f.close);
    }

    // the framings without a length, shared: [kind][persistent][close token]
    private static final ResponseFraming[][][] SHARED = new ResponseFraming[BodyFraming.values().length][2][2];

    static {
        for (BodyFraming k : BodyFraming.values()) {
            for (int p = 0; p < 2; p++) {
                for (int c = 0; c < 2; c++) {
                    SHARED[k.ordinal()][p][c] = new ResponseFraming(k, k == BodyFraming.NONE ? 0 : -1, p == 1, c == 1);
                }
            }
        }
    }

    private static ResponseFraming of(BodyFraming kind, long length, boolean persistent, boolean close) {
        return SHARED[kind.ordinal()][persistent ? 1 : 0][close ? 1 : 0];
    }

    /**
     * What the framing rules need from the fields, gathered in one pass; errors kept until a rule needs the value.
     * A parser keeps one and reuses it for every head (not thread-safe).
     */
    static final class Fields {
        boolean contentLengthFields;
        long length = -1;
        MalformedResponseException lengthError;
        boolean transferEncoding;
        int chunkedCount;
        String lastCoding;
        MalformedResponseException codingError;
        boolean close;
        boolean keepAliveToken;

        void reset() {
            contentLengthFields = false;
            length = -1;
            lengthError = null;
            transferEncoding = false;
            chunkedCount = 0;
            lastCoding = null;
            codingError = null;
            close = false;
            keepAliveToken = false;
        }

        void add(String name, String value) {
            switch (name.length()) {
                case 14:
                    if (name.equalsIgnoreCase("Content-Length")) contentLength(value);
                    break;
                case 17:
                    if (name.equalsIgnoreCase("Transfer-Encoding")) transferCodings(value);
                    break;
                case 10:
                    if (name.equalsIgnoreCase("Connection")) connectionOptions(value);
                    break;
                default:
                    break;
            }
        }

        /** Rule 5: several fields or list members must all be equal. Walks the value in place. */
        private void contentLength(String value) {
            contentLengthFields = true;
            if (lengthError != null) return;
            int start = 0;
            int comma;
            do {
                comma = value.indexOf(',', start);
                try {
                    long n = parseDecimal(value, start, comma < 0 ? value.length() : comma);
                    if (length >= 0 && n != length) {
                        lengthError = new MalformedResponseException("conflicting Content-Length values " + length
                                + " and " + n);
                        return;
                    }
                    length = n;
                } catch (MalformedResponseException e) {
                    lengthError = e;
                    return;
                }
                start = comma + 1;
            } while (comma >= 0);
        }

        /** Rules 3 and 4: the codings, in order; {@code chunked} must be last and only once. */
        private void transferCodings(String value) {
            transferEncoding = true;
            if (codingError != null) return;
            for (String coding : value.split(",", -1)) {
                String c = coding.trim();
                int semi = c.indexOf(';');
                if (semi >= 0) c = c.substring(0, semi).trim();
                if (c.isEmpty()) continue;
                if (!HttpSyntax.isToken(c)) {
                    codingError = new MalformedResponseException("invalid transfer coding " + HttpSyntax.quote(c));
                    return;
                }
                if (c.equalsIgnoreCase("chunked")) chunkedCount++;
                lastCoding = c;
            }
        }

        /** The {@code close} and {@code keep-alive} connection options, compared case-insensitively. */
        private void connectionOptions(String value) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                int from = start;
                while (from < end && HttpSyntax.isWhitespace(value.charAt(from))) from++;
                int to = end;
                while (to > from && HttpSyntax.isWhitespace(value.charAt(to - 1))) to--;
                int n = to - from;
                if (n == 5 && value.regionMatches(true, from, "close", 0, 5)) close = true;
                if (n == 10 && value.regionMatches(true, from, "keep-alive", 0, 10)) keepAliveToken = true;
                if (comma < 0) break;
                start = comma + 1;
            }
        }
    }

    /**
     * {@code 1*DIGIT} in {@code s[from, to)}, optional whitespace around it. Any number of digits (RFC 9110 §8.6
     * sets no limit): overflow is detected by value, so leading zeros never make a valid length fail.
     */
    static long parseDecimal(String s, int from, int to) throws MalformedResponseException {
        while (from < to && HttpSyntax.isWhitespace(s.charAt(from))) from++;
        while (to > from && HttpSyntax.isWhitespace(s.charAt(to - 1))) to--;
        if (from == to) throw invalidLength(s, from, to, "");
        long n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') throw invalidLength(s, from, to, "");
            int d = c - '0';
            if (n > (Long.MAX_VALUE - d) / 10) throw invalidLength(s, from, to, ": larger than 2^63-1");
            n = n * 10 + d;
        }
        return n;
    }

    private static MalformedResponseException invalidLength(String s, int from, int to, String why) {
        return new MalformedResponseException("invalid Content-Length " + HttpSyntax.quote(s.substring(from, to)) + why);
    }
}
