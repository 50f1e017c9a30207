package io.pipelane.inject;

import io.pipelane.Connection;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionFactoryBuilder;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The default {@link ConnectionFactory}, for {@code jakarta.inject} (JSR-330) containers: Guice, Weld, HK2,
 * Dagger, … It is built from the injected {@link PipelaneSettings} (whose injectable constructor gives safe
 * defaults; {@link #cache()} has {@link PipelaneSettings#cacheOptions()}, proxy included) and owns its threads unless the settings name an executor: {@link #close()} it when the
 * application stops.
 */
@Singleton
public class DefaultConnectionFactory implements ConnectionFactory {
    private final ConnectionFactory delegate;

    @Inject
    public DefaultConnectionFactory(PipelaneSettings settings) {
        ConnectionFactoryBuilder b = ConnectionFactory.builder()
                .defaultOptions(settings.defaultOptions())
                .executor(settings.executor())
                .cacheOptions(settings.cacheOptions());
        for (Map.Entry<String, Endpoint> e : settings.endpoints().entrySet()) {
            b.endpoint(e.getKey(), e.getValue(), settings.connectionOptions(e.getKey()));
        }
        this.delegate = b.build();
    }

    @Override
    public Connection create(Endpoint endpoint, ConnectionOptions options) {
        return delegate.create(endpoint, options);
    }

    @Override
    public CompletionStage<Connection> connect(Endpoint endpoint, ConnectionOptions options) {
        return delegate.connect(endpoint, options);
    }

    @Override
    public Connection create(String endpointName) {
        return delegate.create(endpointName);
    }

    @Override
    public CompletionStage<Connection> connect(String endpointName) {
        return delegate.connect(endpointName);
    }

    @Override
    public ConnectionCache cache() {
        return delegate.cache();
    }

    @Override
    public ConnectionOptions defaultOptions() {
        return delegate.defaultOptions();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
