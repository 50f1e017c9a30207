package io.pipelane.internal.codec;

import io.pipelane.MalformedResponseException;
import io.pipelane.internal.codec.ParserRun.Eof;
import io.pipelane.internal.codec.ParserRun.Recorder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several responses back to back in one buffer, parsed the way a connection's reader does: {@code reset} before
 * each response (saying whether its request was HEAD), {@code feed} from where the previous response ended,
 * using the count {@code feed} returns. Each sequence is fed whole, byte by byte and split at every position,
 * and must give the same responses, ending at the same offsets.
 */
class ResponseParserPipelineTest {

    private static final String OK = "HTTP/1.1 200 OK\r\n";

    @Test
    void threeResponsesBackToBack() {
        String a = OK + "Content-Length: 5\r\n\r\nhello";
        String b = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nnot\r\n6\r\n found\r\n0\r\nX-T: 1\r\n\r\n";
        String c = "HTTP/1.1 204 No Content\r\n\r\n";
        check(a + b + c, requests(false, false, false), Eof.NONE,
                "200 [Content-Length: 5] CONTENT_LENGTH keepAlive=true body='hello' trailers=[] end=" + a.length(),
                "404 [Transfer-Encoding: chunked] CHUNKED keepAlive=true body='not found' trailers=[X-T: 1] end="
                        + (a + b).length(),
                "204 [] NONE keepAlive=true body='' trailers=[] end=" + (a + b + c).length());
    }

    @Test
    void headResponseWithContentLengthIsFollowedByTheNextResponse() {
        String head = OK + "Content-Length: 11\r\n\r\n";
        String get = OK + "Content-Length: 11\r\n\r\nhello world";
        check(head + get, requests(true, false), Eof.NONE,
                "200 [Content-Length: 11] NONE keepAlive=true body='' trailers=[] end=" + head.length(),
                "200 [Content-Length: 11] CONTENT_LENGTH keepAlive=true body='hello world' trailers=[] end="
                        + (head + get).length());
    }

    @Test
    void withoutTheHeadFlagTheNextResponseWouldBeReadAsABody() {
        // The same bytes as above, but the first request is not marked HEAD: its "body" swallows 11 bytes of the
        // next response, which then fails to parse. The HEAD flag given to reset() is what keeps them in step.
        String head = OK + "Content-Length: 11\r\n\r\n";
        String get = OK + "Content-Length: 11\r\n\r\nhello world";
        check(head + get, requests(false, false), Eof.NONE,
                "200 [Content-Length: 11] CONTENT_LENGTH keepAlive=true body='HTTP/1.1 20' trailers=[] end="
                        + (head.length() + 11),
                "error MalformedResponseException: invalid status line \"0 OK\": expected HTTP/1.x followed by a space");
    }

    @Test
    void severalHeadResponsesInARow() {
        String h1 = OK + "Transfer-Encoding: chunked\r\n\r\n";
        String h2 = "HTTP/1.1 304 Not Modified\r\nContent-Length: 40\r\n\r\n";
        String h3 = OK + "Content-Length: 3\r\n\r\n";
        String g = OK + "Content-Length: 3\r\n\r\nabc";
        check(h1 + h2 + h3 + g, requests(true, false, true, false), Eof.NONE,
                "200 [Transfer-Encoding: chunked] NONE keepAlive=true body='' trailers=[] end=" + h1.length(),
                "304 [Content-Length: 40] NONE keepAlive=true body='' trailers=[] end=" + (h1 + h2).length(),
                "200 [Content-Length: 3] NONE keepAlive=true body='' trailers=[] end=" + (h1 + h2 + h3).length(),
                "200 [Content-Length: 3] CONTENT_LENGTH keepAlive=true body='abc' trailers=[] end="
                        + (h1 + h2 + h3 + g).length());
    }

