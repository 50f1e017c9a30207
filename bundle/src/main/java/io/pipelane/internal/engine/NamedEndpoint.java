package io.pipelane.internal.engine;

import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;

import java.util.Objects;

/**
 * An endpoint configured under a name, with its own options or ({@code null}) the factory's defaults.
 */
public record NamedEndpoint(String name, Endpoint endpoint, ConnectionOptions options) {
    public NamedEndpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(endpoint, "endpoint");
    }

    /** The options to use: the endpoint's own, else {@code defaults}. */
    public ConnectionOptions optionsOr(ConnectionOptions defaults) {
        return options != null ? options : defaults;
    }
}
