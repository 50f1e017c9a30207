package io.pipelane.internal.codec;

import io.pipelane.Headers;
import io.pipelane.HttpVersion;
import io.pipelane.LimitExceededException;
import io.pipelane.MalformedResponseException;
import io.pipelane.ResponseHead;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support: feeds one response to a {@link ResponseParser} in given slices and records what it reports as
 * an {@link Outcome} that can be compared with {@code equals}.
 *
 * <p>Each slice is copied into a fresh array at a non-zero offset, surrounded by NUL bytes, and the array is
 * overwritten after {@code feed} returns: a parser that reads outside the slice it was given, or keeps a
 * reference to a fed array instead of copying a partial line, gives a different outcome.
 */
final class ParserRun {
    private static final int PAD = 3;

    private ParserRun() {
    }

    /** How the input ends after the last slice. */
    enum Eof { NONE, CLEAN, UNCLEAN }

    /** Everything a user of the parser can observe about one response. */
    record Outcome(List<String> interims, HttpVersion version, Integer status, String reason, List<String> headers,
                   BodyFraming framing, Boolean keepAlive, String body, List<String> trailers, boolean complete,
                   int consumed /* -1 after an error: feed returned nothing */, Boolean endOfInputResult, Class<?> errorType, String errorMessage, String limit) {

        @Override
        public String toString() {
            if (errorType != null) {
                return errorType.getSimpleName() + "(" + errorMessage + (limit == null ? "" : ", limit=" + limit)
                        + ") after " + consumed + " bytes, interims=" + interims + ", status=" + status;
            }
            return "interims=" + interims + " " + version + " " + status + " '" + reason + "' " + headers
                    + " framing=" + framing + " keepAlive=" + keepAlive + " body='" + printable(body) + "' trailers="
                    + trailers + " complete=" + complete + " consumed=" + consumed + " endOfInput=" + endOfInputResult;
        }
    }

