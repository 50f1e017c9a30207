package io.pipelane.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The metatype of the defaults configuration, PID {@code io.pipelane}. Every key is the name of a
 * {@code ConnectionOptions.Builder} setter; its default here equals the code's default (a unit test checks the
 * generated metatype against {@code ConnectionOptions.defaults()}).
 */
@ObjectClassDefinition(id = "io.pipelane", name = "Pipelane connection defaults",
        description = "Options of every Pipelane connection, unless an endpoint (io.pipelane.endpoint) overrides "
                + "them. Durations: 500ms, 10s, 2m, 1h, ISO-8601 (PT10S) or a number of milliseconds. Changes "
                + "apply to new connections; open connections keep their options.")
@interface DefaultsConfiguration {
    String DURATION = " Examples: 500ms, 10s, 2m, PT10S; a plain number is milliseconds. Must be positive.";

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

    @AttributeDefinition(name = "Maximum pipeline depth", description = "The most requests written and not yet "
            + "answered on one connection.", min = "1")
    int maxPipelineDepth() default 32;

    @AttributeDefinition(name = "Maximum bytes in flight", description = "The most request bytes written and not "
            + "yet answered (some servers reset deep pipelines when their request buffer fills).", min = "1")
    int maxBytesInFlight() default 32768;

    @AttributeDefinition(name = "Pipeline after non-idempotent requests", description = "Whether requests may be "
            + "written behind a POST (or another non-idempotent request) before its response status arrives. "
            + "RFC 9112 advises against it.")
    boolean pipelineAfterNonIdempotent() default false;

    @AttributeDefinition(name = "Maximum response head bytes", description = "The status line and header fields "
            + "of one response together.", min = "64")
    int maxResponseHeadBytes() default 65536;

    @AttributeDefinition(name = "Maximum header count", description = "Header (or trailer) fields in one response.",
            min = "1")
    int maxHeaderCount() default 128;

    @AttributeDefinition(name = "Maximum chunk line bytes", description = "One chunk-size line of a chunked body, "
            + "extensions included.", min = "8")
    int maxChunkLineBytes() default 4096;

    @AttributeDefinition(name = "Maximum buffered body bytes", description = "The largest response body a "
            + "buffering body handler accepts.", min = "0")
    long maxBufferedBodyBytes() default 16777216L;

    @AttributeDefinition(name = "Maximum buffered request body bytes", description = "The largest request body "
            + "of unknown length that is buffered to be sent with Content-Length before the connection is known "
            + "to pipeline.", min = "0")
    int maxBufferedRequestBodyBytes() default 1048576;

    @AttributeDefinition(name = "Executor service filter", description = "An LDAP filter selecting a "
            + "java.util.concurrent.Executor service that runs the connections' I/O, e.g. (name=io-pool). Empty: "
            + "Pipelane owns its executor (threads named pipelane-io-N), shut down with the bundle. While no "
            + "service matches, the ConnectionFactory service is not offered.", required = false)
    String executor_target() default "";
}
