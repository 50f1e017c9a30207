package io.pipelane.itest.felix;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Configuration as people type it: a bad value disables only its own configuration and says why (PID, key, value
 * without secrets) in the log and in {@code pipelane:endpoints}; fixing or deleting it recovers without a restart;
 * a bad {@code io.pipelane} keeps the last valid defaults, the service and the live connections; and no configured
 * secret ever appears in a service property, a log record, an exception, the console or the metatype.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurationFelixIT extends FelixTestSupport {
    private TestServers server;

    @Before
    public void startServer() throws Exception {
        server = TestServers.http("origin");
    }

    @After
    public void cleanUp() throws Exception {
        deleteConfigurationsAndAwaitTheBuiltInState();
        server.stop();
    }

    private String origin() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A bad value of a key, and what its error says. */
    private static final Object[][] BAD_ENDPOINT_VALUES = {
            {"name", new String[] {"a", "b"}, "key 'name': expected one value, got 2"},
            {"name", "two words", "key 'name': 'two words' must not contain spaces"},
            {"uri", "ftp://127.0.0.1", "key 'uri': invalid endpoint URI 'ftp://127.0.0.1': unsupported scheme 'ftp'"},
            {"uri", "http://127.0.0.1:1/path", "must not have a path, query or fragment"},
            {"uri", "http://exa mple", "key 'uri': invalid endpoint URI 'http://exa mple': Illegal character"},
            {"connectTimeout", "-5s", "key 'connectTimeout': -5s is not a positive duration"},
            {"connectTimeout", "999999999d", "key 'connectTimeout': 999999999d is more than 365d"},
            {"responseTimeout", "soon", "key 'responseTimeout': 'soon' is not a duration"},
            {"waitTimeout", "PT2562047788015215H", "key 'waitTimeout': PT2562047788015215H is more than 365d"},
            {"keep", "0", "key 'keep': 0ms is not a positive duration"},
            {"maxPipelineDepth", "0", "key 'maxPipelineDepth': 0 is less than 1"},
            {"maxPipelineDepth", "many", "key 'maxPipelineDepth': 'many' is not a whole number"},
            {"maxPipelineDepth", "99999999999", "key 'maxPipelineDepth': 99999999999 is more than 2147483647"},
            {"maxBufferedBodyBytes", "3000000000", "key 'maxBufferedBodyBytes': 3000000000 is more than 2147483639"},
            {"persistence", "SOMETIMES", "key 'persistence': 'SOMETIMES' is not one of"},
            {"pipelineAfterNonIdempotent", "perhaps", "key 'pipelineAfterNonIdempotent': 'perhaps' is not true or false"},
            {"parallel", "0", "key 'parallel': 0 is less than 1"},
            {"retry", "1000", "key 'retry': 1000 is more than 100"},
            {"proxy.port", "3128", "key 'proxy.host': missing, but proxy.port is set"},
            {"proxy.host", "http://proxy:3128", "key 'proxy.host': 'http://proxy:3128' is not a host name"},
            {"proxy.exceptions", "10.0.0.0/99", "key 'proxy.exceptions': no-proxy entry '10.0.0.0/99'"},
            {"tls", "missing", "key 'tls': TLS context 'missing' given for an endpoint that is not https"},
            {"executor.target", "(name=x)", "key 'executor.target': can only be set in the defaults"},
    };

    @Test
    public void eachBadValueDisablesOnlyItsEndpointSaysWhyAndRecovers() throws Exception {
        try (LogCapture log = new LogCapture()) {
            factoryConfig("io.pipelane.endpoint", "good", "uri", origin());
            ConnectionFactory factory = factory("good");
            for (int i = 0; i < BAD_ENDPOINT_VALUES.length; i++) {
                Object[] row = BAD_ENDPOINT_VALUES[i];
                String key = (String) row[0];
                String alias = "bad" + i;
                String pid = "io.pipelane.endpoint~" + alias;
                org.osgi.service.cm.Configuration bad = key.equals("uri")
                        ? factoryConfig("io.pipelane.endpoint", alias, "uri", row[1])
                        : factoryConfig("io.pipelane.endpoint", alias, "uri", origin(), key, row[1]);
                String expected = (String) row[2];
                await(pid + " " + key + " is reported", () -> log.contains("ERROR", pid, expected));
                String listing = (String) command("endpoints");
                assertTrue(key + ": " + listing, listing.contains(pid));
                assertTrue(key + ": " + listing, listing.contains(expected));
                assertTrue(key + ": " + listing, listing.contains("INVALID"));
                // Only that endpoint: the good one is offered and works.
                assertTrue(offers("good"));
                Connection c = factory.create("good");
                assertEquals("origin /" + i, body(c.call(Request.get("/" + i)).get(10, TimeUnit.SECONDS)));
                c.close();
                // Fixing it recovers it, without a restart.
                bad.update(dict("uri", origin()));
                await(alias + " is offered once fixed", () -> offers(alias));
                assertFalse(((String) command("endpoints")).contains(expected));
                bad.delete();
                await(alias + " is gone", () -> !offers(alias));
            }
            // A bad configuration deleted leaves nothing behind: a later endpoint is offered.
            org.osgi.service.cm.Configuration twoNames = factoryConfig("io.pipelane.endpoint", "twonames",
                    "name", new String[] {"x", "y"}, "uri", origin());
            await("the two-valued name is reported", () -> log.contains("ERROR", "io.pipelane.endpoint~twonames",
                    "key 'name': expected one value, got 2"));
            twoNames.delete();
            factoryConfig("io.pipelane.endpoint", "later", "uri", origin());
            await("a later endpoint is offered", () -> offers("later"));
        }
    }

    @Test
    public void aTrustStorePathThatIsNotAPathDisablesOnlyItsEndpoints() throws Exception {
        try (LogCapture log = new LogCapture()) {
            factoryConfig("io.pipelane.endpoint", "good", "uri", origin());
            factory("good");
            org.osgi.service.cm.Configuration tls = factoryConfig("io.pipelane.tls", "nulpath", "truststore",
                    "/tmp/a\0b.p12");
            factoryConfig("io.pipelane.endpoint", "secure", "uri", "https://127.0.0.1:1", "tls", "nulpath");
            await("reported", () -> log.contains("ERROR", "io.pipelane.tls~nulpath", "key 'truststore': not a valid path"));
            await("the endpoint says why", () -> listing()
                    .contains("key 'tls': TLS context 'nulpath' is invalid"));
            assertTrue(offers("good"));
            assertFalse(offers("secure"));
            tls.update(dict("hostnameVerification", "true"));
            await("fixing the TLS context recovers the endpoint", () -> offers("secure"));
        }
    }

    @Test
    public void aBadDefaultsConfigurationLeavesTheServiceAndARunningRequestUntouched() throws Exception {
        try (LogCapture log = new LogCapture()) {
            org.osgi.service.cm.Configuration defaults = configAdmin.getConfiguration("io.pipelane", "?");
            // The first configuration ever being bad: the built-in defaults.
            defaults.update(dict("maxPipelineDepth", "0"));
            factoryConfig("io.pipelane.endpoint", "live", "uri", origin(), "persistence", "TRUE");
            ConnectionFactory factory = factory("live");
            await("reported", () -> log.contains("ERROR", "io.pipelane: key 'maxPipelineDepth': 0 is less than 1",
                    "in force: the built-in defaults"));
            assertEquals(32, factory.defaultOptions().maxPipelineDepth());

            defaults.update(dict("responseTimeout", "20s"));
            await("valid defaults apply", () -> factory.defaultOptions().responseTimeout().getSeconds() == 20);
            ServiceReference<ConnectionFactory> before = context.getServiceReference(ConnectionFactory.class);
            Connection c = factory.create("live");
            CompletableFuture<Response<byte[]>> running = c.call(Request.get("/hold"));
            assertTrue(server.holding.await(10, TimeUnit.SECONDS));

            defaults.update(dict("responseTimeout", "999999999d", "persistence", "FALSE"));
            await("reported", () -> log.contains("ERROR", "io.pipelane: key 'responseTimeout': 999999999d is more "
                    + "than 365d", "in force: the last valid io.pipelane"));
            assertEquals("the same service", before.getProperty(Constants.SERVICE_ID),
                    context.getServiceReference(ConnectionFactory.class).getProperty(Constants.SERVICE_ID));
            assertEquals("nothing of the bad configuration", Persistence.AUTO, factory.defaultOptions().persistence());
            assertEquals(20, factory.defaultOptions().responseTimeout().getSeconds());
            String listing = (String) command("endpoints");
            assertTrue(listing, listing.contains("in force: the last valid io.pipelane"));
            assertTrue(listing, listing.contains("live"));
            server.release();
            assertEquals("origin /hold", body(running.get(10, TimeUnit.SECONDS)));
            assertFalse("the live connection stays", c.isClosed());
            assertEquals("origin /next", body(c.call(Request.get("/next")).get(10, TimeUnit.SECONDS)));
            c.close();

            defaults.delete();
            await("deleting it recovers", () -> !listing().contains("INVALID"));
            assertEquals(30, factory.defaultOptions().responseTimeout().getSeconds());
        }
    }

    // -------------------------------------------------------------------------------------------- secrets

    private static final String DEFAULTS_PROXY_PASSWORD = "Sx1-defaults-proxy-pw";
    private static final String ENDPOINT_PROXY_PASSWORD = "Sx2-endpoint-proxy-pw";
    private static final String URI_PASSWORD = "Sx3-uri-userinfo-pw";
    private static final String TRUSTSTORE_PASSWORD = "Sx4-truststore-pw";
    private static final String KEYSTORE_PASSWORD = "Sx5-keystore-pw";
    private static final String KEY_PASSWORD = "Sx6-key-pw";
    private static final String HOST_PASSWORD = "Sx7-proxy-host-pw";
    private static final String COMMAND_PASSWORD = "Sx8-typed-at-the-console";
    private static final List<String> SECRETS = List.of(DEFAULTS_PROXY_PASSWORD, ENDPOINT_PROXY_PASSWORD,
            URI_PASSWORD, TRUSTSTORE_PASSWORD, KEYSTORE_PASSWORD, KEY_PASSWORD, HOST_PASSWORD, COMMAND_PASSWORD);

    @Test
    public void noConfiguredSecretLeavesTheBundle() throws Exception {
        // The proxies' port: bound by a socket that never listens, so connects to it are refused and no other
        // process can take it during the test (a port closed again could be, and would receive the CONNECT).
        Socket closedPortHolder = new Socket();
        closedPortHolder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int closedPort = closedPortHolder.getLocalPort();
        StringBuilder seen = new StringBuilder();
        PrintStream systemOut = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (closedPortHolder; LogCapture log = new LogCapture()) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            org.osgi.service.cm.Configuration defaults = configAdmin.getConfiguration("io.pipelane", "?");
            defaults.update(dict("proxy.host", "127.0.0.1", "proxy.port", String.valueOf(closedPort),
                    "proxy.user", "u", "proxy.password", DEFAULTS_PROXY_PASSWORD, "proxy.exceptions", "127.0.0.1"));
            factoryConfig("io.pipelane.endpoint", "direct", "uri", origin());
            factoryConfig("io.pipelane.endpoint", "viaproxy", "uri", origin(), "proxy.host", "127.0.0.1",
                    "proxy.port", closedPort, "proxy.user", "u", "proxy.password", ENDPOINT_PROXY_PASSWORD,
                    "proxy.exceptions", "none.example");
            factoryConfig("io.pipelane.endpoint", "userinfo", "uri", "https://svc:" + URI_PASSWORD + "@127.0.0.1:1");
            factoryConfig("io.pipelane.endpoint", "badproxyhost", "uri", origin(),
                    "proxy.host", "u:" + HOST_PASSWORD + "@proxy", "proxy.port", "3128");
            factoryConfig("io.pipelane.tls", "stores", "truststore", "/nonexistent/trust.p12",
                    "truststore.password", TRUSTSTORE_PASSWORD, "keystore", "/nonexistent/key.p12",
                    "keystore.password", KEYSTORE_PASSWORD, "key.password", KEY_PASSWORD);
            factoryConfig("io.pipelane.endpoint", "secure", "uri", "https://127.0.0.1:1", "tls", "stores");
            ConnectionFactory factory = factory("viaproxy");
            await("every error is reported", () -> log.contains("ERROR", "io.pipelane.endpoint~userinfo")
                    && log.contains("ERROR", "io.pipelane.endpoint~badproxyhost")
                    && log.contains("ERROR", "io.pipelane.tls~stores"));

            // Every command, and every error path of them.
            seen.append(command("endpoints")).append(command("connections"));
            seen.append(command("get", "direct", "/", 2));
            for (Object[] call : new Object[][] {{"viaproxy", "/"}, {"userinfo", "/"}, {"secure", "/"},
                    {"badproxyhost", "/"}, {"https://svc:" + COMMAND_PASSWORD + "@127.0.0.1:1", "/"}}) {
                try {
                    seen.append(command("get", call[0], call[1]));
                } catch (Exception e) {
                    seen.append(chain(e));
                }
            }
            // The cache, through and around the proxy, and its command.
            ConnectionCache cache = factory.cache();
            seen.append(body(cache.call("direct", Request.get("/c"), BodyHandlers.ofByteArray())
                    .get(10, TimeUnit.SECONDS)));
            try {
                cache.call("viaproxy", Request.get("/p"), BodyHandlers.ofByteArray()).get(10, TimeUnit.SECONDS);
                fail("no proxy listens there");
            } catch (Exception e) {
                seen.append(chain(e));
            }
            for (String name : new String[] {"direct", "userinfo", "secure"}) {
                try {
                    seen.append(factory.create(name));
                } catch (Exception e) {
                    seen.append(chain(e));
                }
            }
            seen.append(command("cache")).append(command("cache", "viaproxy"))
                    .append(command("cache", "https://svc:" + COMMAND_PASSWORD + "@x"));
            seen.append(command("endpoints")).append(command("connections"));
            seen.append(factory.defaultOptions()).append(cache.options()).append(cache.metrics());

            // Every registered service's properties, of every bundle.
            for (ServiceReference<?> r : context.getAllServiceReferences(null, null)) {
                for (String k : r.getPropertyKeys()) {
                    Object v = r.getProperty(k);
                    seen.append(k).append('=').append(v instanceof Object[] ? Arrays.deepToString((Object[]) v)
                            : String.valueOf(v)).append('\n');
                }
            }
            // The metatype.
            MetaTypeService mts = context.getService(context.getServiceReference(MetaTypeService.class));
            Bundle bundle = pipelaneBundle();
            MetaTypeInformation info = mts.getMetaTypeInformation(bundle);
            List<String> pids = new ArrayList<>(Arrays.asList(info.getPids()));
            pids.addAll(Arrays.asList(info.getFactoryPids()));
            for (String pid : pids) {
                for (AttributeDefinition ad : info.getObjectClassDefinition(pid, null)
                        .getAttributeDefinitions(ObjectClassDefinition.ALL)) {
                    seen.append(ad.getID()).append(Arrays.toString(ad.getDefaultValue())).append('\n');
                }
            }
            seen.append(String.join("\n", log.messages()));
        } finally {
            System.setOut(systemOut);
        }
        seen.append(printed.toString(StandardCharsets.UTF_8));
        String all = seen.toString();
        assertTrue("the commands ran: " + all, all.contains("2 x 200") && all.contains("io.pipelane.tls~stores"));
        assertTrue("the URI is quoted, redacted: " + all, all.contains("https://****@127.0.0.1:1"));
        for (String secret : SECRETS) {
            int at = all.indexOf(secret);
            assertTrue("a secret escaped: ..." + (at < 0 ? "" : all.substring(Math.max(0, at - 300),
                    Math.min(all.length(), at + 100))), at < 0);
        }
    }

    /** What pipelane:endpoints prints. */
    private String listing() {
        try {
            return (String) command("endpoints");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append('\n');
            for (Throwable s : c.getSuppressed()) b.append(s).append('\n');
        }
        return b.toString();
    }

    private static String body(Response<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
