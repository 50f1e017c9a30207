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
 * One TLS context configuration (factory PID {@code io.pipelane.tls}): hands it to the core, which builds the
 * SSL context. It registers no service, so the passwords never become service properties.
 */
@Component(configurationPid = TlsConfigComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = TlsConfiguration.class, factory = true)
public final class TlsConfigComponent {
    public static final String FACTORY_PID = "io.pipelane.tls";

    private final PipelaneRuntime runtime;
    private final String pid;

    @Activate
    public TlsConfigComponent(@Reference PipelaneRuntime runtime, Map<String, Object> properties) {
        this.runtime = runtime;
        this.pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        runtime.putTls(pid, properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        runtime.putTls(pid, properties);
    }

    @Deactivate
    void deactivate() {
        runtime.removeTls(pid);
    }

    @Override
    public String toString() {
        return "TLS context configuration " + pid; // never the properties: they hold passwords
    }
}
