package io.pipelane.itest.felix;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.UnknownEndpointException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/** The bundle in Felix, configured through ConfigurationAdmin, talking to real local HTTP and HTTPS servers. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PipelaneFelixIT extends FelixTestSupport {
    private static TestServers.Certificate certificate;

    private TestServers one;
    private TestServers two;

    @Before
    public void startServers() throws Exception {
        one = TestServers.http("one");
        two = TestServers.http("two");
    }

    @After
    public void cleanUp() throws Exception {
        deleteConfigurationsAndAwaitTheBuiltInState();
        one.stop();
        two.stop();
    }

    private static synchronized TestServers.Certificate certificate() throws Exception {
        if (certificate == null) certificate = new TestServers.Certificate();
        return certificate;
    }

    private static String get(Connection c, String path) throws Exception {
        Response<byte[]> r = c.call(Request.get(path)).get(10, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    public void theBundleResolvesWithOnlyItsDeclaredImports() throws Exception {
        Bundle bundle = pipelaneBundle();
        assertEquals(Bundle.ACTIVE, bundle.getState());
        // Runtime imports: the JDK, the OSGi framework, and optionally jakarta.inject, Gogo's annotations and the
        // OSGi Log Service API.
        String imports = bundle.getHeaders().get(Constants.IMPORT_PACKAGE);
        for (String clause : imports.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
            String pkg = clause.split(";")[0].trim();
            if (pkg.startsWith("java.") || pkg.startsWith("javax.")) continue;
            if (pkg.equals("jakarta.inject") || pkg.equals("org.apache.felix.service.command")
                    || pkg.equals("org.osgi.service.log")) {
                assertTrue(clause, clause.contains("resolution:=optional"));
                continue;
            }
            assertTrue("unexpected import " + clause, pkg.equals("org.osgi.framework")
                    || pkg.equals("org.osgi.util.tracker"));
        }
        // jakarta.inject is not installed here, and every package wire but Gogo's and the Log Service's goes to
        // the framework itself.
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        for (BundleWire w : wiring.getRequiredWires("osgi.wiring.package")) {
            Object pkg = w.getCapability().getAttributes().get("osgi.wiring.package");
            if ("org.apache.felix.service.command".equals(pkg) || "org.osgi.service.log".equals(pkg)) {
                assertEquals(pkg.equals("org.osgi.service.log") ? "org.osgi.service.log" : "org.apache.felix.gogo.runtime",
                        w.getProvider().getBundle().getSymbolicName());
                continue;
            }
            assertEquals("package " + w.getCapability().getAttributes() + " comes from the framework",
                    0, w.getProvider().getBundle().getBundleId());
        }
        List<BundleWire> extender = wiring.getRequiredWires("osgi.extender");
        assertEquals(1, extender.size());
        assertEquals("org.apache.felix.scr", extender.get(0).getProvider().getBundle().getSymbolicName());
        // The exported API.
        assertTrue(bundle.getHeaders().get(Constants.EXPORT_PACKAGE).contains("io.pipelane;version=\"1.0.0\""));

        // Metatype: what config:meta and the web console show.
        ServiceReference<MetaTypeService> mtsRef = context.getServiceReference(MetaTypeService.class);
        MetaTypeInformation info = context.getService(mtsRef).getMetaTypeInformation(bundle);
        assertTrue(Arrays.asList(info.getPids()).contains("io.pipelane"));
        assertEquals(Set.of("io.pipelane.endpoint", "io.pipelane.tls"), new HashSet<>(Arrays.asList(info.getFactoryPids())));
        ObjectClassDefinition ocd = info.getObjectClassDefinition("io.pipelane", null);
        assertEquals("Pipelane connection defaults", ocd.getName());
        boolean seen = false;
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            if (ad.getID().equals("connectTimeout")) {
                assertArrayEquals(new String[] {"10s"}, ad.getDefaultValue());
                seen = true;
            }
        }
        assertTrue(seen);

        // Without configuration, the service is there, with no endpoint and the code's defaults.
        ServiceReference<ConnectionFactory> ref = factoryReference("");
        assertArrayEquals(new String[0], (String[]) ref.getProperty("endpoints"));
        ConnectionFactory f = context.getService(ref);
        assertEquals(Persistence.AUTO, f.defaultOptions().persistence());
        assertEquals(Duration.ofSeconds(10), f.defaultOptions().connectTimeout());
    }

    @Test
    public void endpointsAreCreatedUpdatedAndDeletedThroughConfigAdmin() throws Exception {
        org.osgi.service.cm.Configuration config = factoryConfig("io.pipelane.endpoint", "billing",
                "uri", "http://127.0.0.1:" + one.port(), "persistence", "TRUE");
        ConnectionFactory factory = factory("billing");
        Connection first = factory.create("billing");
        assertEquals("one /a", get(first, "/a"));

        // A request in flight on the first connection...
        CompletableFuture<Response<byte[]>> held = first.call(Request.get("/hold"));
        assertTrue(one.holding.await(10, TimeUnit.SECONDS));
        // ...while the endpoint moves to the other server.
        config.update(dict("uri", "http://127.0.0.1:" + two.port(), "persistence", "TRUE"));
        await("new connections go to the new URI", () -> {
            Connection c = factory.create("billing");
            try {
                return c.endpoint().port() == two.port();
            } finally {
                c.close();
            }
        });
        Connection second = factory.create("billing");
        assertEquals("two /b", get(second, "/b"));
        one.release();
        Response<byte[]> old = held.get(10, TimeUnit.SECONDS);
        assertEquals("the request in flight finished unharmed", "one /hold",
                new String(old.body(), StandardCharsets.UTF_8));
        assertEquals("one /c", get(first, "/c"));

        // Deleted: refused, naming the endpoint.
        config.delete();
        await("billing is withdrawn", () -> !offers("billing"));
        try {
            factory.create("billing");
            fail("a deleted endpoint must be refused");
        } catch (UnknownEndpointException e) {
            assertEquals("billing", e.endpointName());
            assertTrue(e.getMessage(), e.getMessage().contains("'billing'"));
        }
        assertEquals("open connections outlive the deletion", "two /d", get(second, "/d"));
        first.close();
        second.close();
    }

    @Test
    public void httpsEndpointWithATrustStoreFromConfiguration() throws Exception {
        TestServers.Certificate cert = certificate();
        TestServers secure = TestServers.https("secure", cert.serverContext());
        try (LogCapture log = new LogCapture()) {
            org.osgi.service.cm.Configuration tls = factoryConfig("io.pipelane.tls", "local",
                    "truststore", cert.trustStoreP12.toString(), "truststore.type", "PKCS12",
                    "truststore.password", TestServers.Certificate.TRUST_PASSWORD, "protocols", "TLSv1.3, TLSv1.2");
            factoryConfig("io.pipelane.endpoint", "secure", "uri", "https://localhost:" + secure.port(),
                    "tls", "local");
            ConnectionFactory factory = factory("secure");
            Connection c = factory.connect("secure").toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals("secure /tls", get(c, "/tls"));
            c.close();

            // The same certificate as a PEM trust store.
            tls.update(dict("truststore", cert.trustStorePem.toString(), "truststore.type", "PEM"));
            await("a PEM trust store works too", () -> {
                try {
                    Connection p = factory.create("secure");
                    try {
                        return "secure /pem".equals(get(p, "/pem"));
                    } finally {
                        p.close();
                    }
                } catch (Exception e) {
                    return false;
                }
            });

            // Without the trust store the JDK's default trust applies: the self-signed server is refused.
            tls.update(dict("hostnameVerification", "true"));
            await("the endpoint follows the TLS context", () -> offers("secure"));
            await("default trust refuses the self-signed certificate", () -> {
                try {
                    factory.connect("secure").toCompletableFuture().get(10, TimeUnit.SECONDS).close();
                    return false;
                } catch (Exception e) {
                    return e.getCause() instanceof javax.net.ssl.SSLException;
                }
            });

            // An unreadable trust store: the endpoint is withdrawn, and the error names the key and the PID.
            tls.update(dict("truststore", cert.dir.resolve("missing.p12").toString(),
                    "truststore.password", TestServers.Certificate.TRUST_PASSWORD));
            await("secure is withdrawn", () -> !offers("secure"));
            try {
                factory.create("secure");
                fail("an endpoint whose TLS context is invalid must be refused");
            } catch (UnknownEndpointException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("key 'truststore'"));
                assertTrue(e.getMessage(), e.getMessage().contains("io.pipelane.tls~local"));
            }
            await("the error is logged", () -> log.contains("ERROR", "io.pipelane.tls~local", "key 'truststore'"));
            String listing = (String) command("endpoints");
            assertTrue(listing, listing.contains("truststore.password=****"));
            for (String m : log.messages()) {
                assertFalse("a password in the log: " + m, m.contains(TestServers.Certificate.TRUST_PASSWORD));
            }
            assertFalse(listing.contains(TestServers.Certificate.TRUST_PASSWORD));
            // Passwords never become service properties.
            for (ServiceReference<?> r : context.getAllServiceReferences(null, null)) {
                for (String k : r.getPropertyKeys()) {
                    assertFalse("service property " + k, String.valueOf(r.getProperty(k))
                            .contains(TestServers.Certificate.TRUST_PASSWORD));
                }
            }
        } finally {
            secure.stop();
        }
    }

    @Test
    public void defaultsChangeNewConnectionsAndAnInvalidValueIsReportedNamingTheKey() throws Exception {
        try (LogCapture log = new LogCapture()) {
            factoryConfig("io.pipelane.endpoint", "plain", "uri", "http://127.0.0.1:" + one.port(),
                    "maxPipelineDepth", "4");
            ConnectionFactory factory = factory("plain");
            org.osgi.service.cm.Configuration defaults = configAdmin.getConfiguration("io.pipelane", "?");
            defaults.update(dict("persistence", "TRUE", "responseTimeout", "5s", "protocols-typo", "x"));
            await("the defaults apply", () -> factory.defaultOptions().persistence() == Persistence.TRUE);
            assertEquals(Duration.ofSeconds(5), factory.defaultOptions().responseTimeout());
            await("unknown keys are warned about", () -> log.contains("WARNING", "protocols-typo"));

            Connection c = factory.create("plain");
            List<CompletableFuture<Response<byte[]>>> rs = new ArrayList<>();
            for (int i = 0; i < 8; i++) rs.add(c.call(Request.get("/p" + i)));
            for (int i = 0; i < 8; i++) assertEquals(200, rs.get(i).get(10, TimeUnit.SECONDS).status());
            assertTrue("persistence TRUE from the defaults", c.isPipelining());

            // An invalid endpoint value: that endpoint is withdrawn, the error names the key and the PID.
            factoryConfig("io.pipelane.endpoint", "broken", "uri", "http://127.0.0.1:" + one.port(),
                    "connectTimeout", "-5s");
            await("the error is logged", () -> log.contains("ERROR", "io.pipelane.endpoint~broken",
                    "key 'connectTimeout'"));
            assertFalse(offers("broken"));
            assertTrue(offers("plain"));
            try {
                factory.create("broken");
                fail();
            } catch (UnknownEndpointException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("key 'connectTimeout'"));
            }
            String listing = (String) command("endpoints");
            assertTrue(listing, listing.contains("INVALID"));
            assertTrue(listing, listing.contains("key 'connectTimeout': -5s is not a positive duration"));

            // An invalid default: the last valid defaults stay in force, the service and its connections stay,
            // the error is reported; fixing it applies the fixed configuration.
            long serviceId = (Long) context.getServiceReference(ConnectionFactory.class).getProperty(Constants.SERVICE_ID);
            defaults.update(dict("maxPipelineDepth", "zero"));
            await("the error is logged", () -> log.contains("ERROR", "io.pipelane: key 'maxPipelineDepth'",
                    "in force: the last valid io.pipelane"));
            assertEquals("the same service", serviceId,
                    context.getServiceReference(ConnectionFactory.class).getProperty(Constants.SERVICE_ID));
            assertFalse("the live connection stays", c.isClosed());
            assertEquals("the last valid defaults", Persistence.TRUE, factory.defaultOptions().persistence());
            String invalid = (String) command("endpoints");
            assertTrue(invalid, invalid.contains("Defaults (io.pipelane): INVALID, not applied: io.pipelane: key "
                    + "'maxPipelineDepth': 'zero' is not a whole number"));
            assertTrue(invalid, invalid.contains("in force: the last valid io.pipelane"));
            // One record for one bad value (issue 14), none per endpoint.
            List<String> errors = new ArrayList<>();
            for (String m : log.messages()) if (m.startsWith("ERROR") && m.contains("maxPipelineDepth")) errors.add(m);
            assertEquals(errors.toString(), 1, errors.size());
            defaults.update(dict("maxPipelineDepth", "16"));
            await("the fixed defaults apply", () -> factory.defaultOptions().maxPipelineDepth() == 16);
            ConnectionFactory again = factory("plain");
            assertEquals(16, again.defaultOptions().maxPipelineDepth());
            assertEquals(Persistence.AUTO, again.defaultOptions().persistence());
            assertFalse(((String) command("endpoints")).contains("INVALID, not applied"));
            Connection d = again.create("plain");
            assertEquals("endpoint override", 4, depthOf(d));
            assertEquals("one /after", get(d, "/after"));
            d.close();
            c.close();
        }
    }

    /** The pipeline depth a connection was created with, as the console's effective settings show. */
    private int depthOf(Connection c) throws Exception {
        String listing = (String) command("endpoints");
        int i = listing.indexOf("plain: from ");
        int e = listing.indexOf("effective:", i);
        String line = listing.substring(e, listing.indexOf('\n', e));
        String v = line.substring(line.indexOf("maxPipelineDepth=") + "maxPipelineDepth=".length());
        return Integer.parseInt(v.substring(0, v.indexOf(',')));
    }

    @Test
    public void consoleCommandsListAndSendPipelinedRequests() throws Exception {
        factoryConfig("io.pipelane.endpoint", "demo", "uri", "http://127.0.0.1:" + one.port());
        ConnectionFactory factory = factory("demo");
        // A path of this run only: the server counts the requests this test sent, each of which must arrive once.
        String path = "/burst-" + java.util.UUID.randomUUID();
        String summary = (String) command("get", "demo", path, 16);
        assertTrue(summary, summary.contains("16 x 200"));
        assertTrue(summary, summary.contains(", pipelined"));
        assertEquals("each request of the burst arrives once: " + one.seen(), 16, one.requests(path));

        Connection c = factory.create("demo");
        CompletableFuture<Response<byte[]>> held = c.call(Request.get("/hold"));
        assertTrue(one.holding.await(10, TimeUnit.SECONDS));
        String connections = (String) command("connections");
        assertTrue(connections, connections.contains("http://127.0.0.1:" + one.port()));
        assertTrue(connections, connections.contains("OPEN"));
        assertTrue(connections, connections.contains("bundle "));
        String endpoints = (String) command("endpoints");
        assertTrue(endpoints, endpoints.contains("demo"));
        assertTrue(endpoints, endpoints.contains("connectTimeout=10s"));
        one.release();
        assertEquals(200, held.get(10, TimeUnit.SECONDS).status());
        c.close();

        try {
            command("get", "nowhere", "/");
            fail();
        } catch (UnknownEndpointException e) {
            assertTrue(e.getMessage().contains("'nowhere'"));
        }
    }

    /** Issue 14: help and usage instead of Gogo's "Cannot coerce"; the commands stay the same objects. */
    @Test
    public void consoleCommandsPrintTheirUsageForHelpAndWrongArguments() throws Exception {
        ConsoleRun help = run("pipelane:get --help");
        assertNull(String.valueOf(help.failure), help.failure);
        assertTrue(help.output, help.output.startsWith("usage: pipelane:get <endpoint> <path> [count]\n"));
        assertTrue(help.output, help.output.contains("count     how many GETs to send, 1 to 10000; default 1"));

        for (String[] wrong : new String[][] {
            {"pipelane:get", "pipelane:get: missing <endpoint>"},
            {"pipelane:get demo", "pipelane:get: missing <path>"},
            {"pipelane:get demo / many", "pipelane:get: <count> must be a number from 1 to 10000, not 'many'"},
            {"pipelane:get demo / 0", "pipelane:get: <count> must be from 1 to 10000, not 0"},
            {"pipelane:get demo / 2 3", "pipelane:get: unexpected argument '3'"},
            {"pipelane:endpoints all", "pipelane:endpoints: unexpected argument 'all'"},
            {"pipelane:connections -v", "pipelane:connections: unexpected argument '-v'"},
            {"pipelane:cache a b", "pipelane:cache: unexpected argument 'b'"}}) {
            ConsoleRun r = run(wrong[0]);
            assertTrue(wrong[0] + " fails", r.failure instanceof IllegalArgumentException);
            assertEquals(wrong[0], wrong[1], r.failure.getMessage());
            String command = wrong[0].split(" ")[0];
            assertTrue(wrong[0] + " prints the usage:\n" + r.output, r.output.startsWith("usage: " + command));
            assertFalse(r.output, r.output.contains("Cannot coerce"));
        }
        for (String command : new String[] {"endpoints", "connections", "cache"}) {
            ConsoleRun r = run("pipelane:" + command + " --help");
            assertNull(command + ": " + r.failure, r.failure);
            assertTrue(r.output, r.output.startsWith("usage: pipelane:" + command));
        }

        // Immediate components: the object Gogo calls is the same on every call, not re-created per call.
        ServiceReference<?> get = context.getServiceReferences((String) null,
                "(&(osgi.command.scope=pipelane)(osgi.command.function=get))")[0];
        Object first = context.getService(get);
        context.ungetService(get);
        Object second = context.getService(get);
        context.ungetService(get);
        assertSame(first, second);
    }

    @Test
    public void anExecutorServiceChosenByFilterRunsTheConnections() throws Exception {
        factoryConfig("io.pipelane.endpoint", "pooled", "uri", "http://127.0.0.1:" + one.port());
        org.osgi.service.cm.Configuration defaults = configAdmin.getConfiguration("io.pipelane", "?");
        defaults.update(dict("executor.target", "(name=test-io)"));
        await("no service while no executor matches", () -> !factoryRegistered());

        AtomicInteger tasks = new AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        Executor counting = task -> {
            tasks.incrementAndGet();
            pool.execute(task);
        };
        ServiceRegistration<Executor> reg = context.registerService(Executor.class, counting,
                dict("name", "test-io"));
        try {
            ConnectionFactory factory = factory("pooled");
            Connection c = factory.create("pooled");
            assertEquals("one /x", get(c, "/x"));
            assertTrue("the executor service ran the connection's I/O", tasks.get() > 0);
            c.close();
        } finally {
            reg.unregister();
            pool.shutdownNow();
        }
        await("withdrawn with its executor", () -> !factoryRegistered());
        defaults.delete();
        await("back with its own executor", this::factoryRegistered);
    }

    @Test
    public void anExecutorTargetThatIsNotAFilterKeepsTheExecutorTheServiceAndTheLiveConnections() throws Exception {
        factoryConfig("io.pipelane.endpoint", "typo", "uri", "http://127.0.0.1:" + one.port());
        AtomicInteger tasks = new AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        Executor counting = task -> {
            tasks.incrementAndGet();
            pool.execute(task);
        };
        ServiceRegistration<Executor> reg = context.registerService(Executor.class, counting, dict("name", "typo-io"));
        org.osgi.service.cm.Configuration defaults = configAdmin.getConfiguration("io.pipelane", "?");
        try {
            defaults.update(dict("executor.target", "(name=typo-io)"));
            await("the executor service is in use", () -> String.valueOf(serviceStatus())
                    .contains("offered, executor service matching (name=typo-io)"));
            ConnectionFactory factory = factory("typo");
            Object serviceId = context.getServiceReference(ConnectionFactory.class).getProperty(Constants.SERVICE_ID);
            Connection c = factory.create("typo");
            assertEquals("one /a", get(c, "/a"));

            // A typo in the filter: DS replaces a target it cannot parse by one that matches nothing and unbinds the
            // executor; the core reports the filter and keeps the executor in force, the service and the connection.
            defaults.update(dict("executor.target", "(name=typo-io"));
            await("DS has unbound the executor", () -> !uses(reg, pipelaneBundle()));
            String listing = (String) command("endpoints");
            assertTrue(listing, listing.contains("'(name=typo-io' is not a valid LDAP filter"));
            assertNotNull("the service stays", context.getServiceReference(ConnectionFactory.class));
            assertEquals(serviceId, context.getServiceReference(ConnectionFactory.class).getProperty(Constants.SERVICE_ID));
            assertFalse("the live connection stays", c.isClosed());
            int before = tasks.get();
            assertEquals("one /b", get(c, "/b"));
            Connection d = factory.create("typo");
            assertEquals("one /c", get(d, "/c"));
            assertTrue("the executor in force still runs the I/O", tasks.get() > before);
            d.close();
            c.close();
        } finally {
            defaults.delete();
            reg.unregister();
            pool.shutdownNow();
        }
        await("back with its own executor", () -> String.valueOf(serviceStatus()).contains("own executor"));
    }

    private String serviceStatus() {
        try {
            return ((String) command("endpoints")).lines().findFirst().orElse("");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean uses(ServiceRegistration<?> reg, Bundle bundle) {
        Bundle[] using = reg.getReference().getUsingBundles();
        return using != null && Arrays.asList(using).contains(bundle);
    }

    @Test
    public void releasingTheServiceClosesTheConnectionsOfThatBundleOnly() throws Exception {
        factoryConfig("io.pipelane.endpoint", "mine", "uri", "http://127.0.0.1:" + one.port());
        ServiceReference<ConnectionFactory> ref = factoryReference("(endpoints=mine)");
        ConnectionFactory factory = context.getService(ref);
        Connection c = factory.create("mine");
        CompletableFuture<Response<byte[]>> held = c.call(Request.get("/hold"));
        assertTrue(one.holding.await(10, TimeUnit.SECONDS));
        String before = (String) command("connections");
        assertTrue(before, before.contains("OPEN"));

        while (context.ungetService(ref)) {
            // release every use of this bundle
        }
        try {
            held.get(10, TimeUnit.SECONDS);
            fail("the request must fail when its bundle releases the service");
        } catch (ExecutionException e) {
            assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof RetryException);
            Throwable cause = e.getCause().getCause();
            assertTrue(String.valueOf(cause), cause instanceof ConnectionClosedException);
            assertTrue(cause.getMessage(), cause.getMessage().contains("released by bundle"));
        }
        assertTrue(c.isClosed());
        // The service itself lives on for the next user.
        ConnectionFactory next = context.getService(factoryReference("(endpoints=mine)"));
        one.release();
        Connection d = next.create("mine");
        assertEquals("one /next", get(d, "/next"));
        d.close();
        assertNotNull(next.defaultOptions());
    }
}
