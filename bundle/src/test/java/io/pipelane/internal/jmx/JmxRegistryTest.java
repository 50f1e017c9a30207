package io.pipelane.internal.jmx;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.ConnectionFactory;
import io.pipelane.Endpoint;
import io.pipelane.Request;
import io.pipelane.internal.cache.PipelaneConnectionCache;
import io.pipelane.internal.engine.PipelaneConnectionFactory;
import io.pipelane.internal.stats.Statistics;
import io.pipelane.testing.ScriptedServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MBeans as a JMX client reads them from the platform MBeanServer, fed by real connections. */
class JmxRegistryTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Statistics statistics = new Statistics();
    private final JmxRegistry jmx = new JmxRegistry(statistics);
    private ScriptedServer http;
    private ConnectionFactory factory;

    @AfterEach
    void tearDown() throws Exception {
        jmx.close();
        if (factory != null) factory.close();
        if (http != null) http.close();
        assertEquals(Set.of(), server.queryNames(new ObjectName("io.pipelane:*"), null), "nothing left behind");
    }

    @Test
    void anEndpointAndACacheShowTheirTraffic() throws Exception {
        http = new ScriptedServer(peer -> {
            while (peer.readRequest() != null) peer.respond(200, "fine");
        });
        factory = ConnectionFactory.builder()
                .endpoint("billing", Endpoint.http(http.host(), http.port()))
                .build();
        ((PipelaneConnectionFactory) factory).events().addSink(statistics);
        jmx.endpoints(Map.of("billing", Endpoint.http(http.host(), http.port()).toUri()));
        PipelaneConnectionCache cache = (PipelaneConnectionCache) factory.cache(CacheOptions.defaults());
        jmx.cacheOpened(this, "com.example.app", 42, "bundle com.example.app [42]", cache);

        for (int i = 0; i < 10; i++) cache.call("billing", Request.get("/" + i), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);

        ObjectName endpoint = new ObjectName("io.pipelane:type=Endpoint,name=billing");
        assertEquals("billing", server.getAttribute(endpoint, "Name"));
        assertEquals(Endpoint.http(http.host(), http.port()).toUri(), server.getAttribute(endpoint, "Uri"));
        assertEquals(10L, server.getAttribute(endpoint, "Completed"));
        assertEquals(0L, server.getAttribute(endpoint, "RequestsInFlight"));
        assertEquals(0L, server.getAttribute(endpoint, "Failed"));
        assertEquals(10L, server.getAttribute(endpoint, "LatencyCount"));
        double p50 = (Double) server.getAttribute(endpoint, "LatencyP50Millis");
        double p99 = (Double) server.getAttribute(endpoint, "LatencyP99Millis");
        double max = (Double) server.getAttribute(endpoint, "LatencyMaxMillis");
        assertTrue(0 < p50 && p50 <= p99 && p99 <= max, p50 + " " + p99 + " " + max);
        assertTrue((Long) server.getAttribute(endpoint, "LiveConnections") >= 1);
        server.invoke(endpoint, "resetLatency", new Object[0], new String[0]);
        assertEquals(0L, server.getAttribute(endpoint, "LatencyCount"));

        ObjectName cacheName = new ObjectName("io.pipelane:type=Cache,name=com.example.app,bundle=42");
        assertEquals(10L, server.getAttribute(cacheName, "Completed"));
        assertArrayEquals(new String[] {"billing"}, (String[]) server.getAttribute(cacheName, "Endpoints"));
        assertEquals("bundle com.example.app [42]", server.getAttribute(cacheName, "Owner"));

        jmx.endpoints(Map.of()); // the endpoint's configuration was deleted
        assertFalse(server.isRegistered(endpoint));
        jmx.cacheClosed(this);
        assertFalse(server.isRegistered(cacheName));
    }

    @Test
    void namesThatJmxWouldMisreadAreQuoted() throws Exception {
        ObjectName on = JmxRegistry.name("Endpoint", "a,b=c", null);
        assertEquals("a,b=c", ObjectName.unquote(on.getKeyProperty("name")));
        assertEquals("plain.name-1", JmxRegistry.name("Endpoint", "plain.name-1", null).getKeyProperty("name"));
    }

    /** The README's table of MBeans names each one's attributes and operations as a JMX client sees them. */
    @Test
    void theReadmeListsEveryAttributeAndOperationOfEachMBean() throws Exception {
        factory = ConnectionFactory.builder().build();
        jmx.endpoints(Map.of("readme", "http://127.0.0.1:1"));
        jmx.cacheOpened(this, "com.example.readme", 7, "bundle com.example.readme [7]",
                (PipelaneConnectionCache) factory.cache(CacheOptions.defaults()));
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String[][] rows = {
            {"| `io.pipelane:type=Endpoint,name=<endpoint>`", "io.pipelane:type=Endpoint,name=readme"},
            {"| `io.pipelane:type=Cache,name=<bundle symbolic name>,bundle=<bundle id>`",
                "io.pipelane:type=Cache,name=com.example.readme,bundle=7"}};
        for (String[] row : rows) {
            int at = readme.indexOf(row[0]);
            assertTrue(at >= 0, "the README's JMX table has the row " + row[0]);
            String line = readme.substring(at, readme.indexOf('\n', at));
            String listed = line.substring(line.lastIndexOf(" | ") + 3);
            java.util.Set<String> documented = new java.util.TreeSet<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("`(\\w+)(\\(\\))?`").matcher(listed);
            while (m.find()) documented.add(m.group(1) + (m.group(2) == null ? "" : "()"));
            javax.management.MBeanInfo info = server.getMBeanInfo(new ObjectName(row[1]));
            java.util.Set<String> actual = new java.util.TreeSet<>();
            for (var a : info.getAttributes()) actual.add(a.getName());
            for (var o : info.getOperations()) actual.add(o.getName() + "()");
            assertEquals(actual, documented, line);
        }
    }
}
