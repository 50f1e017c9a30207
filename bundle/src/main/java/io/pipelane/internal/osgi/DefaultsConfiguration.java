package io.pipelane.internal.osgi;

import io.pipelane.internal.config.ConfigOption;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The metatype of the defaults configuration, PID {@code io.pipelane}. The connection keys are the names of
 * {@code ConnectionOptions.Builder} setters, the cache keys those of {@code CacheOptions.Builder} setters, the
 * proxy keys httpclient-osgi's ({@code proxy.host}, …); each default here equals the code's default (a unit test
 * checks the generated metatype against {@code ConnectionOptions.defaults()} and {@code CacheOptions.defaults()}).
 * Each attribute repeats the declaration of its option ({@code OptionKeys}, {@code CacheKeys}): name = title,
 * description, default, min and max; {@code MetatypeDefaultsTest} checks that they agree, since annotation values
 * must be compile-time constants.
 */
@ObjectClassDefinition(id = "io.pipelane", name = "Pipelane connection defaults",
        description = "Options of every Pipelane connection, unless an endpoint (io.pipelane.endpoint) overrides "
                + "them. Durations: 500ms, 10s, 2m, 1h, ISO-8601 (PT10S) or a number of milliseconds. Changes "
                + "apply to new connections; open connections keep their options.")
@interface DefaultsConfiguration {
    String DURATION = ConfigOption.DURATION_NOTE;

    @AttributeDefinition(name = "Persistence", description = "AUTO: the first request goes alone and its response "
            + "decides whether the connection is kept and pipelined. TRUE: assume keep-alive and pipeline at once. "
            + "FALSE: one request per connection, with 'Connection: close'.",
            options = {@Option(value = "AUTO", label = "AUTO (decide from the first response)"),
                    @Option(value = "TRUE", label = "TRUE (keep-alive, pipeline at once)"),
                    @Option(value = "FALSE", label = "FALSE (one request per connection)")})
    String persistence() default "AUTO";

    @AttributeDefinition(name = "Connect timeout", description = "TCP (or Unix socket) connect." + DURATION)
    String connectTimeout() default "10s";

    @AttributeDefinition(name = "TLS handshake timeout", description = "The TLS handshake of https endpoints."
            + DURATION)
    String handshakeTimeout() default "10s";

    @AttributeDefinition(name = "Response timeout", description = "From writing a request (or the end of the "
            + "response before it) to the first byte of its response." + DURATION)
    String responseTimeout() default "30s";

    @AttributeDefinition(name = "Idle read timeout", description = "Silence in the middle of a response."
            + DURATION)
    String idleReadTimeout() default "30s";

    @AttributeDefinition(name = "Write timeout", description = "A socket write that makes no progress." + DURATION)
    String writeTimeout() default "30s";

    @AttributeDefinition(name = "Body read timeout", description = "How long a streamed response body may wait "
            + "for the application to read it; it holds up the responses behind it." + DURATION)
    String bodyReadTimeout() default "30s";

    @AttributeDefinition(name = "Minimum body rate", description = "Bytes per second a response body must average "
            + "over each idleReadTimeout while it is read: a server that drips a body is timed out.", min = "1")
    int minBodyRate() default 256;

    @AttributeDefinition(name = "Response head timeout", description = "From the first byte of a response to the "
            + "end of its final head: a server that sends its head slowly, a byte at a time, is timed out."
            + DURATION)
    String responseHeadTimeout() default "30s";

    @AttributeDefinition(name = "Maximum queued requests", description = "The most requests accepted by one "
            + "connection and not yet written; a call beyond fails at once with a RetryException (REFUSED) that "
            + "names this limit.", min = "1")
    int maxQueuedRequests() default 1024;

    @AttributeDefinition(name = "Finaliser timeout", description = "How long a connection that has closed waits "
            + "for its finaliser's stage before it fails its remaining requests and completes closed() anyway; a "
            + "finaliser that overruns is logged once." + DURATION)
    String finaliserTimeout() default "10s";

    @AttributeDefinition(name = "Maximum pipeline depth", description = "The most requests written and not yet "
            + "answered on one connection.", min = "1")
    int maxPipelineDepth() default 32;

    @AttributeDefinition(name = "Maximum bytes in flight", description = "The most request bytes written and not "
            + "yet answered (some servers reset deep pipelines when their request buffer fills). A larger request is "
            + "still sent when nothing else is in flight.", min = "1")
    int maxBytesInFlight() default 32768;

    @AttributeDefinition(name = "Pipeline after non-idempotent requests", description = "Whether requests may be "
            + "written behind a POST (or another non-idempotent request) before its response status arrives. "
            + "RFC 9112 advises against it.")
    boolean pipelineAfterNonIdempotent() default false;

