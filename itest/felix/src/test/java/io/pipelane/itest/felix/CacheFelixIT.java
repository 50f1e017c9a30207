package io.pipelane.itest.felix;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheMetrics;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.Endpoint;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * The connection cache a consumer bundle gets from its ConnectionFactory ({@code factory.cache()}), configured
 * through ConfigurationAdmin: cache limits observed by a real server, a proxy on loopback, configuration updates
 * that reach the cache without failing requests in flight, the console, and the release of the service.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CacheFelixIT extends FelixTestSupport {
    private static final String SECRET = "proxy-secret-never-shown";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private ServiceReference<ConnectionFactory> used;

    @After
    public void cleanUp() throws Exception {
        if (used != null) context.ungetService(used);
        deleteConfigurations();
        await("the configurations are gone", () -> factoryRegistered()
                && Arrays.asList((String[]) context.getServiceReference(ConnectionFactory.class)
                        .getProperty("endpoints")).isEmpty());
        for (AutoCloseable r : resources) r.close();
    }

    /** This bundle's cache, from the ConnectionFactory service that offers {@code endpoints} (a filter). */
    private ConnectionCache cache(String endpoints) throws Exception {
        used = factoryReference(endpoints);
        ConnectionFactory factory = context.getService(used);
        ConnectionCache cache = factory.cache();
        assertSame("one cache per consumer bundle", cache, factory.cache());
        return cache;
    }

    private static String body(CompletableFuture<Response<String>> f) throws Exception {
        Response<String> r = f.get(15, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        return r.body();
    }

    private static CacheMetrics metrics(ConnectionCache cache, String key) {
        for (CacheMetrics m : cache.metrics()) if (m.key().equals(key)) return m;
        throw new AssertionError("no metrics for " + key + " in " + cache.metrics());
    }

    @Test
    public void parallelDepthAndKeepFromConfigAdminHoldOnTheServerSide() throws Exception {
        PipeliningServer server = new PipeliningServer();
        resources.add(server);
        factoryConfig("io.pipelane.endpoint", "cached", "uri", "http://127.0.0.1:" + server.port(),
                "persistence", "TRUE", "parallel", "2", "depth", "3", "keep", "300ms");
        ConnectionCache cache = cache("(endpoints=cached)");

        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 10; i++) rs.add(cache.call("cached", Request.get("/" + i), BodyHandlers.ofString()));
        // 2 connections x depth 3 placed; the server holds every answer, so the other 4 wait in the cache.
        await("the server read the 6 placed requests", () -> server.received.get() == 6);
        CacheMetrics m = metrics(cache, "cached");
        assertEquals(4, m.waiting());
        assertEquals(2, m.connections());
        assertEquals(10, m.inFlight());
        assertEquals(2, server.connections.get());
        assertEquals(3, server.maxInFlight.get());
        assertEquals("nothing more reached the server while every connection was full", 6, server.received.get());

        String console = (String) command("cache");
        assertTrue(console, console.contains("CacheFelixIT") || console.contains("bundle "));
        assertTrue(console, console.contains("parallel=2, depth=3"));
        assertTrue(console, console.matches("(?s).*cached\\s+http://127\\.0\\.0\\.1:" + server.port()
                + "\\s+2\\s+0\\s+10\\s+4\\s+10\\s+0\\s+0\\s+0\\s+0\\s+2\\s+-.*"));
        assertTrue(console, console.contains("RE-PLACED") && console.contains("LIMIT"));

        server.release();
        for (int i = 0; i < 10; i++) assertEquals("/" + i, body(rs.get(i)));
        assertEquals("never more than parallel connections", 2, server.connections.get());
        assertEquals("never more than depth requests on one connection", 3, server.maxInFlight.get());
        assertEquals(10, server.received.get());
        // keep = 300ms (the default is 60 s): the idle connections are shut down, the server sees them end.
        await("the idle connections end after keep", () -> server.ended.get() == 2);
        await("the cache forgot them", () -> metrics(cache, "cached").connections() == 0);
        assertEquals(10, metrics(cache, "cached").completed());
    }

    @Test
    public void aProxyFromConfigAdminCarriesTheRequestsAndAnUpdateReachesTheCache() throws Exception {
        TestServers origin = TestServers.http("origin");
        resources.add(origin::stop);
        LoopbackProxy proxy = new LoopbackProxy("Basic " + Base64.getEncoder()
                .encodeToString(("app:" + SECRET).getBytes(StandardCharsets.UTF_8)));
        resources.add(proxy);
        String originUri = "http://127.0.0.1:" + origin.port();
        try (LogCapture log = new LogCapture()) {
            // The proxy for every endpoint, in the defaults; one endpoint reaches the origin directly.
            org.osgi.service.cm.Configuration defaults = configAdmin.getConfiguration("io.pipelane", "?");
            defaults.update(dict("proxy.host", "127.0.0.1", "proxy.port", String.valueOf(proxy.port()),
                    "proxy.user", "app", "proxy.password", SECRET, "proxy.exceptions", "localhost, .internal.example"));
            // parallel = 1: a request must wait for the one connection, so which one it takes is observable.
            factoryConfig("io.pipelane.endpoint", "viaproxy", "uri", originUri, "parallel", "1");
            org.osgi.service.cm.Configuration direct = factoryConfig("io.pipelane.endpoint", "direct", "uri", originUri,
                    "proxy.exceptions", new String[] {"127.0.0.1"});
            String proxied = "http://127.0.0.1:" + proxy.port() + ", user app, password ****";
            await("the proxy configuration is applied", () -> {
                String e = endpointsOutput();
                return e.contains("viaproxy: from ") && e.contains("direct: from ")
                        && e.contains("  proxy: " + proxied + "\n") && e.contains("  proxy: direct: proxy.exceptions 127.0.0.1");
            });
            ConnectionCache cache = cache("(&(endpoints=viaproxy)(endpoints=direct))");

            assertEquals("origin /a", body(cache.call("viaproxy", Request.get("/a"), BodyHandlers.ofString())));
            assertEquals(List.of("GET " + originUri + "/a"), proxy.seen);
            assertEquals("origin /b", body(cache.call("direct", Request.get("/b"), BodyHandlers.ofString())));
            assertEquals("proxy.exceptions of the endpoint: direct", 1, proxy.seen.size());
            assertEquals("origin /c", body(cache.call(Endpoint.of(originUri), Request.get("/c"),
                    BodyHandlers.ofString())));
            assertEquals("an endpoint given as a URI: the defaults' proxy", List.of("GET " + originUri + "/a",
                    "GET " + originUri + "/c"), proxy.seen);
            for (String path : List.of("/a", "/b", "/c")) {
                assertEquals(path + " arrives once: " + origin.seen(), 1, origin.requests(path));
            }

            // An update while a request is in flight through the proxy: that one finishes on its connection, which
            // then ends; the next request waits for it (parallel = 1) and goes direct on a new connection.
            CompletableFuture<Response<String>> held = cache.call("viaproxy", Request.get("/hold"),
                    BodyHandlers.ofString());
            assertTrue(origin.holding.await(15, TimeUnit.SECONDS));
            factoryConfig("io.pipelane.endpoint", "viaproxy", "uri", originUri, "parallel", "1",
                    "proxy.exceptions", "*");
            await("the update is applied", () -> endpointsOutput().contains("  proxy: direct: proxy.exceptions * matches"));
            CompletableFuture<Response<String>> after = cache.call("viaproxy", Request.get("/d"),
                    BodyHandlers.ofString());
            assertFalse(held.isDone());
            origin.release();
            assertEquals("origin /hold", body(held));
            assertEquals("origin /d", body(after));
            assertEquals(List.of("GET " + originUri + "/a", "GET " + originUri + "/c", "GET " + originUri + "/hold"),
                    proxy.seen);
            CacheMetrics m = metrics(cache, "viaproxy");
            assertEquals(0, m.failures());
            assertEquals(0, m.retries());
            assertEquals("the connection through the proxy, then a direct one", 2, m.connectionsOpened());

            // The password shows nowhere: not in the console, not in the log.
            String all = endpointsOutput() + command("cache") + log.messages();
            assertFalse(all, all.contains(SECRET));
            assertTrue(all, all.contains("password ****"));
            direct.delete();
        }
    }

    @Test
    public void aBadCacheValueIsRejectedNamingTheKeyAndTheEndpoint() throws Exception {
        try (LogCapture log = new LogCapture()) {
            factoryConfig("io.pipelane.endpoint", "fine", "uri", "http://127.0.0.1:1");
            factoryConfig("io.pipelane.endpoint", "broken", "uri", "http://127.0.0.1:1", "parallel", "0");
            ConnectionCache cache = cache("(endpoints=fine)");
            await("the error is logged", () -> log.contains("ERROR", "io.pipelane.endpoint~broken: key 'parallel': "
                    + "0 is less than 1"));
            assertFalse(offers("broken"));
            try {
                cache.call("broken", Request.get("/")).get(15, TimeUnit.SECONDS);
                fail("an invalid endpoint is not used");
            } catch (ExecutionException e) {
                StringBuilder chain = new StringBuilder();
                for (Throwable t = e.getCause(); t != null; t = t.getCause()) chain.append(t.getMessage()).append(" <- ");
                assertTrue(chain.toString(), chain.toString().contains("key 'parallel'"));
            }
        }
    }

    @Test
    public void releasingTheServiceClosesTheBundlesCache() throws Exception {
        PipeliningServer server = new PipeliningServer();
        resources.add(server);
        factoryConfig("io.pipelane.endpoint", "released", "uri", "http://127.0.0.1:" + server.port());
        ConnectionCache cache = cache("(endpoints=released)");
        CompletableFuture<Response<byte[]>> inFlight = cache.call("released", Request.get("/x"));
        await("the server read it", () -> server.received.get() == 1);
        assertTrue(((String) command("cache")).contains("released"));

        context.ungetService(used);
        used = null;
        try {
            inFlight.get(15, TimeUnit.SECONDS);
            fail("the request in flight fails when the bundle releases the service");
        } catch (ExecutionException e) {
            assertTrue(e.getCause().toString(), e.getCause() instanceof RetryException);
            assertTrue(e.getCause().getMessage(), String.valueOf(e.getCause().getCause()).contains("released by"));
        }
        await("the server saw the connection end", () -> server.ended.get() == 1);
        try {
            cache.call("released", Request.get("/y")).get(15, TimeUnit.SECONDS);
            fail("a released cache takes no requests");
        } catch (ExecutionException e) {
            assertTrue(e.getCause() instanceof RetryException);
        }
        assertTrue((String) command("cache"), ((String) command("cache")).startsWith("No connection cache in use"));
        assertNotNull(cache.metrics());
    }

    private String endpointsOutput() {
        try {
            return (String) command("endpoints");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
