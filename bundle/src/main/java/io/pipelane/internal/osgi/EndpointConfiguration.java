package io.pipelane.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The metatype of an endpoint, factory PID {@code io.pipelane.endpoint} (one configuration, e.g. one
 * {@code io.pipelane.endpoint-billing.cfg}, per endpoint). Any key of the defaults configuration may be given
 * here too, to override it for this endpoint.
 */
@ObjectClassDefinition(id = "io.pipelane.endpoint", name = "Pipelane endpoint",
        description = "A named endpoint: consumers call ConnectionFactory.create(name), or "
                + "ConnectionFactory.cache().call(name, ...). Keys of the defaults (io.pipelane), connection, cache "
                + "and proxy keys alike, may be added to override them for this endpoint.")
@interface EndpointConfiguration {
    @AttributeDefinition(name = "Name", description = "The name consumers use (create(\"billing\"), target "
            + "filter (endpoints=billing)). Defaults to the configuration's alias (billing in "
            + "io.pipelane.endpoint-billing.cfg). No spaces, commas or ()*\\=.", required = false)
    String name();

    @AttributeDefinition(name = "URI", description = "http://host[:port], https://host[:port] or unix:/path/to/socket.")
    String uri();

    @AttributeDefinition(name = "TLS context", description = "The name of a TLS context (io.pipelane.tls) for an "
            + "https endpoint. Empty: the JDK's default trust store, hostname verification on.", required = false)
    String tls();

    @AttributeDefinition(name = "Persistence (override)", description = "AUTO, TRUE or FALSE.", required = false,
            options = {@Option(value = "AUTO", label = "AUTO (decide from the first response)"),
                    @Option(value = "TRUE", label = "TRUE (keep-alive, pipeline at once)"),
                    @Option(value = "FALSE", label = "FALSE (one request per connection)")})
    String persistence();

    @AttributeDefinition(name = "Connect timeout (override)", required = false)
    String connectTimeout();

    @AttributeDefinition(name = "TLS handshake timeout (override)", required = false)
    String handshakeTimeout();

    @AttributeDefinition(name = "Response timeout (override)", required = false)
    String responseTimeout();

    @AttributeDefinition(name = "Idle read timeout (override)", required = false)
    String idleReadTimeout();

    @AttributeDefinition(name = "Write timeout (override)", required = false)
    String writeTimeout();

    @AttributeDefinition(name = "Body read timeout (override)", required = false)
    String bodyReadTimeout();

    @AttributeDefinition(name = "Minimum body rate (override)", required = false, min = "1")
    int minBodyRate();

    @AttributeDefinition(name = "Response head timeout (override)", required = false)
    String responseHeadTimeout();

    @AttributeDefinition(name = "Maximum queued requests (override)", required = false, min = "1")
    int maxQueuedRequests();

    @AttributeDefinition(name = "Finaliser timeout (override)", required = false)
    String finaliserTimeout();

    @AttributeDefinition(name = "Maximum pipeline depth (override)", required = false, min = "1")
    int maxPipelineDepth();

    @AttributeDefinition(name = "Maximum bytes in flight (override)", required = false, min = "1")
    int maxBytesInFlight();

    @AttributeDefinition(name = "Pipeline after non-idempotent requests (override)", required = false)
    boolean pipelineAfterNonIdempotent();

    @AttributeDefinition(name = "Maximum response head bytes (override)", required = false, min = "64",
            max = "2147483639")
    int maxResponseHeadBytes();

    @AttributeDefinition(name = "Maximum header count (override)", required = false, min = "1")
    int maxHeaderCount();

    @AttributeDefinition(name = "Maximum chunk line bytes (override)", required = false, min = "8",
            max = "2147483639")
    int maxChunkLineBytes();

    @AttributeDefinition(name = "Maximum buffered body bytes (override)", required = false, min = "0",
            max = "2147483639")
    long maxBufferedBodyBytes();

    @AttributeDefinition(name = "Maximum buffered request body bytes (override)", required = false, min = "0",
            max = "2147483639")
    int maxBufferedRequestBodyBytes();

    @AttributeDefinition(name = "Cache: keep (override)", required = false)
    String keep();

    @AttributeDefinition(name = "Cache: retry (override)", required = false, min = "0", max = "100")
    int retry();

    @AttributeDefinition(name = "Cache: parallel (override)", required = false, min = "1")
    int parallel();

    @AttributeDefinition(name = "Cache: depth (override)", required = false, min = "1")
    int depth();

    @AttributeDefinition(name = "Cache: wait timeout (override)", required = false)
    String waitTimeout();

    @AttributeDefinition(name = "Cache: most waiting requests (override)", required = false, min = "1")
    int maxWaiting();

    @AttributeDefinition(name = "Cache: reuse connections (override)", required = false)
    boolean reuse();

    @AttributeDefinition(name = "Proxy host (override)", description = "This endpoint's own proxy. Setting any "
            + "of proxy.host, proxy.port, proxy.user, proxy.password gives the whole proxy of this endpoint "
            + "(host and port required); else the defaults' proxy applies. proxy.exceptions and proxy.tunnel "
            + "are not part of it: unless set here, the defaults' apply.", required = false)
    String proxy_host();

    @AttributeDefinition(name = "Proxy port (override)", required = false, min = "1", max = "65535")
    int proxy_port();

    @AttributeDefinition(name = "Proxy user (override)", required = false)
    String proxy_user();

    @AttributeDefinition(name = "Proxy password (override)", type = AttributeType.PASSWORD, required = false)
    String proxy_password();

    @AttributeDefinition(name = "Proxy exceptions (override)", description = "Replaces the defaults' list for "
            + "this endpoint (curl's NO_PROXY syntax); * reaches this endpoint directly.", required = false)
    String[] proxy_exceptions();

    @AttributeDefinition(name = "Proxy tunnel (override)", description = "true: http requests of this endpoint go "
            + "through a CONNECT tunnel to its proxy (its own or the defaults'); false: forwarded. Not part of the "
            + "whole proxy: setting it alone keeps the defaults' proxy. Empty: the defaults' proxy.tunnel.",
            required = false)
    boolean proxy_tunnel();
}
