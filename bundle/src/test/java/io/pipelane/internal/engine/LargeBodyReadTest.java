package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.LimitExceededException;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.TlsOptions;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestCerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large buffered bodies, which the reader reads straight into their sink's array once it knows that at least
 * {@link ResponseReader#DIRECT_READ_MIN_BYTES} of them follow (the bytes that came with the head go through its read
 * buffer): pipelined bodies of every size around those boundaries arrive intact however the server's writes cut
 * them, over TCP and TLS; a body cut short there fails as cut short, saying where; the buffered-body limit still
 * holds for a chunked body read that way.
 */
class LargeBodyReadTest {
    private static final long WAIT_S = 20;
    /** Body sizes around the boundaries: the direct-read minimum, the read buffers (8 and 64 KiB), the sink's upfront capacity. */
    private static final int[] SIZES = {0, 1, 8191, 8192, 32767, 32768, 32769, 40000, 65535, 65536, 65537, 131072,
            200003};

    /** Every byte value is one character in ISO-8859-1: the bodies read as strings decode to the same bytes. */
    private static final String LATIN_1 = "Content-Type: application/octet-stream; charset=ISO-8859-1\r\n";

    @TempDir
    static Path keys;
    static TestCerts localhost;
    private ConnectionFactory factory;

    @BeforeAll
    static void certificates() throws Exception {
        localhost = TestCerts.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
    }

    @BeforeEach
    void factory() {
        factory = ConnectionFactory.builder().build();
    }

    @AfterEach
    void closeFactory() {
        factory.close();
    }

