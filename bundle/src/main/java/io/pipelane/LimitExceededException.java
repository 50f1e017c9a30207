package io.pipelane;

/**
 * A response exceeded a configured limit (see {@link ConnectionOptions}). {@link #limit()} names the option,
 * {@link #value()} is its configured value.
 *
 * <p>Limits on the response head and on chunk lines end the connection, like any malformed response. The
 * limit on buffered bodies ({@link ConnectionOptions#maxBufferedBodyBytes()}) fails only the request whose
 * body is too large: the rest of that body is read and dropped and the pipeline goes on.
 */
public class LimitExceededException extends MalformedResponseException {
    private static final long serialVersionUID = 1L;

    private final String limit;
    private final long value;

    public LimitExceededException(String limit, long value, String message) {
        super(message + " (limit " + limit + " = " + value + ")");
        this.limit = limit;
        this.value = value;
    }

    /** The name of the exceeded limit, as in {@link ConnectionOptions.Builder}, e.g. {@code maxHeaderCount}. */
    public String limit() {
        return limit;
    }

    /** The limit's configured value. */
    public long value() {
        return value;
    }
}
