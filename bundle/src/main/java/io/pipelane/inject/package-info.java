/**
 * Pipelane for dependency injection outside OSGi ({@code jakarta.inject}, JSR-330): inject
 * {@link io.pipelane.inject.DefaultConnectionFactory} (or bind {@link io.pipelane.ConnectionFactory} to it), and
 * bind {@link io.pipelane.inject.PipelaneSettings} to change its defaults and endpoints.
 *
 * <pre>{@code
 * // Guice
 * bind(PipelaneSettings.class).toInstance(new PipelaneSettings()
 *         .withEndpoint("billing", "https://billing.example.com")
 *         .withDefaultOptions(Map.of("responseTimeout", "5s", "parallel", "2",
 *                 "proxy.host", "proxy.example", "proxy.port", "3128")));
 * bind(ConnectionFactory.class).to(DefaultConnectionFactory.class);
 * }</pre>
 *
 * <p>The factory is a {@code @Singleton} that owns threads: close it when the application stops (with
 * Guice, from a shutdown hook; with CDI, from a disposer method).
 *
 * <p>In OSGi this package needs no {@code jakarta.inject} (the import is optional): use the
 * {@code ConnectionFactory} service instead.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.pipelane.inject;
