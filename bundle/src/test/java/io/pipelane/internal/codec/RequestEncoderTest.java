package io.pipelane.internal.codec;

import io.pipelane.Headers;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.internal.codec.RequestEncoder.Framing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exact bytes of request heads (RFC 9112 §3). */
class RequestEncoderTest {

    /** Encodes the head, checks the returned byte count, and returns the head as text. */
    private static String encode(Request r, String authority, String absoluteScheme, boolean close, Headers extra,
                                 int capacity) {
        long length = r.body().contentLength();
        Framing framing = RequestEncoder.framingFor(r.method(), length, true);
        RecordingOutputStream sink = new RecordingOutputStream();
        BatchOutput out = new BatchOutput(sink, capacity);
        try {
            int n = RequestEncoder.writeHead(r, authority, absoluteScheme, framing, length, close, extra, out);
            out.flush();
            assertEquals(sink.bytes().length, n, "returned head length");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.text();
    }

    private static String encode(Request r, String authority) {
        return encode(r, authority, null, false, null, 4096);
    }

    @Test
    void getAddsHostFromTheAuthorityAndNoContentLength() {
        assertEquals("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", encode(Request.get("/"), "example.com"));
    }

    @Test
    void getKeepsTheTargetAndTheHeaderOrder() {
        Request r = Request.builder("GET", "/search?q=a%20b&n=1").header("Accept", "application/json")
                .header("X-Trace", "1").header("accept", "text/plain").build();
        assertEquals("GET /search?q=a%20b&n=1 HTTP/1.1\r\nHost: api.example:8080\r\nAccept: application/json\r\n"
                + "X-Trace: 1\r\naccept: text/plain\r\n\r\n", encode(r, "api.example:8080"));
    }

    @Test
    void postWithABodyCarriesItsContentLength() {
        Request r = Request.builder("POST", "/items").header("Content-Type", "text/plain")
                .body(RequestBody.of("hello")).build();
        assertEquals("POST /items HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: 5"
                + "\r\n\r\n", encode(r, "example.com"));
    }

    @Test
    void emptyPostSendsContentLengthZero() {
        assertEquals("POST /ping HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
                encode(Request.post("/ping", RequestBody.empty()), "example.com"));
    }

    @Test
    void bodyOfUnknownLengthIsChunkedOnceAllowed() {
        Request r = Request.post("/upload", RequestBody.ofStream(() -> java.io.InputStream.nullInputStream()));
        assertEquals("POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n",
                encode(r, "example.com"));
    }

    @ParameterizedTest(name = "{0} with {1} bytes, chunked allowed: {2} => {3}")
    @CsvSource({
        "GET, 0, false, NONE",
        "HEAD, 0, false, NONE",
        "DELETE, 0, false, NONE",
        "OPTIONS, 0, false, NONE",
        "TRACE, 0, false, NONE",
        "POST, 0, false, CONTENT_LENGTH",
        "PUT, 0, false, CONTENT_LENGTH",
        "PATCH, 0, false, CONTENT_LENGTH",
        "PURGE, 0, false, CONTENT_LENGTH",
        "GET, 3, false, CONTENT_LENGTH",
        "DELETE, 10, true, CONTENT_LENGTH",
        "POST, -1, true, CHUNKED",
        "GET, -1, true, CHUNKED",
    })
    void framingFollowsTheMethodAndTheLength(String method, long length, boolean chunkedAllowed, Framing expected) {
        assertEquals(expected, RequestEncoder.framingFor(method, length, chunkedAllowed));
    }

    @Test
    void unknownLengthBeforePipeliningIsKnownIsRefused() {
        assertThrows(IllegalStateException.class, () -> RequestEncoder.framingFor("POST", -1, false));
    }

    @Test
    void connectionCloseWhenAsked() {
        assertEquals("GET /bye HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
                encode(Request.get("/bye"), "example.com", null, true, null, 4096));
    }

    @Test
    void connectionCloseComesAfterTheFramingHeader() {
        Request r = Request.put("/x", RequestBody.of(new byte[3]));
        assertEquals("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\n",
                encode(r, "h", null, true, null, 4096));
    }

    @Test
    void theRequestsOwnHostIsKeptAndNotDuplicated() {
        Request r = Request.builder("GET", "/").header("Accept", "*/*").header("Host", "virtual.example").build();
        assertEquals("GET / HTTP/1.1\r\nAccept: */*\r\nHost: virtual.example\r\n\r\n", encode(r, "10.0.0.1:8080"));
    }

    @Test
    void theRequestsOwnHostMatchesWhateverItsCase() {
        Request r = Request.builder("GET", "/").header("host", "virtual.example").build();
        String head = encode(r, "10.0.0.1:8080");
        assertEquals("GET / HTTP/1.1\r\nhost: virtual.example\r\n\r\n", head);
    }

    @Test
    void absoluteFormForAProxy() {
        Request r = Request.get("/a/b?c=d");
        assertEquals("GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
                encode(r, "example.com:8080", "http", false, null, 4096));
    }

    @Test
    void asteriskForm() {
        Request r = Request.builder("OPTIONS", "*").build();
        assertEquals("OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", encode(r, "example.com"));
    }

    @Test
    void asteriskFormThroughAProxyNamesTheServer() {
        // RFC 9112 §3.2.4: the client sends the absolute-form with an empty path; the last proxy sends "*".
        Request r = Request.builder("OPTIONS", "*").build();
        assertEquals("OPTIONS http://example.com:8001 HTTP/1.1\r\nHost: example.com:8001\r\n\r\n",
                encode(r, "example.com:8001", "http", false, null, 4096));
    }

    @Test
    void connectionHeadersComeAfterTheRequestsOwn() {
        Request r = Request.builder("GET", "/").header("Accept", "*/*").build();
        Headers extra = Headers.of("Proxy-Authorization", "Basic dTpw");
        assertEquals("GET http://h/ HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nProxy-Authorization: Basic dTpw\r\n"
                + "Connection: close\r\n\r\n", encode(r, "h", "http", true, extra, 4096));
    }

    @Test
    void latin1ValuesAreOneBytePerCharacter() {
        Request r = Request.builder("GET", "/").header("X-Name", "caf\u00e9").build();
        RecordingOutputStream sink = new RecordingOutputStream();
        BatchOutput out = new BatchOutput(sink, 256);
        try {
            RequestEncoder.writeHead(r, "h", null, Framing.NONE, 0, false, null, out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = sink.bytes();
        byte[] expected = "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u00e9\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertArrayEquals(expected, bytes);
        assertEquals((byte) 0xE9, bytes[bytes.length - 5]);
    }

    @Test
    void aBufferSmallerThanTheHeadGivesTheSameBytes() {
        Request r = Request.builder("GET", "/" + "p".repeat(40)).header("X-Long", "v".repeat(50))
                .header("X-Short", "s").build();
        String big = encode(r, "example.com", null, true, null, 4096);
        String small = encode(r, "example.com", null, true, null, 8);
        assertEquals(big, small);
    }

    @Test
    void theReturnedLengthCountsOnlyThisHead() throws IOException {
        RecordingOutputStream sink = new RecordingOutputStream();
        BatchOutput out = new BatchOutput(sink, 32);
        out.write("previous-body".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        int n = RequestEncoder.writeHead(Request.get("/" + "x".repeat(30)), "example.com", null, Framing.NONE, 0,
                false, null, out);
        out.flush();
        String all = sink.text();
        assertTrue(all.startsWith("previous-body"));
        assertEquals(all.length() - "previous-body".length(), n);
    }

    @Test
    void pipelinedHeadsGoOutInOneWrite() throws IOException {
        RecordingOutputStream sink = new RecordingOutputStream();
        BatchOutput out = new BatchOutput(sink, 16 * 1024);
        for (int i = 0; i < 10; i++) {
            RequestEncoder.writeHead(Request.get("/r" + i), "example.com", null, Framing.NONE, 0, false, null, out);
        }
        assertEquals(0, sink.writes.size(), "nothing written before flush");
        out.flush();
        assertEquals(1, sink.writes.size());
        assertEquals(1, out.writeCalls());
        String all = sink.text();
        for (int i = 0; i < 10; i++) assertTrue(all.contains("GET /r" + i + " HTTP/1.1\r\n"));
        assertEquals(10, Arrays.stream(all.split("\r\n\r\n", -1)).filter(s -> !s.isEmpty()).count());
    }
}
