package io.pipelane.internal.config;

import io.pipelane.ConnectionOptions;
import io.pipelane.Persistence;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The configuration keys of {@link ConnectionOptions}: each is the name of a {@link ConnectionOptions.Builder}
 * setter (and of the matching accessor). The same keys are read from the defaults configuration
 * ({@code io.pipelane}), as per-endpoint overrides ({@code io.pipelane.endpoint}) and by
 * {@code io.pipelane.inject.PipelaneSettings}.
 */
public final class OptionKeys {
    public static final String PERSISTENCE = "persistence";
    public static final String CONNECT_TIMEOUT = "connectTimeout";
    public static final String HANDSHAKE_TIMEOUT = "handshakeTimeout";
    public static final String RESPONSE_TIMEOUT = "responseTimeout";
    public static final String IDLE_READ_TIMEOUT = "idleReadTimeout";
    public static final String WRITE_TIMEOUT = "writeTimeout";
    public static final String BODY_READ_TIMEOUT = "bodyReadTimeout";
    public static final String MAX_PIPELINE_DEPTH = "maxPipelineDepth";
    public static final String MAX_BYTES_IN_FLIGHT = "maxBytesInFlight";
    public static final String PIPELINE_AFTER_NON_IDEMPOTENT = "pipelineAfterNonIdempotent";
    public static final String MAX_RESPONSE_HEAD_BYTES = "maxResponseHeadBytes";
    public static final String MAX_HEADER_COUNT = "maxHeaderCount";
    public static final String MAX_CHUNK_LINE_BYTES = "maxChunkLineBytes";
    public static final String MAX_BUFFERED_BODY_BYTES = "maxBufferedBodyBytes";
    public static final String MAX_BUFFERED_REQUEST_BODY_BYTES = "maxBufferedRequestBodyBytes";

    /** Selects an {@code Executor} service (an LDAP filter); only in the defaults configuration. */
    public static final String EXECUTOR_TARGET = "executor.target";

    private interface Setter {
        void apply(ConfigValues values, String key, ConnectionOptions.Builder b);
    }

    private static final Map<String, Setter> SETTERS = new LinkedHashMap<>();
    private static final Map<String, Function<ConnectionOptions, String>> GETTERS = new LinkedHashMap<>();

