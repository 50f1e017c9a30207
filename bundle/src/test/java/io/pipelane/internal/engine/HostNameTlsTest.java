package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.ProxyOptions;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.TlsOptions;
import io.pipelane.testing.TestCerts;
import io.pipelane.testing.TestProxy;
import io.pipelane.testing.TlsEngineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host names on the wire and in TLS, against a real TLS server: a trailing dot and an underscore (names the JDK's
 * SNI and certificate checks refuse), a caller's {@code Host} header, and full-width delimiters.
 *
 * <p>No resolver knows {@code localhost.} or {@code a_b.svc.test} on a test machine, so these connections go
 * through {@link TestProxy}'s CONNECT tunnel, whose own host table maps them to 127.0.0.1: the client resolves
 * nothing, and sends SNI, verifies the certificate and writes {@code Host} exactly as it would for a direct
 * connection.
 */
class HostNameTlsTest {
    private static final long WAIT_S = 10;

    @TempDir
    static Path keys;
    static TestCerts localhost;
    static TestCerts wildcardSvc;
    static TestCerts other;

    private ConnectionFactory factory;
    private TestProxy proxy;

    @BeforeAll
    static void certificates() throws Exception {
        localhost = TestCerts.generate(keys, "localhost", "dns:localhost");
        // keytool refuses '_' in a DNS name; a wildcard certificate is how such names are usually served.
        wildcardSvc = TestCerts.generate(keys, "svc", "dns:*.svc.test");
        other = TestCerts.generate(keys, "other", "dns:other.example");
    }

    @BeforeEach
    void open() throws Exception {
        factory = ConnectionFactory.builder().build();
        proxy = new TestProxy(null);
    }

    @AfterEach
    void close() throws Exception {
        factory.close();
        proxy.close();
    }

    private ConnectionOptions through(TestCerts trusted) throws Exception {
        return ConnectionOptions.builder()
                .tls(TlsOptions.builder().sslContext(trusted.clientContext()).build())
                .proxy(ProxyOptions.of("127.0.0.1", proxy.port()))
                .build();
    }

    /** Serves one request, recording it and the SNI names the client sent. */
    private static TlsEngineServer server(TestCerts cert, BlockingQueue<Object> seen) throws Exception {
        return new TlsEngineServer(cert.serverContext(), peer -> {
            TlsEngineServer.Req r = peer.readRequest();
            seen.add(peer.sniHostNames());
            seen.add(r);
            peer.respond(200, "hello " + r.header("Host"));
            peer.awaitEnd();
        });
    }

    @Test
    void trailingDotIsLeftOutOfSniAndTheCertificateCheckButKeptInHost() throws Exception {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        try (TlsEngineServer server = server(localhost, seen)) {
            proxy.resolve("localhost.", "127.0.0.1");
            Connection c = factory.create(Endpoint.https("localhost.", server.port()), through(localhost));
            Response<String> r = c.call(Request.get("/"), BodyHandlers.ofString()).get(WAIT_S, TimeUnit.SECONDS);
            assertEquals("hello localhost.:" + server.port(), r.body(), "Host keeps the dot, as curl sends it");
            assertEquals(List.of("localhost"), seen.poll(WAIT_S, TimeUnit.SECONDS), "SNI without the dot");
            assertEquals("CONNECT localhost.:" + server.port(), proxy.seen().get(0).toString());
            c.close();
        }
    }

    @Test
    void nameWithUnderscoreConnectsWithoutSniAndItsCertificateIsStillChecked() throws Exception {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        try (TlsEngineServer server = server(wildcardSvc, seen)) {
            proxy.resolve("a_b.svc.test", "127.0.0.1");
            Connection c = factory.create(Endpoint.of("https://a_b.svc.test:" + server.port()), through(wildcardSvc));
            Response<String> r = c.call(Request.get("/"), BodyHandlers.ofString()).get(WAIT_S, TimeUnit.SECONDS);
            assertEquals("hello a_b.svc.test:" + server.port(), r.body());
            assertEquals(List.of(), seen.poll(WAIT_S, TimeUnit.SECONDS), "no SNI: the JDK refuses the name");
            c.close();
        }
    }

    @Test
    void nameWithUnderscoreAndACertificateForAnotherNameIsRefused() throws Exception {
        try (TlsEngineServer server = new TlsEngineServer(other.serverContext(), peer -> peer.awaitEnd())) {
            proxy.resolve("a_b.svc.test", "127.0.0.1");
            ExecutionException e = assertThrows(ExecutionException.class, () -> factory
                    .connect(Endpoint.of("https://a_b.svc.test:" + server.port()), through(other))
                    .toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS));
            SSLPeerUnverifiedException cause = assertInstanceOf(SSLPeerUnverifiedException.class, e.getCause());
            assertTrue(cause.getMessage().contains("does not name \"a_b.svc.test\""), cause.getMessage());
            assertTrue(cause.getMessage().contains("other.example"), cause.getMessage());
        }
    }

    @Test
    void callersHostReplacesTheEndpointsAndIsSentOnce() throws Exception {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        try (TlsEngineServer server = server(localhost, seen)) {
            proxy.resolve("localhost", "127.0.0.1");
            Connection c = factory.create(Endpoint.https("localhost", server.port()), through(localhost));
            Request request = Request.builder("GET", "/").header("Host", "virtual.example").build();
            c.call(request, BodyHandlers.ofString()).get(WAIT_S, TimeUnit.SECONDS);
            seen.poll(WAIT_S, TimeUnit.SECONDS);
            TlsEngineServer.Req received = (TlsEngineServer.Req) seen.poll(WAIT_S, TimeUnit.SECONDS);
            assertNotNull(received);
            long hostLines = received.headerLines.stream().filter(l -> l.regionMatches(true, 0, "host:", 0, 5)).count();
            assertEquals(1, hostLines, "Host lines on the wire: " + received.headerLines);
            assertEquals("virtual.example", received.header("Host"));
            c.close();
        }
    }

    @Test
    void fullWidthNumberSignIsRefusedBeforeAnythingReachesTheProxy() throws Exception {
        // Before: IDN.toASCII without STD3 rules gave "evil.example#.trusted.example", and the proxy received
        // "GET http://evil.example#.trusted.example/", a request for evil.example.
        ConnectionOptions viaProxy = ConnectionOptions.builder().proxy(ProxyOptions.of("127.0.0.1", proxy.port()))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> factory.create(Endpoint.http("evil.example\uff03.trusted.example", 80), viaProxy));
        assertTrue(e.getMessage().contains("invalid international host name"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> factory.create(Endpoint.of("http://evil.example\uff03.trusted.example/"), viaProxy));
        assertEquals(0, proxy.connections(), "nothing reached the proxy");
    }
}
