package io.pipelane.internal.osgi;

import io.pipelane.ConnectionListener;
import io.pipelane.internal.event.EventBus;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The whiteboard of {@link ConnectionListener} services: each one registered by any bundle receives the events
 * of the Pipelane connections (restricted to the endpoints its {@value ConnectionListener#ENDPOINTS_PROPERTY}
 * property names, if any) from when DS binds it until it is unregistered. Bound and unbound dynamically: nothing
 * restarts when listeners come and go.
 *
 * <p>When this component goes away DS unbinds every listener, which removes it from the bus. DS calls the bind methods one at a time per reference, on its own threads; they only add to or remove from
 * the factory's {@link EventBus}, which never calls a listener on the caller's thread.
 */
@Component(service = {}, immediate = true)
public final class ListenerWhiteboard {
    private final EventBus bus;

    @Activate
    public ListenerWhiteboard(@Reference PipelaneRuntime runtime) {
        this.bus = runtime.engine().events();
    }

    @Reference(service = ConnectionListener.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeListener", updated = "updatedListener")
    void addListener(ConnectionListener listener, Map<String, Object> properties) {
        try {
            bus.addListener(listener, endpoints(properties), describe(listener, properties));
        } catch (IllegalStateException closing) {
            // the factory is closing with the bundle: nothing more to observe
        }
    }

    void updatedListener(ConnectionListener listener, Map<String, Object> properties) {
        bus.updateListener(listener, endpoints(properties));
    }

    void removeListener(ConnectionListener listener) {
        bus.removeListener(listener);
    }

    /** The endpoints of the property, or null for all (absent or empty). */
    static Set<String> endpoints(Map<String, Object> properties) {
        Object v = properties.get(ConnectionListener.ENDPOINTS_PROPERTY);
        Collection<?> values;
        if (v == null) return null;
        if (v instanceof String[]) values = Arrays.asList((String[]) v);
        else if (v instanceof Collection) values = (Collection<?>) v;
        else values = Arrays.asList(String.valueOf(v).split(","));
        Set<String> out = new LinkedHashSet<>();
        for (Object o : values) {
            String s = String.valueOf(o).trim();
            if (!s.isEmpty()) out.add(s);
        }
        return out.isEmpty() ? null : out;
    }

    private static String describe(ConnectionListener listener, Map<String, Object> properties) {
        return listener.getClass().getName() + " (service " + properties.get(Constants.SERVICE_ID) + ")";
    }
}