    static String printable(String s) {
        if (s == null) return null;
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c >= 0x7f) b.append(String.format("\\x%02X", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** Slices [0, L): one feed. */
    static List<int[]> whole(int length) {
        return List.of(new int[] {0, length});
    }

    /** Slices of one byte each. */
    static List<int[]> byteByByte(int length) {
        List<int[]> slices = new ArrayList<>(length);
        for (int i = 0; i < length; i++) slices.add(new int[] {i, i + 1});
        return slices;
    }

    /** Two feeds, split at {@code at} (either may be empty). */
    static List<int[]> splitAt(int length, int at) {
        return List.of(new int[] {0, at}, new int[] {at, length});
    }

    static Outcome run(byte[] input, List<int[]> slices, boolean headRequest, ParserLimits limits, Eof eof) {
        return run(input, slices, headRequest, limits, eof, false);
    }

    /**
     * @param bodyInPlace whether each slice that starts where body bytes of known length are expected
     *                    ({@link ResponseParser#bodyBytesAhead}) hands those bytes over as a reader that reads them
     *                    straight into their sink does ({@link ResponseParser#bodyArrived}), and feeds only the rest
     */
    static Outcome run(byte[] input, List<int[]> slices, boolean headRequest, ParserLimits limits, Eof eof,
                       boolean bodyInPlace) {
        ResponseParser parser = new ResponseParser(limits);
        parser.reset(headRequest);
        Recorder rec = new Recorder(parser);
        int consumed = 0;
        Boolean eofResult = null;
        MalformedResponseException error = null;
        try {
            for (int[] slice : slices) {
                if (parser.isComplete()) break;
                int[] s = slice;
                long ahead = bodyInPlace ? parser.bodyBytesAhead() : 0;
                if (ahead > 0 && s[1] > s[0]) {
                    int k = (int) Math.min(ahead, s[1] - s[0]);
                    rec.body.write(input, s[0], k); // where the reader would have read them
                    parser.bodyArrived(k, rec);
                    consumed = s[0] + k;
                    if (parser.isComplete()) break;
                    s = new int[] {s[0] + k, s[1]};
                }
                int n = s[1] - s[0];
                byte[] arr = new byte[n + 2 * PAD];
                System.arraycopy(input, s[0], arr, PAD, n);
                rec.feedArray = arr;
                rec.feedEnd = PAD + n;
                int used = parser.feed(arr, PAD, n, rec);
                Arrays.fill(arr, (byte) 'Z');
                rec.feedArray = null;
                assertTrue(used >= 0 && used <= n, "feed returned " + used + " for a slice of " + n);
                if (used < n) assertTrue(parser.isComplete(), "feed stopped early without completing the response");
                consumed = s[0] + used;
            }
            if (!parser.isComplete() && eof != Eof.NONE) {
                eofResult = parser.endOfInput(eof == Eof.CLEAN, rec);
                assertEquals(eofResult, parser.isComplete(), "endOfInput's result vs isComplete()");
            }
        } catch (MalformedResponseException e) {
            error = e;
        } catch (java.io.IOException e) {
            throw new AssertionError("the recording listener throws nothing", e);
        }
        if (parser.isComplete()) assertEquals(1, rec.completions, "onComplete calls");
        else assertEquals(0, rec.completions, "onComplete before the response is complete");
        if (error == null && rec.head != null) {
            assertSame(rec.framing, parser.framing());
            assertTrue(parser.hasHead());
            assertSame(rec.head.version(), parser.version());
        }
        ResponseHead h = rec.head;
        return new Outcome(rec.interims, h == null ? null : h.version(), h == null ? null : h.status(),
                h == null ? null : h.reason(), h == null ? null : fields(h.headers()), rec.framing, rec.keepAlive,
                h == null ? null : rec.body.toString(StandardCharsets.ISO_8859_1),
                rec.trailers == null ? null : fields(rec.trailers), parser.isComplete(),
                error == null ? consumed : -1, eofResult,
                error == null ? null : error.getClass(), error == null ? null : error.getMessage(),
                error instanceof LimitExceededException ? ((LimitExceededException) error).limit() : null);
    }

    static List<String> fields(Headers h) {
        List<String> out = new ArrayList<>(h.size());
        for (int i = 0; i < h.size(); i++) out.add(h.name(i) + ": " + h.value(i));
        return out;
    }

    static String describe(ResponseHead head) {
        return head.version() + " " + head.status() + " " + head.reason() + " " + fields(head.headers());
    }

    /** Records the listener events, and checks their order and the zero-copy body slices. */
    static final class Recorder implements ResponseParser.Listener {
        private final ResponseParser parser;
        byte[] feedArray;
        int feedEnd;
        final List<String> interims = new ArrayList<>();
        ResponseHead head;
        BodyFraming framing;
        Boolean keepAlive;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        Headers trailers;
        int completions;

        Recorder(ResponseParser parser) {
            this.parser = parser;
        }

        @Override
        public void onInterim(ResponseHead h) {
            assertNotNull(h);
            assertTrue(h.isInterim(), "onInterim with " + h);
            if (head != null) fail("interim response after the final head");
            interims.add(describe(h));
        }

        @Override
        public void onHead(ResponseHead h, BodyFraming f) {
            if (head != null) fail("second final head " + h);
            assertFalse(h.isInterim(), "onHead with an interim status");
            head = h;
            framing = f;
            keepAlive = parser.isKeepAlive();
        }

        @Override
        public void onBody(byte[] buf, int off, int len) {
            if (head == null || completions > 0) fail("body bytes outside a response body");
            assertSame(feedArray, buf, "body slices are views of the fed array");
            assertTrue(len > 0, "empty body slice");
            assertTrue(off >= PAD && off + len <= feedEnd, "body slice outside the fed bytes");
            body.write(buf, off, len);
        }

        @Override
        public void onComplete(Headers t) {
            if (head == null) fail("onComplete before the final head");
            completions++;
            trailers = t;
        }
    }
}
