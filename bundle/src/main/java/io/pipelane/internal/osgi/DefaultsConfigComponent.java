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
        synchronized (this) {
            runtime.defaults(null, null);
        }
    }

    /** Synchronized: the core gets the values in the order they were read. */
    private synchronized void hand() {
        Map<String, Object> p = properties;
        // Without a configuration, DS gives only component.* properties: the built-in defaults apply.
        if (p == null || !p.containsKey(Constants.SERVICE_PID)) {
            runtime.defaults(null, executor);
            return;
        }
        // DS adds the reference's default target to the properties when the configuration sets none.
        if (NO_EXECUTOR.equals(p.get(EXECUTOR_TARGET))) {
            p = new HashMap<>(p);
            p.remove(EXECUTOR_TARGET);
        }
        runtime.defaults(p, executor);
    }
}
