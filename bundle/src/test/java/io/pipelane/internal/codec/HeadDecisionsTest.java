package io.pipelane.internal.codec;

import io.pipelane.Headers;
import io.pipelane.ResponseHead;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What the parser decides from a final head in its one pass over the fields: the framing, whether the connection
 * persists, whether the head carried {@code Connection: close}, and the body length the head reports
 * ({@link ResponseHead#bodyLength()}, which the byte-array sink sizes its array from). Each case is fed whole,
 * byte by byte and split at every position.
 */
class HeadDecisionsTest {
    /** framing, keep-alive, close token, body length. */
    record Decided(BodyFraming framing, boolean keepAlive, boolean closeToken, long bodyLength) {
    }

    private static final String[][] CASES = {
        // name, head request?, input, expected: framing keepAlive closeToken bodyLength
        {"Content-Length", "no", "HTTP/1.1 200 OK\r\nServer: a\r\nContent-Length: 5\r\n\r\nhello", "CONTENT_LENGTH true false 5"},
        {"Content-Length: 0", "no", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "NONE true false 0"},
        {"equal Content-Length list", "no", "HTTP/1.1 200 OK\r\ncontent-length: 3, 3\r\n\r\nabc", "CONTENT_LENGTH true false 3"},
        {"Connection: close", "no", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "CONTENT_LENGTH false true 2"},
        {"close among other options, any case", "no", "HTTP/1.1 200 OK\r\nconnection: Upgrade , CLOSE\r\nContent-Length: 2\r\n\r\nok", "CONTENT_LENGTH false true 2"},
        {"a token that only contains close", "no", "HTTP/1.1 200 OK\r\nConnection: closed, xclose\r\nContent-Length: 2\r\n\r\nok", "CONTENT_LENGTH true false 2"},
        {"HTTP/1.0 keep-alive", "no", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", "CONTENT_LENGTH true false 2"},
        {"HTTP/1.0 without keep-alive", "no", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "CONTENT_LENGTH false false 2"},
        {"chunked", "no", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "CHUNKED true false -1"},
        {"close-delimited", "no", "HTTP/1.1 200 OK\r\nServer: a\r\n\r\n", "CLOSE_DELIMITED false false -1"},
        {"HEAD response with Content-Length", "yes", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", "NONE true false 0"},
        {"HEAD response with Content-Length: abc", "yes", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", "NONE true false 0"},
        {"204 with Connection: close", "no", "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", "NONE false true 0"},
        {"304", "no", "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", "NONE true false 0"},
    };

    @Test
    void everyDecisionAtEverySplit() throws IOException {
        for (String[] c : CASES) {
            byte[] input = c[2].getBytes(StandardCharsets.ISO_8859_1);
            String[] e = c[3].split(" ");
            Decided expected = new Decided(BodyFraming.valueOf(e[0]), Boolean.parseBoolean(e[1]),
                    Boolean.parseBoolean(e[2]), Long.parseLong(e[3]));
            List<List<int[]>> slicings = new ArrayList<>();
            slicings.add(ParserRun.whole(input.length));
            slicings.add(ParserRun.byteByByte(input.length));
            for (int at = 0; at <= input.length; at++) slicings.add(ParserRun.splitAt(input.length, at));
            for (List<int[]> slices : slicings) {
                assertEquals(expected, decide(input, slices, c[1].equals("yes")), c[0]);
            }
        }
    }

    private static Decided decide(byte[] input, List<int[]> slices, boolean headRequest) throws IOException {
        ResponseParser parser = new ResponseParser(ParserLimits.defaults());
        parser.reset(headRequest);
        Decided[] decided = new Decided[1];
        ResponseParser.Listener listener = new ResponseParser.Listener() {
            @Override
            public void onInterim(ResponseHead head) {
            }

            @Override
            public void onHead(ResponseHead head, BodyFraming framing) {
                decided[0] = new Decided(framing, parser.isKeepAlive(), parser.hasCloseToken(), head.bodyLength());
            }

            @Override
            public void onBody(byte[] b, int off, int len) {
            }

            @Override
            public void onComplete(Headers trailers) {
            }
        };
        for (int[] s : slices) {
            int off = s[0];
            while (off < s[1] && !parser.isComplete()) off += parser.feed(input, off, s[1] - off, listener);
        }
        assertNotNull(decided[0], "a final head");
        return decided[0];
    }
}