    static {
        SETTERS.put(PERSISTENCE, (v, k, b) -> b.persistence(v.enumValue(k, Persistence.class)));
        duration(CONNECT_TIMEOUT, ConnectionOptions.Builder::connectTimeout, ConnectionOptions::connectTimeout);
        duration(HANDSHAKE_TIMEOUT, ConnectionOptions.Builder::handshakeTimeout, ConnectionOptions::handshakeTimeout);
        duration(RESPONSE_TIMEOUT, ConnectionOptions.Builder::responseTimeout, ConnectionOptions::responseTimeout);
        duration(IDLE_READ_TIMEOUT, ConnectionOptions.Builder::idleReadTimeout, ConnectionOptions::idleReadTimeout);
        duration(WRITE_TIMEOUT, ConnectionOptions.Builder::writeTimeout, ConnectionOptions::writeTimeout);
        duration(BODY_READ_TIMEOUT, ConnectionOptions.Builder::bodyReadTimeout, ConnectionOptions::bodyReadTimeout);
        SETTERS.put(MAX_PIPELINE_DEPTH, (v, k, b) -> b.maxPipelineDepth(intValue(v, k)));
        SETTERS.put(MAX_BYTES_IN_FLIGHT, (v, k, b) -> b.maxBytesInFlight(intValue(v, k)));
        SETTERS.put(PIPELINE_AFTER_NON_IDEMPOTENT, (v, k, b) -> b.pipelineAfterNonIdempotent(v.bool(k, false)));
        SETTERS.put(MAX_RESPONSE_HEAD_BYTES, (v, k, b) -> b.maxResponseHeadBytes(intValue(v, k)));
        SETTERS.put(MAX_HEADER_COUNT, (v, k, b) -> b.maxHeaderCount(intValue(v, k)));
        SETTERS.put(MAX_CHUNK_LINE_BYTES, (v, k, b) -> b.maxChunkLineBytes(intValue(v, k)));
        SETTERS.put(MAX_BUFFERED_BODY_BYTES, (v, k, b) -> b.maxBufferedBodyBytes(v.integer(k, Long.MIN_VALUE,
                Long.MAX_VALUE)));
        SETTERS.put(MAX_BUFFERED_REQUEST_BODY_BYTES, (v, k, b) -> b.maxBufferedRequestBodyBytes(intValue(v, k)));

        GETTERS.put(PERSISTENCE, o -> o.persistence().name());
        GETTERS.put(CONNECT_TIMEOUT, o -> ConfigValues.formatDuration(o.connectTimeout()));
        GETTERS.put(HANDSHAKE_TIMEOUT, o -> ConfigValues.formatDuration(o.handshakeTimeout()));
        GETTERS.put(RESPONSE_TIMEOUT, o -> ConfigValues.formatDuration(o.responseTimeout()));
        GETTERS.put(IDLE_READ_TIMEOUT, o -> ConfigValues.formatDuration(o.idleReadTimeout()));
        GETTERS.put(WRITE_TIMEOUT, o -> ConfigValues.formatDuration(o.writeTimeout()));
        GETTERS.put(BODY_READ_TIMEOUT, o -> ConfigValues.formatDuration(o.bodyReadTimeout()));
        GETTERS.put(MAX_PIPELINE_DEPTH, o -> String.valueOf(o.maxPipelineDepth()));
        GETTERS.put(MAX_BYTES_IN_FLIGHT, o -> String.valueOf(o.maxBytesInFlight()));
        GETTERS.put(PIPELINE_AFTER_NON_IDEMPOTENT, o -> String.valueOf(o.pipelineAfterNonIdempotent()));
        GETTERS.put(MAX_RESPONSE_HEAD_BYTES, o -> String.valueOf(o.maxResponseHeadBytes()));
        GETTERS.put(MAX_HEADER_COUNT, o -> String.valueOf(o.maxHeaderCount()));
        GETTERS.put(MAX_CHUNK_LINE_BYTES, o -> String.valueOf(o.maxChunkLineBytes()));
        GETTERS.put(MAX_BUFFERED_BODY_BYTES, o -> String.valueOf(o.maxBufferedBodyBytes()));
        GETTERS.put(MAX_BUFFERED_REQUEST_BODY_BYTES, o -> String.valueOf(o.maxBufferedRequestBodyBytes()));
    }

    private OptionKeys() {
    }

    private static void duration(String key, java.util.function.BiConsumer<ConnectionOptions.Builder, Duration> set,
                                 Function<ConnectionOptions, Duration> get) {
        SETTERS.put(key, (v, k, b) -> set.accept(b, v.duration(k)));
    }

    private static int intValue(ConfigValues v, String key) {
        return (int) v.integer(key, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** The option keys, in documentation order. */
    public static List<String> keys() {
        return List.copyOf(SETTERS.keySet());
    }

    public static Set<String> keySet() {
        return SETTERS.keySet();
    }

    /**
     * {@code base} with every option key present (and not blank) in {@code values} applied.
     *
     * @throws ConfigException naming the first key whose value is unusable
     */
    public static ConnectionOptions apply(ConnectionOptions base, ConfigValues values) {
        ConnectionOptions.Builder b = base.toBuilder();
        for (Map.Entry<String, Setter> e : SETTERS.entrySet()) {
            String key = e.getKey();
            if (!values.has(key)) continue;
            try {
                e.getValue().apply(values, key, b);
            } catch (ConfigException ce) {
                throw ce;
            } catch (IllegalArgumentException iae) {
                // The builder's own range checks: "maxPipelineDepth: 0 is less than 1".
                String msg = iae.getMessage();
                if (msg != null && msg.startsWith(key + ": ")) msg = msg.substring(key.length() + 2);
                throw values.error(key, msg);
            }
        }
        return b.build();
    }

    /** The effective value of every option key, formatted as it could be configured. */
    public static Map<String, String> describe(ConnectionOptions options) {
        Map<String, String> out = new LinkedHashMap<>();
        GETTERS.forEach((k, f) -> out.put(k, f.apply(options)));
        return out;
    }
}
