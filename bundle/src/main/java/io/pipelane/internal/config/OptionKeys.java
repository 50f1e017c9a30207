package io.pipelane.internal.config;

import io.pipelane.ConnectionOptions;
import io.pipelane.Persistence;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@link ConnectionOptions}, each declared once: key (the name of the {@link ConnectionOptions.Builder}
 * setter and of the accessor), type, default, range, title and description. The builder takes its defaults and its
 * range checks from here; the defaults configuration ({@code io.pipelane}), the endpoint overrides
 * ({@code io.pipelane.endpoint}) and {@code io.pipelane.inject.PipelaneSettings} are read through {@link #apply};
 * {@code MetatypeDefaultsTest} checks the metatype annotations against these declarations and
 * {@code OptionDocumentationTest} the README's table.
 *
 * <p>To add an option: declare it here (one statement, bound to its setter and accessor), give the builder a field
 * initialised with {@code defaultValue()} and a setter that calls {@code check}, add the attribute to
 * {@code DefaultsConfiguration} and {@code EndpointConfiguration}, and regenerate the README table.
 */
public final class OptionKeys {
    private static final OptionTable<ConnectionOptions.Builder, ConnectionOptions> TABLE = new OptionTable<>();

    public static final ConfigOption<Persistence> PERSISTENCE = TABLE.add(ConfigOption.enumeration("persistence",
            Persistence.class, Persistence.AUTO, "Persistence", "AUTO: the first request goes alone and its "
                    + "response decides whether the connection is kept and pipelined. TRUE: assume keep-alive and "
                    + "pipeline at once. FALSE: one request per connection, with 'Connection: close'."),
            ConnectionOptions.Builder::persistence, ConnectionOptions::persistence);
    public static final ConfigOption<Duration> CONNECT_TIMEOUT = TABLE.add(ConfigOption.duration("connectTimeout",
            Duration.ofSeconds(10), "Connect timeout", "TCP (or Unix socket) connect."),
            ConnectionOptions.Builder::connectTimeout, ConnectionOptions::connectTimeout);
    public static final ConfigOption<Duration> HANDSHAKE_TIMEOUT = TABLE.add(ConfigOption.duration(
            "handshakeTimeout", Duration.ofSeconds(10), "TLS handshake timeout",
            "The TLS handshake of https endpoints."),
            ConnectionOptions.Builder::handshakeTimeout, ConnectionOptions::handshakeTimeout);
    public static final ConfigOption<Duration> RESPONSE_TIMEOUT = TABLE.add(ConfigOption.duration("responseTimeout",
            Duration.ofSeconds(30), "Response timeout", "From writing a request (or the end of the response "
                    + "before it) to the first byte of its response."),
            ConnectionOptions.Builder::responseTimeout, ConnectionOptions::responseTimeout);
    public static final ConfigOption<Duration> IDLE_READ_TIMEOUT = TABLE.add(ConfigOption.duration(
            "idleReadTimeout", Duration.ofSeconds(30), "Idle read timeout", "Silence in the middle of a response."),
            ConnectionOptions.Builder::idleReadTimeout, ConnectionOptions::idleReadTimeout);
    public static final ConfigOption<Duration> WRITE_TIMEOUT = TABLE.add(ConfigOption.duration("writeTimeout",
            Duration.ofSeconds(30), "Write timeout", "A socket write that makes no progress."),
            ConnectionOptions.Builder::writeTimeout, ConnectionOptions::writeTimeout);
    public static final ConfigOption<Duration> BODY_READ_TIMEOUT = TABLE.add(ConfigOption.duration(
            "bodyReadTimeout", Duration.ofSeconds(30), "Body read timeout", "How long a streamed response body may "
                    + "wait for the application to read it; it holds up the responses behind it."),
            ConnectionOptions.Builder::bodyReadTimeout, ConnectionOptions::bodyReadTimeout);
    public static final ConfigOption<Integer> MIN_BODY_RATE = TABLE.add(ConfigOption.integer(
            "minBodyRate", 256, 1, Integer.MAX_VALUE, "Minimum body rate", "Bytes per second a response body must "
                    + "average over each idleReadTimeout while it is read: a server that drips a body is timed out."),
            ConnectionOptions.Builder::minBodyRate, ConnectionOptions::minBodyRate);
    public static final ConfigOption<Duration> RESPONSE_HEAD_TIMEOUT = TABLE.add(ConfigOption.duration(
            "responseHeadTimeout", Duration.ofSeconds(30), "Response head timeout", "From the first byte of a "
                    + "response to the end of its final head: a server that sends its head slowly, a byte at a time,"
                    + " is timed out."),
            ConnectionOptions.Builder::responseHeadTimeout, ConnectionOptions::responseHeadTimeout);
    public static final ConfigOption<Integer> MAX_QUEUED_REQUESTS = TABLE.add(ConfigOption.integer(
            "maxQueuedRequests", 1024, 1, Integer.MAX_VALUE, "Maximum queued requests", "The most requests "
                    + "accepted by one connection and not yet written; a call beyond fails at once with a "
                    + "RetryException (REFUSED) that names this limit."),
            ConnectionOptions.Builder::maxQueuedRequests, ConnectionOptions::maxQueuedRequests);
    public static final ConfigOption<Duration> FINALISER_TIMEOUT = TABLE.add(ConfigOption.duration(
            "finaliserTimeout", Duration.ofSeconds(10), "Finaliser timeout",
            "How long a connection that has closed waits for its finaliser's stage before it fails its remaining "
                    + "requests and completes closed() anyway; a finaliser that overruns is logged once."),
            ConnectionOptions.Builder::finaliserTimeout, ConnectionOptions::finaliserTimeout);
    public static final ConfigOption<Integer> MAX_PIPELINE_DEPTH = TABLE.add(ConfigOption.integer(
            "maxPipelineDepth", 32, 1, Integer.MAX_VALUE, "Maximum pipeline depth", "The most requests written "
                    + "and not yet answered on one connection."),
            ConnectionOptions.Builder::maxPipelineDepth, ConnectionOptions::maxPipelineDepth);
    public static final ConfigOption<Integer> MAX_BYTES_IN_FLIGHT = TABLE.add(ConfigOption.integer(
            "maxBytesInFlight", 32 * 1024, 1, Integer.MAX_VALUE, "Maximum bytes in flight", "The most request "
                    + "bytes written and not yet answered (some servers reset deep pipelines when their request "
                    + "buffer fills). A larger request is still sent when nothing else is in flight."),
            ConnectionOptions.Builder::maxBytesInFlight, ConnectionOptions::maxBytesInFlight);
    public static final ConfigOption<Boolean> PIPELINE_AFTER_NON_IDEMPOTENT = TABLE.add(ConfigOption.bool(
            "pipelineAfterNonIdempotent", false, "Pipeline after non-idempotent requests", "Whether requests may "
                    + "be written behind a POST (or another non-idempotent request) before its response status "
                    + "arrives. RFC 9112 advises against it."),
            ConnectionOptions.Builder::pipelineAfterNonIdempotent, ConnectionOptions::pipelineAfterNonIdempotent);
    public static final ConfigOption<Integer> MAX_RESPONSE_HEAD_BYTES = TABLE.add(ConfigOption.integer(
            "maxResponseHeadBytes", 64 * 1024, 64, Integer.MAX_VALUE - 8, "Maximum response head bytes",
            "The status line and header fields of one response together."),
            ConnectionOptions.Builder::maxResponseHeadBytes, ConnectionOptions::maxResponseHeadBytes);
    public static final ConfigOption<Integer> MAX_HEADER_COUNT = TABLE.add(ConfigOption.integer("maxHeaderCount",
            128, 1, Integer.MAX_VALUE, "Maximum header count", "Header (or trailer) fields in one response."),
            ConnectionOptions.Builder::maxHeaderCount, ConnectionOptions::maxHeaderCount);
    public static final ConfigOption<Integer> MAX_CHUNK_LINE_BYTES = TABLE.add(ConfigOption.integer(
            "maxChunkLineBytes", 4 * 1024, 8, Integer.MAX_VALUE - 8, "Maximum chunk line bytes", "One chunk-size "
                    + "line of a chunked body, extensions included."),
            ConnectionOptions.Builder::maxChunkLineBytes, ConnectionOptions::maxChunkLineBytes);
    public static final ConfigOption<Long> MAX_BUFFERED_BODY_BYTES = TABLE.add(ConfigOption.longInteger(
            "maxBufferedBodyBytes", 16L * 1024 * 1024, 0, Integer.MAX_VALUE - 8, "Maximum buffered body bytes",
            "The largest response body a buffering body handler accepts (at most the largest Java array)."),
            ConnectionOptions.Builder::maxBufferedBodyBytes, ConnectionOptions::maxBufferedBodyBytes);
    public static final ConfigOption<Integer> MAX_BUFFERED_REQUEST_BODY_BYTES = TABLE.add(ConfigOption.integer(
            "maxBufferedRequestBodyBytes", 1024 * 1024, 0, Integer.MAX_VALUE - 8,
            "Maximum buffered request body bytes", "The largest request body of unknown length that is buffered "
                    + "to be sent with Content-Length before the connection is known to pipeline."),
            ConnectionOptions.Builder::maxBufferedRequestBodyBytes, ConnectionOptions::maxBufferedRequestBodyBytes);

    /** Selects an {@code Executor} service (an LDAP filter); only in the defaults configuration. */
    public static final ConfigOption<String> EXECUTOR_TARGET = ConfigOption.string("executor.target", "",
            "Executor service filter", "An LDAP filter selecting a java.util.concurrent.Executor service that runs "
                    + "the connections' I/O, e.g. (name=io-pool). Empty: Pipelane owns its executor (threads named "
                    + "pipelane-io-N), shut down with the bundle. While no service matches, the ConnectionFactory "
                    + "service is not offered.");

    private OptionKeys() {
    }

    /** The connection options, in documentation order. */
    public static List<ConfigOption<?>> options() {
        return TABLE.options();
    }

    /** The option keys, in documentation order. */
    public static List<String> keys() {
        return TABLE.keys();
    }

    public static Set<String> keySet() {
        return Set.copyOf(TABLE.keys());
    }

    /**
     * {@code base} with every option key present (and not blank) in {@code values} applied.
     *
     * @throws ConfigException naming the first key whose value is unusable
     */
    public static ConnectionOptions apply(ConnectionOptions base, ConfigValues values) {
        ConnectionOptions.Builder b = base.toBuilder();
        TABLE.apply(values, b);
        return b.build();
    }

    /** The effective value of every option key, formatted as it could be configured. */
    public static Map<String, String> describe(ConnectionOptions options) {
        return TABLE.describe(options);
    }
}
