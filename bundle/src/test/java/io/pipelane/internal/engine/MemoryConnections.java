package io.pipelane.internal.engine;

import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;

import java.util.Map;

/** Connections over in-memory transports, for engine tests: every connection it makes gets a {@link MemoryTransport}. */
final class MemoryConnections implements AutoCloseable {
    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory factory;

    MemoryConnections(String name) {
        factory = new PipelaneConnectionFactory(ConnectionOptions.defaults(), Map.of(), null, name, connector);
    }

    /** A connection to {@code http://example.test:80} with {@code options}. */
    Connection connect(ConnectionOptions options) {
        return factory.create(Endpoint.http("example.test", 80), options);
    }

    /** A connection that pipelines from the start (persistence TRUE). */
    Connection connect() {
        return connect(ConnectionOptions.builder().persistence(Persistence.TRUE).build());
    }

    /** The transport of the next connection opened, waiting for it. */
    MemoryTransport next() throws InterruptedException {
        return connector.next();
    }

    /** Closes the factory and its connections. */
    @Override
    public void close() {
        factory.close();
    }
}
