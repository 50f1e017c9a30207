package io.pipelane.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.pipelane.internal.osgi.RealFramework.config;

import io.pipelane.UnknownEndpointException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;

/** The core in a real OSGi framework: what it registers, when, and what a bad configuration does to it. */
class PipelaneCoreTest {
    private static final String SECRET = "core-test-secret-pw";

    @TempDir
    Path storage;
    private RealFramework framework;
    private PipelaneCore core;

    @BeforeEach
    void start() throws Exception {
        framework = new RealFramework(storage);
        core = new PipelaneCore(framework.context());
    }

    @AfterEach
    void stop() throws Exception {
        core.deactivate();
        framework.close();
    }

    @Test
    void offersTheServiceWithTheBuiltInDefaultsAndNoSecretInAnyProperty() throws Exception {
        assertEquals(List.of(), framework.offered(), "offered with no configuration at all");
        core.defaults(config("io.pipelane", "proxy.host", "proxy", "proxy.port", "3128", "proxy.user", "u",
                "proxy.password", SECRET), null);
        core.putEndpoint("io.pipelane.endpoint~a", config("io.pipelane.endpoint~a", "uri", "http://127.0.0.1:1",
                "proxy.host", "p2", "proxy.port", "1", "proxy.user", "u", "proxy.password", SECRET));
        core.putTls("io.pipelane.tls~t", config("io.pipelane.tls~t", "truststore.password", SECRET));
        assertEquals(List.of("a"), framework.offered());
        assertFalse(framework.allServiceProperties().contains(SECRET), framework.allServiceProperties());
    }

    @Test
    void anInvalidDefaultsConfigurationKeepsTheServiceAndTheLastValidDefaults() {
        core.defaults(config("io.pipelane", "maxPipelineDepth", "7"), null);
        core.putEndpoint("io.pipelane.endpoint~a", config("io.pipelane.endpoint~a", "uri", "http://127.0.0.1:1"));
        Object serviceId = framework.factory().getProperty(Constants.SERVICE_ID);
        core.defaults(config("io.pipelane", "maxPipelineDepth", "0", "persistence", "FALSE"), null);
        assertEquals(serviceId, framework.factory().getProperty(Constants.SERVICE_ID), "the same registration");
        assertEquals(List.of("a"), framework.offered());
        assertEquals(7, core.engine().defaultOptions().maxPipelineDepth(), "the last valid defaults");
        assertEquals(io.pipelane.Persistence.AUTO, core.engine().defaultOptions().persistence());
        assertEquals("the last valid io.pipelane", core.configuration().defaultsInForce());
        core.defaults(config("io.pipelane", "maxPipelineDepth", "9"), null);
        assertEquals(9, core.engine().defaultOptions().maxPipelineDepth(), "fixing it applies it");
        assertNull(core.configuration().defaultsError());
    }

    @Test
    void aConfigurationThatThrowsDisablesOnlyItselfAndDeletingItLeavesNothingBehind() {
        core.putEndpoint("io.pipelane.endpoint~two", config("io.pipelane.endpoint~two", "name",
                new String[] {"x", "y"}, "uri", "http://127.0.0.1:1"));
        core.putEndpoint("io.pipelane.endpoint~good", config("io.pipelane.endpoint~good", "uri", "http://127.0.0.1:1"));
        assertEquals(List.of("good"), framework.offered());
        assertTrue(core.configuration().errors().get(0).contains("key 'name': expected one value, got 2"));
        core.removeEndpoint("io.pipelane.endpoint~two");
        core.putEndpoint("io.pipelane.endpoint~later", config("io.pipelane.endpoint~later", "uri", "http://h:1"));
        assertEquals(List.of("good", "later"), framework.offered());
        assertTrue(core.configuration().errors().isEmpty());
        UnknownEndpointException e = assertThrows(UnknownEndpointException.class,
                () -> core.create("https://svc:" + SECRET + "@h"));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void anExecutorTargetWithoutAMatchingServiceWithdrawsTheServiceUntilOneIsBound() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Map<String, Object> defaults = config("io.pipelane", "executor.target", "(name=io)");
            core.defaults(defaults, null);
            assertNull(framework.factory(), "not offered while no executor matches");
            assertTrue(core.serviceStatus().contains("waiting for an Executor service matching executor.target=(name=io)"));
            core.defaults(defaults, pool);
            assertNotNull(framework.factory());
            assertTrue(core.serviceStatus().startsWith("offered, executor service matching (name=io)"));
            // An invalid filter keeps the executor in force and says why.
            core.defaults(config("io.pipelane", "executor.target", "(name=io"), pool);
            assertNotNull(framework.factory());
            assertTrue(core.executorError().startsWith("io.pipelane: key 'executor.target': '(name=io' is not a "
                    + "valid LDAP filter"), core.executorError());
            // DS then unbinds the executor (it replaces a target it cannot parse by one that matches nothing):
            // the executor in force is still kept, and so is the service.
            core.defaults(config("io.pipelane", "executor.target", "(name=io"), null);
            assertNotNull(framework.factory(), "a typo in the filter does not withdraw the service");
            assertTrue(core.serviceStatus().startsWith("offered, executor service matching (name=io)"),
                    core.serviceStatus());
            // Without executor.target, an executor DS may have bound is not used.
            core.defaults(null, pool);
            assertTrue(core.serviceStatus().startsWith("offered, own executor"), core.serviceStatus());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFrameworkIsNeverCalledWhileTheCoreHoldsItsLock() throws Exception {
        List<String> violations = new ArrayList<>();
        ServiceListener listener = event -> {
            // Service events are delivered synchronously, on the thread that registers, modifies or unregisters.
            if (Thread.holdsLock(core)) violations.add(event.getType() + " under the core's lock");
        };
        framework.context().addServiceListener(listener);
        List<Integer> seen = new ArrayList<>();
        ServiceListener counting = event -> seen.add(event.getType());
        framework.context().addServiceListener(counting, "(objectClass=io.pipelane.ConnectionFactory)");
        core.putEndpoint("io.pipelane.endpoint~a", config("io.pipelane.endpoint~a", "uri", "http://127.0.0.1:1"));
        Executor none = null;
        core.defaults(config("io.pipelane", "executor.target", "(name=io)"), none);
        core.defaults(null, null);
        core.removeEndpoint("io.pipelane.endpoint~a");
        core.deactivate();
        assertTrue(seen.contains(ServiceEvent.MODIFIED) && seen.contains(ServiceEvent.UNREGISTERING)
                && seen.contains(ServiceEvent.REGISTERED), "every kind of call happened: " + seen);
        assertEquals(List.of(), violations);
        core = new PipelaneCore(framework.context()); // for stop()
    }
}
