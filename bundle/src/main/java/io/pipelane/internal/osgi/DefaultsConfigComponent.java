package io.pipelane.internal.osgi;

import io.pipelane.internal.config.OptionKeys;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The defaults configuration (PID {@code io.pipelane}) and the executor it selects: hands both to the core. It
 * registers no service, so no configuration value (a proxy password) ever becomes a service property; the
 * component that provides {@link PipelaneRuntime} has no configuration.
 *
 * <p>The executor is a reference DS tracks, named {@code executor}, so the configuration's {@code executor.target}
 * filters it the standard way. Its default target matches no service: without {@code executor.target} the core
 * uses its own executor. Lifecycle: activated with (or without) the configuration; modified on every change of
 * it; the executor bound, replaced and unbound at any time, on DS's thread; deactivated when the bundle stops or
 * the core goes away.
 */
@Component(configurationPid = PipelaneCore.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {},
        immediate = true)
@Designate(ocd = DefaultsConfiguration.class)
public final class DefaultsConfigComponent {
    /** Matches no service: an executor is only used when {@code executor.target} selects one. */
    static final String NO_EXECUTOR = "(io.pipelane.executor.target=unset)";
    private static final String EXECUTOR_TARGET = OptionKeys.EXECUTOR_TARGET.key();

    @Reference
    private PipelaneRuntime runtime;
    private volatile Map<String, Object> properties;
    private volatile Executor executor;
    private volatile boolean active;
    /** Whether a thread is in {@link #hand}; guarded by this. */
    private boolean handing;
    /** Whether something changed while a thread was handing; guarded by this. */
    private boolean handAgain;

    /** DS binds the executor before {@link #activate}, and rebinds it at any time after. */
    @Reference(name = "executor", service = Executor.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, target = NO_EXECUTOR,
            unbind = "unbindExecutor")
    void bindExecutor(Executor executor) {
        this.executor = executor;
        if (active) hand();
    }

    void unbindExecutor(Executor executor) {
        // A greedy replacement binds the new executor before it unbinds the old one.
        if (this.executor != executor) return;
        this.executor = null;
        if (active) hand();
    }

    @Activate
    void activate(Map<String, Object> properties) {
        this.properties = properties;
        active = true;
        hand();
    }

    @Modified
    void modified(Map<String, Object> properties) {
        this.properties = properties;
        hand();
    }

    @Deactivate
    void deactivate() {
        active = false;
        hand();
    }

    /**
     * Hands the configuration and executor in force to the core (none once deactivated), outside this object's lock:
     * the core may register or unregister the service, and the framework is never called under a lock. One thread
     * hands at a time; a change made meanwhile is handed by that thread before it leaves, so the core always ends
     * with the latest values, never an older one overtaking them.
     */
    private void hand() {
        synchronized (this) {
            if (handing) {
                handAgain = true;
                return;
            }
            handing = true;
        }
        boolean again = true;
        try {
            while (again) {
                Map<String, Object> p;
                Executor e;
                boolean on;
                synchronized (this) {
                    p = properties;
                    e = executor;
                    on = active;
                    handAgain = false;
                }
                if (on) runtime.defaults(configuration(p), e);
                else runtime.defaults(null, null);
                synchronized (this) {
                    again = handAgain;
                    if (!again) handing = false;
                }
            }
        } finally {
            if (again) {
                synchronized (this) {
                    handing = false; // the core threw: the next change hands again
                }
            }
        }
    }

    /** The configuration's properties for the core, or {@code null} when there is none (the built-in defaults). */
    private static Map<String, Object> configuration(Map<String, Object> p) {
        // Without a configuration, DS gives only component.* properties.
        if (p == null || !p.containsKey(Constants.SERVICE_PID)) return null;
        // DS adds the reference's default target to the properties when the configuration sets none.
        if (NO_EXECUTOR.equals(p.get(EXECUTOR_TARGET))) {
            p = new HashMap<>(p);
            p.remove(EXECUTOR_TARGET);
        }
        return p;
    }
}
