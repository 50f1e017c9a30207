package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.MalformedResponseException;
import io.pipelane.Persistence;
import io.pipelane.PipelaneException;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.TlsOptions;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestCerts;
import io.pipelane.testing.TestResources;
import io.pipelane.testing.TlsEngineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.pipelane.testing.TestResources.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: a connection that ends before a response is complete gives an incomplete response, not a malformed
 * one (RFC 9112 §8, §9.3.1). The server ends the connection (FIN or RST, plain or TLS) at every byte offset of a
 * response head and body, for an idempotent and a non-idempotent request, first and pipelined behind another,
 * through a {@link Connection} (the exception type) and through the cache with {@code retry = 1} (the idempotent
 * requests complete on the next connection; no POST reaches the server twice).
 */
class CutShortResponseTest {
    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    private static final String RESPONSE = HEAD + "0123456789";
    private static final int HEAD_BYTES = HEAD.length();

    enum End { FIN, RST }

    @TempDir
    static Path keys;
    static TestCerts localhost;

    private final TestResources resources = new TestResources();

    @BeforeAll
    static void certificates() throws Exception {
        localhost = TestCerts.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
    }

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    /** Target {@code /cut/<offset>/<END>/<tag>}: the response is cut after {@code offset} bytes. */
    private static String target(int offset, End end, String tag) {
        return "/cut/" + offset + "/" + end + "/" + tag;
    }

    private static int offsetOf(String target) {
        return Integer.parseInt(target.split("/")[2]);
    }

    private static End endOf(String target) {
        return End.valueOf(target.split("/")[3]);
    }

