package io.pipelane.internal.config;

import io.pipelane.internal.codec.Printable;

/**
 * A configuration value that cannot be used. The message names the key and the configuration it came from
 * (a PID, a factory configuration's alias or file); it never contains the value of a secret.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String source;

    public ConfigException(String source, String key, String problem) {
        this(source, key, problem, null);
    }

    public ConfigException(String source, String key, String problem, Throwable cause) {
        // Values quoted in problem are escaped where they are quoted; escaping the whole again keeps any other
        // input (a source name, a message of a cause) from starting a forged line in a log.
        super(Printable.line(source) + ": " + (key == null ? "" : "key " + Printable.singleQuote(key) + ": ")
                + Printable.line(problem), cause);
        this.source = source;
        this.key = key;
    }

    /** The offending key, or {@code null} when the problem is not one key's. */
    public String key() {
        return key;
    }

    /** Where the configuration came from, e.g. {@code io.pipelane.endpoint~billing}. */
    public String source() {
        return source;
    }
}
