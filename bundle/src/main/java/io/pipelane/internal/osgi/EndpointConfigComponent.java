package io.pipelane.internal.osgi;

import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One endpoint configuration (factory PID {@code io.pipelane.endpoint}): hands it to the core, which checks it.
 * It registers no service, so no configuration value ever becomes a service property.
 */
@Component(configurationPid = EndpointConfigComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = EndpointConfiguration.class, factory = true)
public final class EndpointConfigComponent {
    public static final String FACTORY_PID = "io.pipelane.endpoint";

    private final PipelaneRuntime runtime;
    private final String pid;

    @Activate
    public EndpointConfigComponent(@Reference PipelaneRuntime runtime, Map<String, Object> properties) {
        this.runtime = runtime;
        this.pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        runtime.putEndpoint(pid, properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        runtime.putEndpoint(pid, properties);
    }

    @Deactivate
    void deactivate() {
        runtime.removeEndpoint(pid);
    }
}