    private static byte[] prefix(int offset) {
        return RESPONSE.substring(0, offset).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What a request whose response was cut after {@code offset} bytes must fail with. */
    private static void assertClassified(Throwable t, int offset, boolean idempotent, String where) {
        assertClassified(t, offset, idempotent, where, true);
    }

    private static void assertClassified(Throwable t, int offset, boolean idempotent, String where,
                                         boolean bytesArrive) {
        if (offset < HEAD_BYTES || !bytesArrive && !t.getMessage().contains("cut short")) {
            // No complete head: the request is unanswered (RFC 9112 §9.3.1).
            assertFalse(t instanceof MalformedResponseException, where + ": incomplete is not malformed: " + t);
            Class<? extends PipelaneException> expected = idempotent ? RetryException.class
                    : PossiblyProcessedException.class;
            assertTrue(expected.isInstance(t), where + ": expected " + expected.getSimpleName() + ", got " + t);
        } else if (idempotent) {
            // Head complete, buffered body cut: the application has nothing, the GET may be sent again.
            assertInstanceOf(RetryException.class, t, where);
            assertTrue(t.getMessage().contains("cut short"), where + ": " + t.getMessage());
        } else {
            assertInstanceOf(PipelaneException.class, t, where);
            assertFalse(t instanceof RetryException || t instanceof PossiblyProcessedException, where + ": " + t);
            assertTrue(t.getMessage().contains("cut short"), where + ": " + t.getMessage());
        }
        if (offset > 0 && bytesArrive) {
            String m = t.getMessage();
            assertTrue(m.contains("status line") || m.contains("header fields") || m.contains("bytes of the response head")
                    || m.contains("body"), where + ": the cause says where it was cut: " + m);
        }
    }

    // ------------------------------------------------------------------------------------------ plain TCP

    @ParameterizedTest
    @EnumSource(End.class)
    void everyOffsetThroughAConnection(End end) throws Exception {
        ScriptedServer server = resources.server(peer -> {
            ScriptedServer.RecordedRequest first = peer.readRequest();
            if (first.target.endsWith("/pipelined")) {
                peer.readRequest();
                peer.send(RESPONSE);
            }
            peer.send(prefix(offsetOf(first.target)));
            if (endOf(first.target) == End.RST) peer.reset();
            else peer.halfClose();
        });
        Endpoint endpoint = Endpoint.http(server.host(), server.port());
        ConnectionOptions options = ConnectionOptions.builder().persistence(Persistence.TRUE)
                .pipelineAfterNonIdempotent(true).build();
        for (int offset = 0; offset < RESPONSE.length(); offset++) {
            for (boolean idempotent : new boolean[] {true, false}) {
                for (boolean pipelined : new boolean[] {false, true}) {
                    String where = end + " after " + offset + " bytes, " + (idempotent ? "GET" : "POST")
                            + (pipelined ? ", pipelined" : ", first");
                    Connection c = resources.factory.create(endpoint, options);
                    String t = target(offset, end, pipelined ? "pipelined" : "first");
                    CompletableFuture<Response<String>> ahead = pipelined
                            ? c.call(Request.get(t), BodyHandlers.ofString()) : null;
                    Request r = idempotent ? Request.get(t + "/x") : Request.post(t + "/x", RequestBody.of("pay"));
                    CompletableFuture<Response<String>> cut = c.call(r, BodyHandlers.ofString());
                    if (ahead != null) assertEquals("0123456789", ahead.get(10, TimeUnit.SECONDS).body(), where);
                    assertClassified(failure(cut), offset, idempotent, where);
                    c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(End.class)
    void aStreamedBodyCutShortIsReportedOnTheStream(End end) throws Exception {
        ScriptedServer server = resources.server(peer -> {
            ScriptedServer.RecordedRequest r = peer.readRequest();
            peer.send(prefix(offsetOf(r.target)));
            if (endOf(r.target) == End.RST) peer.reset();
            else peer.halfClose();
        });
        Endpoint endpoint = Endpoint.http(server.host(), server.port());
        for (int offset = HEAD_BYTES; offset < RESPONSE.length(); offset++) {
            Connection c = resources.factory.create(endpoint, ConnectionOptions.defaults());
            var r = c.call(Request.get(target(offset, end, "stream")), BodyHandlers.ofInputStream());
            InputStream body = r.get(10, TimeUnit.SECONDS).body();
            IOException e = assertThrows(IOException.class, body::readAllBytes, "after " + offset);
            assertFalse(e instanceof RetryException, "the application had the response: " + e);
        }
    }

    @ParameterizedTest
    @EnumSource(End.class)
    void everyOffsetThroughTheCacheWithOneRetry(End end) throws Exception {
        Map<String, Integer> received = new ConcurrentHashMap<>();
        ScriptedServer server = resources.server(peer -> {
            for (ScriptedServer.RecordedRequest r; (r = peer.readRequest()) != null; ) {
                int seen = received.merge(r.method + " " + r.target, 1, Integer::sum);
                if (seen > 1) {
                    peer.send(RESPONSE);
                    continue;
                }
                peer.send(prefix(offsetOf(r.target)));
                if (endOf(r.target) == End.RST) peer.reset();
                else peer.halfClose();
                return;
            }
        });
        ConnectionCache cache = resources.add(resources.factory.cache(CacheOptions.builder().retry(1).build()));
        Endpoint endpoint = Endpoint.http(server.host(), server.port());
        for (int offset = 0; offset < RESPONSE.length(); offset++) {
            String t = target(offset, end, "cache");
            assertEquals("0123456789", cache.call(endpoint, Request.get(t), BodyHandlers.ofString())
                    .get(10, TimeUnit.SECONDS).body(), "GET cut after " + offset + " completes on the next connection");
            CompletableFuture<Response<String>> post = cache.call(endpoint, Request.post(t, RequestBody.of("pay")),
                    BodyHandlers.ofString());
            assertClassified(failure(post), offset, false, "POST through the cache, cut after " + offset);
        }
        received.forEach((k, n) -> {
            if (k.startsWith("POST")) assertEquals(1, n, k + " was received " + n + " times");
            else assertEquals(2, n, k + " was sent again once");
        });
    }

    // ------------------------------------------------------------------------------------------ TLS

    /** How a TLS server ends (a close_notify then FIN reads like a plain FIN and is covered above). */
    enum TlsEnd { FIN_WITHOUT_CLOSE_NOTIFY, RST }

    @ParameterizedTest
    @EnumSource(TlsEnd.class)
    void everyOffsetOverTls(TlsEnd end) throws Exception {
        TlsEngineServer server = resources.add(new TlsEngineServer(localhost.serverContext(), peer -> {
            TlsEngineServer.Req r = peer.readRequest();
            int offset = offsetOf(r.target());
            peer.send(RESPONSE.substring(0, offset));
            if (end == TlsEnd.FIN_WITHOUT_CLOSE_NOTIFY) {
                peer.finWithoutCloseNotify();
                peer.awaitEnd();
            } else {
                peer.socket().setSoLinger(true, 0);
                peer.socket().close();
            }
        }));
        ConnectionOptions options = ConnectionOptions.builder()
                .tls(TlsOptions.builder().sslContext(localhost.clientContext()).build()).build();
        Endpoint endpoint = Endpoint.https("localhost", server.port());
        for (int offset = 0; offset < RESPONSE.length(); offset++) {
            // TLS handshakes are slow on a loaded machine: GET and POST take turns over the offsets (both are
            // covered at every offset over plain TCP, where the classification is the same).
            boolean idempotent = offset % 2 == 0;
            String where = "TLS " + end + " after " + offset + " bytes, " + (idempotent ? "GET" : "POST");
            Connection c = resources.factory.create(endpoint, options);
            String t = target(offset, End.FIN, "tls");
            Request r = idempotent ? Request.get(t) : Request.post(t, RequestBody.of("pay"));
            Throwable failed = failure(c.call(r, BodyHandlers.ofString()));
            // A reset may drop the TLS records that carried the first bytes: then nothing arrived, and the
            // request is simply unanswered.
            assertClassified(failed, offset, idempotent, where, end != TlsEnd.RST);
        }
    }
}