    private static byte[] body(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Every size with a {@code Content-Length}, then every size chunked (in chunks of up to 50,000 bytes), all
     * pipelined; the server writes the whole stream in pieces of {@code piece} bytes (0: one write per response
     * part: the head, then the body).
     */
    private void allSizesArriveIntact(int piece, boolean tls) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<Integer> partEnds = new ArrayList<>();
        int seed = 0;
        for (boolean chunked : new boolean[] {false, true}) {
            for (int size : SIZES) {
                byte[] b = body(size, seed++);
                bodies.add(b);
                if (!chunked) {
                    stream.writeBytes(ascii("HTTP/1.1 200 OK\r\n" + LATIN_1 + "Content-Length: " + size + "\r\n\r\n"));
                    partEnds.add(stream.size());
                    stream.writeBytes(b);
                } else {
                    stream.writeBytes(ascii("HTTP/1.1 200 OK\r\n" + LATIN_1 + "Transfer-Encoding: chunked\r\n\r\n"));
                    for (int off = 0; off < size; off += 50_000) {
                        int n = Math.min(50_000, size - off);
                        stream.writeBytes(ascii(Integer.toHexString(n) + "\r\n"));
                        partEnds.add(stream.size());
                        stream.write(b, off, n);
                        stream.writeBytes(ascii("\r\n"));
                    }
                    stream.writeBytes(ascii("0\r\n\r\n"));
                }
                partEnds.add(stream.size());
            }
        }
        byte[] all = stream.toByteArray();
        int responses = bodies.size();
        try (ScriptedServer server = new ScriptedServer(peer -> {
            peer.readRequests(responses);
            if (piece == 0) {
                int from = 0;
                for (int end : partEnds) {
                    peer.send(java.util.Arrays.copyOfRange(all, from, end));
                    from = end;
                }
            } else {
                for (int off = 0; off < all.length; off += piece) {
                    peer.send(java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + piece)));
                }
            }
            peer.awaitClientEof();
        }, tls ? localhost.serverContext() : null, 50)) {
            ConnectionOptions.Builder options = ConnectionOptions.builder().persistence(Persistence.TRUE)
                    .maxPipelineDepth(responses);
            if (tls) options.tls(TlsOptions.builder().sslContext(localhost.clientContext()).build());
            Endpoint endpoint = tls ? Endpoint.https("localhost", server.port())
                    : Endpoint.http("127.0.0.1", server.port());
            Connection c = factory.create(endpoint, options.build());
            List<CompletableFuture<Response<byte[]>>> bytes = new ArrayList<>();
            List<CompletableFuture<Response<String>>> strings = new ArrayList<>();
            for (int i = 0; i < responses; i++) {
                if (i % 3 == 2) {
                    strings.add(c.call(Request.get("/" + i), BodyHandlers.ofString()).toCompletableFuture());
                    bytes.add(null);
                } else {
                    bytes.add(c.call(Request.get("/" + i), BodyHandlers.ofByteArray()).toCompletableFuture());
                    strings.add(null);
                }
            }
            for (int i = 0; i < responses; i++) {
                String what = "response " + i + " (" + bodies.get(i).length + " bytes, "
                        + (i < SIZES.length ? "Content-Length" : "chunked") + ")";
                if (bytes.get(i) != null) {
                    assertArrayEquals(bodies.get(i), bytes.get(i).get(WAIT_S, TimeUnit.SECONDS).body(), what);
                } else {
                    String s = strings.get(i).get(WAIT_S, TimeUnit.SECONDS).body();
                    assertArrayEquals(bodies.get(i), s.getBytes(StandardCharsets.ISO_8859_1), what);
                }
            }
            c.close();
        }
    }

    @ParameterizedTest(name = "server writes of {0} bytes (0: head and body apart)")
    @ValueSource(ints = {0, 1_000, 7_777, 32_768, 65_536, 100_003, Integer.MAX_VALUE})
    void pipelinedBodiesOfEverySizeArriveIntactHoweverTheyAreCut(int piece) throws Exception {
        allSizesArriveIntact(piece, false);
    }

    @ParameterizedTest(name = "server writes of {0} bytes (0: head and body apart)")
    @ValueSource(ints = {0, 7_777, Integer.MAX_VALUE})
    void pipelinedBodiesOfEverySizeArriveIntactOverTls(int piece) throws Exception {
        allSizesArriveIntact(piece, true);
    }

    @Test
    void aLargeBodyCutShortFailsAsCutShortSayingHowMuchArrived() throws Exception {
        try (ScriptedServer server = new ScriptedServer(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n");
            peer.send(new byte[100_000]); // 100,000 bytes after the head: most of them read straight into the sink
            peer.close();
        })) {
            Connection c = factory.create(Endpoint.http("127.0.0.1", server.port()),
                    ConnectionOptions.builder().persistence(Persistence.TRUE).build());
            var r = c.call(Request.get("/cut"), BodyHandlers.ofByteArray());
            ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(WAIT_S, TimeUnit.SECONDS));
            RetryException cause = assertInstanceOf(RetryException.class, e.getCause()); // a GET, cut: sent again
            assertTrue(cause.getMessage().contains("after 100000 of 200000 body bytes"), cause.getMessage());
        }
    }

    @Test
    void aChunkedBodyOverTheLimitFailsThatResponseOnlyAndTheNextArrives() throws Exception {
        byte[] chunk = body(150_000, 1);
        try (ScriptedServer server = new ScriptedServer(peer -> {
            peer.readRequests(2);
            // No declared length: the array grows with the chunk's bytes up to the limit, then the limit fails it.
            peer.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(chunk.length)
                    + "\r\n");
            peer.send(chunk);
            peer.send("\r\n0\r\n\r\n");
            peer.respond(200, "behind");
            peer.awaitClientEof();
        })) {
            Connection c = factory.create(Endpoint.http("127.0.0.1", server.port()), ConnectionOptions.builder()
                    .persistence(Persistence.TRUE).maxBufferedBodyBytes(100_000).build());
            var big = c.call(Request.get("/big"), BodyHandlers.ofByteArray());
            var behind = c.call(Request.get("/behind"), BodyHandlers.ofString());
            ExecutionException e = assertThrows(ExecutionException.class, () -> big.get(WAIT_S, TimeUnit.SECONDS));
            LimitExceededException cause = assertInstanceOf(LimitExceededException.class, e.getCause());
            assertEquals("maxBufferedBodyBytes", cause.limit());
            assertEquals(100_000, cause.value());
            assertEquals("behind", behind.get(WAIT_S, TimeUnit.SECONDS).body());
            c.close();
        }
    }
}
