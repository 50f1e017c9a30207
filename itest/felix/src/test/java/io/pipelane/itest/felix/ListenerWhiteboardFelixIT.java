package io.pipelane.itest.felix;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionListener;
import io.pipelane.Request;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The whiteboard: ConnectionListener services registered by any bundle (here, the test's) receive the events of
 * Pipelane's connections, restricted to named endpoints by the pipelane.endpoints property, picked up and
 * dropped while the factory keeps running; and the endpoint MBeans that follow the configuration.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ListenerWhiteboardFelixIT extends FelixTestSupport {
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private TestServers server;

    @After
    public void cleanUp() throws Exception {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered by the test
            }
        }
        deleteConfigurations();
        if (server != null) server.stop();
    }

    /** Keeps the events it receives; a test waits for the one it needs. */
    static final class Recorder implements ConnectionListener {
        final BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();
        final List<ConnectionEvent> seen = new ArrayList<>();

        @Override public void connectionOpened(ConnectionEvent.ConnectionOpened e) { events.add(e); }
        @Override public void responseComplete(ConnectionEvent.ResponseCompleted e) { events.add(e); }
        @Override public void connectionClosed(ConnectionEvent.ConnectionClosed e) { events.add(e); }

        /** Waits for the ConnectionClosed of an endpoint's connection; returns what came before it too. */
        ConnectionEvent.ConnectionClosed closedOf(String endpoint) throws InterruptedException {
            while (true) {
                ConnectionEvent e = events.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                assertNotNull("no ConnectionClosed for " + endpoint + "; received " + seen, e);
                seen.add(e);
                if (e instanceof ConnectionEvent.ConnectionClosed && e.endpoint().equals(endpoint)) {
                    return (ConnectionEvent.ConnectionClosed) e;
                }
            }
        }

        long count(String endpoint) {
            return seen.stream().filter(e -> e.endpoint().equals(endpoint)).count();
        }
    }

    private ServiceRegistration<ConnectionListener> register(ConnectionListener l, Object endpoints) {
        java.util.Hashtable<String, Object> p = new java.util.Hashtable<>();
        if (endpoints != null) p.put(ConnectionListener.ENDPOINTS_PROPERTY, endpoints);
        ServiceRegistration<ConnectionListener> r = context.registerService(ConnectionListener.class, l, p);
        registrations.add(r);
        return r;
    }

    /** Two requests on a fresh connection to the endpoint, then it is shut down. */
    private static void exchange(ConnectionFactory factory, String endpoint) throws Exception {
        Connection c = factory.create(endpoint);
        var a = c.call(Request.get("/a"), BodyHandlers.ofString());
        var b = c.call(Request.get("/b"), BodyHandlers.ofString());
        assertEquals(200, a.get(15, TimeUnit.SECONDS).status());
        assertEquals(200, b.get(15, TimeUnit.SECONDS).status());
        c.shutdown();
        c.closed().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    @Test
    public void listenerServicesComeAndGoWhileTheFactoryRuns() throws Exception {
        server = TestServers.http("origin");
        factoryConfig("io.pipelane.endpoint", "watched", "uri", "http://127.0.0.1:" + server.port());
        factoryConfig("io.pipelane.endpoint", "other", "uri", "http://127.0.0.1:" + server.port());
        ServiceReference<ConnectionFactory> ref = factoryReference("(&(endpoints=watched)(endpoints=other))");
        Object serviceId = ref.getProperty("service.id");
        ConnectionFactory factory = context.getService(ref);
        try {
            Recorder everything = new Recorder();
            Recorder watchedOnly = new Recorder();
            ServiceRegistration<ConnectionListener> everythingReg = register(everything, null);
            register(watchedOnly, new String[] {"watched"});

            exchange(factory, "other");
            exchange(factory, "watched");
            assertEquals(2, everything.closedOf("other").requests());
            everything.closedOf("watched");
            ConnectionEvent.ConnectionClosed closed = watchedOnly.closedOf("watched");
            assertEquals(ConnectionEvent.CloseReason.COMPLETED, closed.reason());
            assertEquals("the filtered listener saw nothing of 'other' (its events came first)",
                    0, watchedOnly.count("other"));
            assertEquals(4, watchedOnly.count("watched")); // opened, 2 responses, closed

            // Dropped: the next connection's events no longer reach it; a new listener is picked up.
            everythingReg.unregister();
            Recorder late = new Recorder();
            register(late, "watched, other");
            exchange(factory, "watched");
            late.closedOf("watched");
            watchedOnly.closedOf("watched");
            assertTrue("an unregistered listener receives nothing more: " + everything.events,
                    everything.events.isEmpty());
            assertEquals("the factory service was never re-registered", serviceId,
                    factoryReference("(endpoints=watched)").getProperty("service.id"));

            // The endpoint MBean counts what the connections did, and goes with its configuration; this bundle's
            // cache has an MBean of its own, gone when the bundle releases the service.
            assertEquals(200, factory.cache().call("watched", Request.get("/cached"), BodyHandlers.ofString())
                    .get(15, TimeUnit.SECONDS).status());
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName watched = new ObjectName("io.pipelane:type=Endpoint,name=watched");
            assertEquals(5L, jmx.getAttribute(watched, "Completed"));
            assertEquals("http://127.0.0.1:" + server.port(), jmx.getAttribute(watched, "Uri"));
            ObjectName cache = new ObjectName("io.pipelane:type=Cache,name=" + context.getBundle().getSymbolicName()
                    + ",bundle=" + context.getBundle().getBundleId());
            assertEquals(1L, jmx.getAttribute(cache, "Completed"));
            assertEquals(1, jmx.getAttribute(cache, "Connections"));
            context.ungetService(ref);
            ref = null;
            assertTrue("the cache's MBean goes when the bundle releases the service", !jmx.isRegistered(cache));
            deleteConfigurations();
            await("the MBeans go with the configurations", () -> !jmx.isRegistered(watched));
        } finally {
            if (ref != null) context.ungetService(ref);
        }
    }
}