    @Test
    void interimResponsesMidPipelineDoNotConsumeARequest() {
        String first = OK + "Content-Length: 2\r\n\r\nhi";
        String second = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
        String third = "HTTP/1.1 102 Processing\r\n\r\n" + OK + "Content-Length: 1\r\n\r\nx";
        check(first + second + third, requests(false, false, false), Eof.NONE,
                "200 [Content-Length: 2] CONTENT_LENGTH keepAlive=true body='hi' trailers=[] end=" + first.length(),
                "interims=[HTTP/1.1 100 Continue [], HTTP/1.1 103 Early Hints [Link: <a>]] 201 [Content-Length: 0]"
                        + " NONE keepAlive=true body='' trailers=[] end=" + (first + second).length(),
                "interims=[HTTP/1.1 102 Processing []] 200 [Content-Length: 1] CONTENT_LENGTH keepAlive=true body='x'"
                        + " trailers=[] end=" + (first + second + third).length());
    }

    @Test
    void garbageAfterACompleteResponseFailsOnlyTheNextResponse() {
        String first = OK + "Content-Length: 2\r\n\r\nhi";
        check(first + "XYZ\r\n\r\n", requests(false, false), Eof.NONE,
                "200 [Content-Length: 2] CONTENT_LENGTH keepAlive=true body='hi' trailers=[] end=" + first.length(),
                "error MalformedResponseException: invalid status line \"XYZ\": expected HTTP/1.x followed by a space");
    }

    @Test
    void extraBodyBytesAfterAContentLengthBodyFailTheNextResponse() {
        // A server that sends more than its Content-Length: the surplus is the start of the next response.
        String first = OK + "Content-Length: 2\r\n\r\nhi";
        check(first + "!!" + OK + "Content-Length: 0\r\n\r\n", requests(false, false), Eof.NONE,
                "200 [Content-Length: 2] CONTENT_LENGTH keepAlive=true body='hi' trailers=[] end=" + first.length(),
                "error MalformedResponseException: invalid status line \"!!HTTP/1.1 200 OK\": expected HTTP/1.x"
                        + " followed by a space");
    }

    @Test
    void aConnectionCloseResponseIsReportedAsTheLastOneButDoesNotEatTheNext() {
        String first = OK + "Connection: close\r\nContent-Length: 1\r\n\r\na";
        String second = OK + "Content-Length: 1\r\n\r\nb";
        check(first + second, requests(false, false), Eof.NONE,
                "200 [Connection: close, Content-Length: 1] CONTENT_LENGTH keepAlive=false body='a' trailers=[] end="
                        + first.length(),
                "200 [Content-Length: 1] CONTENT_LENGTH keepAlive=true body='b' trailers=[] end="
                        + (first + second).length());
    }

    @Test
    void aCloseDelimitedResponseEndsThePipelineAtEndOfInput() {
        String first = OK + "Content-Length: 1\r\n\r\na";
        String last = "HTTP/1.0 200 OK\r\n\r\nthe rest\r\nHTTP/1.1 200 OK\r\n\r\n";
        check(first + last, requests(false, false, false), Eof.CLEAN,
                "200 [Content-Length: 1] CONTENT_LENGTH keepAlive=true body='a' trailers=[] end=" + first.length(),
                "200 [] CLOSE_DELIMITED keepAlive=false body='the rest\\x0D\\x0AHTTP/1.1 200 OK\\x0D\\x0A\\x0D\\x0A'"
                        + " trailers=[] end=" + (first + last).length());
    }

    @Test
    void aResponseCutByTheEndOfInputFailsAfterTheCompleteOnes() {
        String first = OK + "Content-Length: 1\r\n\r\na";
        check(first + OK + "Content-Length: 9\r\n\r\nabc", requests(false, false, false), Eof.CLEAN,
                "200 [Content-Length: 1] CONTENT_LENGTH keepAlive=true body='a' trailers=[] end=" + first.length(),
                "error MalformedResponseException: response truncated: connection closed after 3 of 9 body bytes");
    }