    @AttributeDefinition(name = "Maximum response head bytes", description = "The status line and header fields "
            + "of one response together.", min = "64", max = "2147483639")
    int maxResponseHeadBytes() default 65536;

    @AttributeDefinition(name = "Maximum header count", description = "Header (or trailer) fields in one response.",
            min = "1")
    int maxHeaderCount() default 128;

    @AttributeDefinition(name = "Maximum chunk line bytes", description = "One chunk-size line of a chunked body, "
            + "extensions included.", min = "8", max = "2147483639")
    int maxChunkLineBytes() default 4096;

    @AttributeDefinition(name = "Maximum buffered body bytes", description = "The largest response body a "
            + "buffering body handler accepts (at most the largest Java array).", min = "0", max = "2147483639")
    long maxBufferedBodyBytes() default 16777216L;

    @AttributeDefinition(name = "Maximum buffered request body bytes", description = "The largest request body "
            + "of unknown length that is buffered to be sent with Content-Length before the connection is known "
            + "to pipeline.", min = "0", max = "2147483639")
    int maxBufferedRequestBodyBytes() default 1048576;

    @AttributeDefinition(name = "Cache: keep", description = "Connection cache (ConnectionFactory.cache()): a "
            + "connection with nothing to do for this long is shut down." + DURATION)
    String keep() default "1m";

    @AttributeDefinition(name = "Cache: retry", description = "How many times the cache sends a request that "
            + "failed with RetryException again, on another connection (an idempotent request left unanswered by "
            + "a timeout included). Never a request that may have been processed, nor one whose body is a "
            + "one-shot stream.", min = "0", max = "100")
    int retry() default 2;

    @AttributeDefinition(name = "Cache: parallel", description = "The most connections the cache opens to one "
            + "endpoint (connecting and closing ones included; one that has had the last request the server "
            + "allows finishes beside its successor).", min = "1")
    int parallel() default 4;

    @AttributeDefinition(name = "Cache: depth", description = "The most unfulfilled requests the cache queues on "
            + "one pipelining connection; past it, a request waits for room.", min = "1")
    int depth() default 100;

    @AttributeDefinition(name = "Cache: wait timeout", description = "How long a request may wait for room (every "
            + "connection at depth, parallel of them) before it fails with a CACHE_WAIT timeout." + DURATION)
    String waitTimeout() default "30s";

    @AttributeDefinition(name = "Cache: most waiting requests", description = "The most requests that may wait for "
            + "room for one endpoint; a request that finds the queue full fails at once, never sent (a "
            + "RetryException naming maxWaiting).", min = "1")
    int maxWaiting() default 10_000;

    @AttributeDefinition(name = "Cache: reuse connections", description = "false: no cache, a fresh connection "
            + "per request, closed once its response is read (parallel, depth and keep do not apply).")
    boolean reuse() default true;

    @AttributeDefinition(name = "Proxy host", description = "An HTTP proxy for every endpoint (unless an endpoint "
            + "gives its own or proxy.exceptions matches it): http endpoints are forwarded (absolute-form "
            + "request-line), https endpoints go through a CONNECT tunnel. Host name or address only. Empty: "
            + "direct.", required = false)
    String proxy_host();

    @AttributeDefinition(name = "Proxy port", description = "The proxy's port; required with proxy.host.",
            required = false, min = "1", max = "65535")
    int proxy_port();

    @AttributeDefinition(name = "Proxy user", description = "Sent as Proxy-Authorization: Basic. Empty: none.",
            required = false)
    String proxy_user();

    @AttributeDefinition(name = "Proxy password", description = "The password of proxy.user. Never logged nor "
            + "shown.", type = AttributeType.PASSWORD, required = false)
    String proxy_password();

    @AttributeDefinition(name = "Proxy exceptions", description = "Hosts reached directly, in curl's NO_PROXY "
            + "syntax: a comma list; example.com and .example.com match the name and every name below it; * "
            + "matches all; IP addresses and CIDR blocks (127.0.0.0/8, ::1); :port restricts an entry.",
            required = false)
    String[] proxy_exceptions();

    @AttributeDefinition(name = "Proxy tunnel", description = "true: http endpoints too go through a CONNECT "
            + "tunnel to the proxy (https endpoints always do) instead of being forwarded in absolute-form. Like "
            + "proxy.exceptions, it applies to the proxy an endpoint uses, its own or this one, unless the "
            + "endpoint sets it. No effect without a proxy.")
    boolean proxy_tunnel() default false;

    @AttributeDefinition(name = "Executor service filter", description = "An LDAP filter selecting a "
            + "java.util.concurrent.Executor service that runs the connections' I/O, e.g. (name=io-pool). Empty: "
            + "Pipelane owns its executor (threads named pipelane-io-N), shut down with the bundle. While no "
            + "service matches, the ConnectionFactory service is not offered.", required = false)
    String executor_target() default "";
}
