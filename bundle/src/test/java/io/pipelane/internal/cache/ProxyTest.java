package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.ProxyException;
import io.pipelane.ProxyOptions;
import io.pipelane.ProxyRules;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.TlsOptions;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.ConfigSource;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.ScriptedServer.RecordedRequest;
import io.pipelane.testing.TestProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forwarding and CONNECT tunnels through a proxy on loopback, alone and through the cache. */
class ProxyTest {
    private static SSLContext serverTls;
    private static SSLContext clientTls;

    private final ConnectionFactory factory = ConnectionFactory.builder().build();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static synchronized void certificates(@TempDir Path dir) throws Exception {
        if (serverTls != null) return; // made once per test JVM: keytool takes seconds
        // A self-signed certificate for 127.0.0.1, made with the JDK's keytool: no key is checked in.
        Path file = dir.resolve("origin.p12");
        char[] password = "changeit".toCharArray();
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-noprompt", "-alias", "origin",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=origin", "-ext", "san=ip:127.0.0.1",
                "-validity", "2", "-keystore", file.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("origin", ks.getCertificate("origin"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
    }

    static SSLContext serverTls() {
        return serverTls;
    }

    static SSLContext clientTls() {
        return clientTls;
    }

    @AfterEach
    void tearDown() throws Exception {
        factory.close();
        for (AutoCloseable r : resources) r.close();
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    private static void echo(ScriptedServer.Peer peer) throws IOException {
        for (RecordedRequest r; (r = peer.readRequest()) != null; ) {
            peer.respond(200, r.method + " " + r.target + " auth=" + r.header("Proxy-Authorization"));
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private ConnectionOptions tls() {
        return ConnectionOptions.builder().tls(TlsOptions.builder().sslContext(clientTls).build()).build();
    }

    // ------------------------------------------------------------------------------------------ forwarding

    @Test
    void httpRequestsAreForwardedInAbsoluteFormWithProxyAuthorization() throws Exception {
        ScriptedServer origin = track(new ScriptedServer(ProxyTest::echo));
        TestProxy proxy = track(new TestProxy(basic("alice", "secret")));
        ProxyOptions po = ProxyOptions.builder(Endpoint.http("127.0.0.1", proxy.port()))
                .credentials("alice", "secret").build();
        ConnectionCache cache = track(factory.cache(CacheOptions.builder().parallel(1)
                .proxies(ProxyRules.builder().http(po).build()).build()));
        Endpoint ep = Endpoint.http("127.0.0.1", origin.port());
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 5; i++) rs.add(cache.call(ep, Request.get("/k" + i + "?q=1"), BodyHandlers.ofString()));
        for (int i = 0; i < 5; i++) assertEquals("GET /k" + i + "?q=1 auth=null", await(rs.get(i)).body());

        List<TestProxy.Seen> seen = proxy.seen();
        assertEquals(5, seen.size());
        for (int i = 0; i < 5; i++) {
            assertEquals("http://127.0.0.1:" + origin.port() + "/k" + i + "?q=1", seen.get(i).target);
            assertEquals(basic("alice", "secret"), seen.get(i).header("Proxy-Authorization"));
            assertEquals("127.0.0.1:" + origin.port(), seen.get(i).header("Host"));
        }
        assertEquals(1, proxy.connections(), "one connection to the proxy, reused");
        assertEquals(5, origin.requests().size());
    }

    @Test
    void noProxyHostsAreReachedDirectly() throws Exception {
        ScriptedServer origin = track(new ScriptedServer(ProxyTest::echo));
        TestProxy proxy = track(new TestProxy(null));
        ConnectionCache cache = track(factory.cache(CacheOptions.builder()
                .proxies(ProxyRules.builder().all(ProxyOptions.of("127.0.0.1", proxy.port()))
                        .noProxy("localhost, 127.0.0.0/8").build()).build()));
        assertEquals("GET /direct auth=null", await(cache.call(Endpoint.http("127.0.0.1", origin.port()),
                Request.get("/direct"), BodyHandlers.ofString())).body());
        assertEquals(0, proxy.connections());
        assertEquals("/direct", origin.requests().get(0).target);
    }

    // ------------------------------------------------------------------------------------------ tunnels

    @Test
    void httpsGoesThroughAConnectTunnelWithTlsToTheOrigin() throws Exception {
        ScriptedServer origin = track(new ScriptedServer(ProxyTest::echo, serverTls, 50));
        TestProxy proxy = track(new TestProxy(basic("bob", "pw")));
        ProxyOptions po = ProxyOptions.parse("http://bob:pw@127.0.0.1:" + proxy.port());
        ConnectionCache cache = track(factory.cache(CacheOptions.builder().parallel(1).connectionOptions(tls())
                .proxies(ProxyRules.builder().https(po).build()).build()));
        Endpoint ep = Endpoint.https("127.0.0.1", origin.port());
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 4; i++) rs.add(cache.call(ep, Request.get("/s" + i), BodyHandlers.ofString()));
        for (int i = 0; i < 4; i++) {
            assertEquals("GET /s" + i + " auth=null", await(rs.get(i)).body(),
                    "origin-form inside the tunnel, no proxy header reaches the origin");
        }
        List<TestProxy.Seen> seen = proxy.seen();
        assertEquals(1, seen.size(), "one tunnel for the pipelined requests: " + seen);
        assertEquals("CONNECT", seen.get(0).method);
        assertEquals("127.0.0.1:" + origin.port(), seen.get(0).target);
        assertEquals(basic("bob", "pw"), seen.get(0).header("Proxy-Authorization"));
    }

    @Test
    void httpCanBeTunnelledToo() throws Exception {
        ScriptedServer origin = track(new ScriptedServer(ProxyTest::echo));
        TestProxy proxy = track(new TestProxy(null));
        Connection c = await(factory.connect(Endpoint.http("127.0.0.1", origin.port()), ConnectionOptions.builder()
                .proxy(ProxyOptions.builder(Endpoint.http("127.0.0.1", proxy.port())).tunnel(true).build())
                .build()).toCompletableFuture());
        assertEquals("GET /t auth=null", await(c.call(Request.get("/t"), BodyHandlers.ofString())).body());
        assertEquals("CONNECT", proxy.seen().get(0).method);
        c.close();
    }

    @Test
    void configuredProxyTunnelTakesHttpEndpointsThroughConnect() throws Exception {
        ScriptedServer origin = track(new ScriptedServer(ProxyTest::echo));
        TestProxy proxy = track(new TestProxy(basic("carol", "pw")));
        String originUri = "http://127.0.0.1:" + origin.port();
        ConfigModel.Result config = ConfigModel.compute(
                new ConfigSource("io.pipelane", Map.of("proxy.host", "127.0.0.1", "proxy.port", proxy.port(),
                        "proxy.user", "carol", "proxy.password", "pw", "proxy.tunnel", "true")),
                List.of(), List.of(new ConfigSource("io.pipelane.endpoint~forwarded",
                        Map.of("uri", originUri, "proxy.tunnel", "false"))), null);
        assertEquals(List.of(), config.errors());

        // An endpoint given as a URI, through the defaults' cache options: a CONNECT tunnel, origin-form inside.
        ConnectionCache cache = track(factory.cache(config.cacheDefaults()));
        Endpoint ep = Endpoint.of(originUri);
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 3; i++) rs.add(cache.call(ep, Request.get("/t" + i), BodyHandlers.ofString()));
        for (int i = 0; i < 3; i++) assertEquals("GET /t" + i + " auth=null", await(rs.get(i)).body());
        List<TestProxy.Seen> seen = proxy.seen();
        assertEquals(proxy.connections(), seen.size(), "one CONNECT per connection, nothing forwarded: " + seen);
        for (TestProxy.Seen t : seen) {
            assertEquals("CONNECT", t.method, seen.toString());
            assertEquals("127.0.0.1:" + origin.port(), t.target);
            assertEquals(basic("carol", "pw"), t.header("Proxy-Authorization"));
        }
        int tunnels = seen.size();

        // The endpoint that turns proxy.tunnel off keeps the defaults' proxy and is forwarded in absolute-form.
        ConnectionFactory named = track(ConnectionFactory.builder().endpoint("forwarded", ep,
                config.endpoints().get("forwarded").options()).build());
        assertEquals("GET /f auth=null",
                await(named.cache().call("forwarded", Request.get("/f"), BodyHandlers.ofString())).body());
        assertEquals(tunnels + 1, proxy.seen().size(), proxy.seen().toString());
        TestProxy.Seen f = proxy.seen().get(tunnels);
        assertEquals("GET", f.method);
        assertEquals(originUri + "/f", f.target, "absolute-form: forwarded, not tunnelled");
        assertEquals(basic("carol", "pw"), f.header("Proxy-Authorization"));
    }

    @Test
    void aRefusedConnectFailsConnectingWithTheProxysStatus() throws Exception {
        ScriptedServer origin = track(new ScriptedServer(ProxyTest::echo, serverTls, 50));
        TestProxy proxy = track(new TestProxy(basic("bob", "pw")));
        ConnectionOptions noCredentials = tls().toBuilder()
                .proxy(ProxyOptions.of("127.0.0.1", proxy.port())).build();
        Endpoint ep = Endpoint.https("127.0.0.1", origin.port());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> factory.connect(ep, noCredentials).toCompletableFuture().get(20, TimeUnit.SECONDS));
        ProxyException pe = assertInstanceOf(ProxyException.class, e.getCause());
        assertEquals(407, pe.status());
        assertTrue(pe.getMessage().contains("407 Proxy Authentication Required"), pe.getMessage());
        assertTrue(pe.getMessage().contains("CONNECT 127.0.0.1:" + origin.port()), pe.getMessage());

        ConnectionCache cache = track(factory.cache(CacheOptions.builder().connectionOptions(noCredentials).build()));
        ExecutionException viaCache = assertThrows(ExecutionException.class,
                () -> cache.call(ep, Request.get("/x")).get(20, TimeUnit.SECONDS));
        assertInstanceOf(RetryException.class, viaCache.getCause());
        assertInstanceOf(ProxyException.class, viaCache.getCause().getCause());
        assertEquals(0, origin.connections(), "the origin was never reached");
    }

    @Test
    void aForwardedRequestToARefusingProxyGetsItsAnswer() throws Exception {
        TestProxy proxy = track(new TestProxy(basic("u", "p")));
        Connection c = factory.create(Endpoint.http("127.0.0.1", 9), ConnectionOptions.builder()
                .persistence(Persistence.AUTO).proxy(ProxyOptions.of("127.0.0.1", proxy.port())).build());
        Response<String> r = await(c.call(Request.get("/"), BodyHandlers.ofString()));
        assertEquals(407, r.status(), "a forwarding proxy's refusal is an ordinary response");
        assertNull(proxy.seen().get(0).header("Proxy-Authorization"));
    }
}