    @Test
    void sixteenSmallResponsesWithLfLineEndingsAndMixedFraming() {
        StringBuilder in = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String body = "r" + i;
            String r = i % 2 == 0
                    ? "HTTP/1.1 200 OK\nContent-Length: " + body.length() + "\n\n" + body
                    : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length())
                    + "\r\n" + body + "\r\n0\r\n\r\n";
            in.append(r);
            expected.add(i % 2 == 0
                    ? "200 [Content-Length: " + body.length() + "] CONTENT_LENGTH keepAlive=true body='" + body
                    + "' trailers=[] end=" + in.length()
                    : "200 [Transfer-Encoding: chunked] CHUNKED keepAlive=true body='" + body + "' trailers=[] end="
                    + in.length());
        }
        check(in.toString(), new boolean[16], Eof.NONE, expected.toArray(new String[0]));
    }

    private static boolean[] requests(boolean... head) {
        return head;
    }

    /** Runs the pipeline whole, byte by byte and split at every position; each must give {@code expected}. */
    private static void check(String input, boolean[] headRequests, Eof eof, String... expected) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        for (boolean idle : new boolean[] {false, true}) {
            String how = idle ? ", its buffers released after each response" : "";
            assertEquals(Arrays.asList(expected), run(bytes, ParserRun.whole(n), headRequests, eof, idle),
                    "fed whole" + how);
            assertEquals(Arrays.asList(expected), run(bytes, ParserRun.byteByByte(n), headRequests, eof, idle),
                    "byte by byte" + how);
            for (int at = 0; at <= n; at++) {
                assertEquals(Arrays.asList(expected), run(bytes, ParserRun.splitAt(n, at), headRequests, eof, idle),
                        "split at " + at + how);
            }
        }
    }

    /**
     * The reader loop of a connection, over the given slices; one line per response. {@code idle}: the parser lets
     * its buffers go after each response, as when the connection parks between responses.
     */
    private static List<String> run(byte[] input, List<int[]> slices, boolean[] headRequests, Eof eof,
                                    boolean idle) {
        ResponseParser parser = new ResponseParser(ParserLimits.defaults());
        List<String> out = new ArrayList<>();
        Recorder rec = null;
        boolean inResponse = false;
        int index = 0;
        try {
            for (int[] s : slices) {
                int len = s[1] - s[0];
                byte[] arr = new byte[len + 4];
                System.arraycopy(input, s[0], arr, 3, len);
                int off = 3;
                int end = 3 + len;
                while (off < end) {
                    if (!inResponse) {
                        assertTrue(index < headRequests.length, "more responses than requests");
                        parser.reset(headRequests[index++]);
                        rec = new Recorder(parser);
                        inResponse = true;
                    }
                    rec.feedArray = arr;
                    rec.feedEnd = end;
                    int used = parser.feed(arr, off, end - off, rec);
                    off += used;
                    if (parser.isComplete()) {
                        out.add(describe(rec, s[0] + off - 3));
                        inResponse = false;
                        if (idle) parser.releaseBuffers();
                    } else {
                        assertEquals(end, off, "feed stopped early without completing the response");
                    }
                }
                Arrays.fill(arr, (byte) 'Z');
            }
            if (inResponse && eof != Eof.NONE && parser.endOfInput(eof == Eof.CLEAN, rec)) {
                out.add(describe(rec, input.length));
            }
        } catch (MalformedResponseException e) {
            out.add("error " + e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static String describe(Recorder r, int end) {
        return (r.interims.isEmpty() ? "" : "interims=" + r.interims + " ") + r.head.status() + " "
                + ParserRun.fields(r.head.headers()) + " " + r.framing + " keepAlive=" + r.keepAlive + " body='"
                + ParserRun.printable(r.body.toString(StandardCharsets.ISO_8859_1)) + "' trailers="
                + ParserRun.fields(r.trailers) + " end=" + end;
    }
}
