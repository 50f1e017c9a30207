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
    private static final ResponseFraming NONE_PERSISTENT = new ResponseFraming(BodyFraming.NONE, 0, true);
    private static final ResponseFraming NONE_CLOSE = new ResponseFraming(BodyFraming.NONE, 0, false);
    private static final ResponseFraming CHUNKED_PERSISTENT = new ResponseFraming(BodyFraming.CHUNKED, -1, true);
    private static final ResponseFraming CHUNKED_CLOSE = new ResponseFraming(BodyFraming.CHUNKED, -1, false);
    private static final ResponseFraming CLOSE_DELIMITED = new ResponseFraming(BodyFraming.CLOSE_DELIMITED, -1, false);

    private final BodyFraming kind;
    private final long contentLength;
    private final boolean keepAlive;

    private ResponseFraming(BodyFraming kind, long contentLength, boolean keepAlive) {
        this.kind = kind;
        this.contentLength = contentLength;
        this.keepAlive = keepAlive;
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

    /**
     * Decides the framing of a final (status 200 or above) response.
     *
     * @param headRequest whether the request was HEAD
     * @throws MalformedResponseException naming the conflict or the invalid {@code Content-Length}
     */
    public static ResponseFraming decide(HttpVersion version, int status, boolean headRequest, Headers h)
            throws MalformedResponseException {
        boolean hasTe = h.contains("Transfer-Encoding");
        if (hasTe) {
            if (version == HttpVersion.HTTP_1_0) {
                throw new MalformedResponseException("HTTP/1.0 response with Transfer-Encoding (RFC 9112 §6.1: faulty framing)");
            }
            if (h.contains("Content-Length")) {
                throw new MalformedResponseException("response with both Transfer-Encoding and Content-Length"
                        + " (RFC 9112 §6.3: request smuggling risk)");
            }
        }
        boolean persistent = version == HttpVersion.HTTP_1_1
                ? !h.containsToken("Connection", "close")
                : h.containsToken("Connection", "keep-alive") && !h.containsToken("Connection", "close");
        if (headRequest || status == 204 || status == 304) return persistent ? NONE_PERSISTENT : NONE_CLOSE;
        if (hasTe) {
            if (!chunkedIsLast(h)) return CLOSE_DELIMITED;
            return persistent ? CHUNKED_PERSISTENT : CHUNKED_CLOSE;
        }
        long length = contentLength(h);
        if (length < 0) return CLOSE_DELIMITED;
        if (length == 0) return persistent ? NONE_PERSISTENT : NONE_CLOSE;
        return new ResponseFraming(BodyFraming.CONTENT_LENGTH, length, persistent);
    }

    /** Whether the transfer codings end in {@code chunked}; {@code chunked} twice is an error. */
    private static boolean chunkedIsLast(Headers h) throws MalformedResponseException {
        int chunkedCount = 0;
        String last = null;
        for (String value : h.all("Transfer-Encoding")) {
            for (String coding : value.split(",", -1)) {
                String c = coding.trim();
                int semi = c.indexOf(';');
                if (semi >= 0) c = c.substring(0, semi).trim();
                if (c.isEmpty()) continue;
                if (!HttpSyntax.isToken(c)) {
                    throw new MalformedResponseException("invalid transfer coding " + HttpSyntax.quote(c));
                }
                if (c.equalsIgnoreCase("chunked")) chunkedCount++;
                last = c;
            }
        }
        if (chunkedCount > 1) throw new MalformedResponseException("Transfer-Encoding applies chunked more than once");
        if (last == null) throw new MalformedResponseException("empty Transfer-Encoding");
        return last.equalsIgnoreCase("chunked");
    }

    /** The Content-Length, -1 if absent; several equal values are accepted (RFC 9112 §6.3, point 5). */
    private static long contentLength(Headers h) throws MalformedResponseException {
        // Runs for every response: walks the fields and the comma-separated parts in place (no list, no split
        // array, no substring).
        long result = -1;
        for (int i = 0, size = h.size(); i < size; i++) {
            if (!h.name(i).equalsIgnoreCase("Content-Length")) continue;
            String value = h.value(i);
            int start = 0;
            int comma;
            do {
                comma = value.indexOf(',', start);
                long n = parseDecimal(value, start, comma < 0 ? value.length() : comma);
                if (result >= 0 && n != result) {
                    throw new MalformedResponseException("conflicting Content-Length values " + result + " and " + n);
                }
                result = n;
                start = comma + 1;
            } while (comma >= 0);
        }
        return result;
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
