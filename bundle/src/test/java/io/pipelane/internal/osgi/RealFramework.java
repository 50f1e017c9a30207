package io.pipelane.internal.osgi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

/**
 * A real OSGi framework (Apache Felix, nothing installed) for the unit tests of the osgi and console packages:
 * the core registers its service in it, and a test reads the registry as any bundle would. Started by the
 * constructor, stopped by {@link #close()}.
 */
public final class RealFramework implements AutoCloseable {
    private final Framework framework;

    public RealFramework(Path storage) throws Exception {
        framework = new FrameworkFactory().newFramework(Map.of(Constants.FRAMEWORK_STORAGE, storage.toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
    }

    public BundleContext context() {
        return framework.getBundleContext();
    }

    /** The properties of a configuration as DS hands them over: its PID and the given keys and values. */
    public static Map<String, Object> config(String pid, Object... keyValues) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put(Constants.SERVICE_PID, pid);
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    /** The ConnectionFactory service's reference, or null. */
    ServiceReference<?> factory() {
        return context().getServiceReference("io.pipelane.ConnectionFactory");
    }

    /** The endpoints property of the ConnectionFactory service. */
    List<String> offered() {
        ServiceReference<?> r = factory();
        return r == null ? null : Arrays.asList((String[]) r.getProperty(PipelaneCore.ENDPOINTS_PROPERTY));
    }

    /** Every property of every registered service, as text. */
    String allServiceProperties() throws Exception {
        List<String> out = new ArrayList<>();
        ServiceReference<?>[] all = context().getAllServiceReferences(null, null);
        if (all != null) {
            for (ServiceReference<?> r : all) {
                for (String k : r.getPropertyKeys()) {
                    Object v = r.getProperty(k);
                    out.add(k + "=" + (v instanceof Object[] ? Arrays.deepToString((Object[]) v) : String.valueOf(v)));
                }
            }
        }
        return String.join("\n", out);
    }

    @Override
    public void close() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }
}
