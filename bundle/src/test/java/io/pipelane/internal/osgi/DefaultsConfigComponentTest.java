package io.pipelane.internal.osgi;

import static io.pipelane.internal.osgi.RealFramework.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;

/**
 * The component that reads {@code io.pipelane} and tracks the executor, wired to a real core in a real framework
 * (DS's part, binding the reference and calling the lifecycle methods, is played by the test in DS's order).
 */
class DefaultsConfigComponentTest {
    @TempDir
    Path storage;
    private RealFramework framework;
    private PipelaneCore core;
    private DefaultsConfigComponent component;
    private ExecutorService pool;

    @BeforeEach
    void start() throws Exception {
        framework = new RealFramework(storage);
        core = new PipelaneCore(framework.context());
        component = new DefaultsConfigComponent();
        Field runtime = DefaultsConfigComponent.class.getDeclaredField("runtime");
        runtime.setAccessible(true);
        runtime.set(component, core);
        pool = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        pool.shutdownNow();
        core.deactivate();
        framework.close();
    }

    @Test
    void theFrameworkIsNeverCalledWhileTheComponentHoldsItsLock() {
        List<String> violations = new CopyOnWriteArrayList<>();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        ServiceListener listener = event -> {
            // Service events are delivered synchronously, on the thread that registers, modifies or unregisters.
            if (Thread.holdsLock(component)) violations.add(event.getType() + " under the component's lock");
            seen.add(event.getType());
        };
        framework.context().addServiceListener(listener);
        core.putEndpoint("io.pipelane.endpoint~a", config("io.pipelane.endpoint~a", "uri", "http://127.0.0.1:1"));

        component.activate(config("io.pipelane", "executor.target", "(name=io)", "maxPipelineDepth", "3"));
        assertNull(framework.factory(), "withdrawn while executor.target selects no executor");
        component.bindExecutor(pool);
        assertNotNull(framework.factory(), "offered once DS binds a matching executor");
        component.modified(config("io.pipelane", "executor.target", "(name=io)", "maxPipelineDepth", "5"));
        assertEquals(5, core.engine().defaultOptions().maxPipelineDepth(), "the latest configuration is in force");
        component.unbindExecutor(pool);
        assertNull(framework.factory(), "withdrawn when the executor goes");
        component.deactivate();
        assertNotNull(framework.factory(), "without the defaults configuration, the built-in defaults apply");
        assertEquals(io.pipelane.ConnectionOptions.defaults().maxPipelineDepth(),
                core.engine().defaultOptions().maxPipelineDepth());

        assertTrue(seen.contains(ServiceEvent.REGISTERED) && seen.contains(ServiceEvent.UNREGISTERING),
                "the component's calls made the core register and unregister: " + seen);
        assertEquals(List.of(), violations);
    }
}
