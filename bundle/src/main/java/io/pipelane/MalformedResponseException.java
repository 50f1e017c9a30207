package io.pipelane;

/**
 * The server sent bytes that are not a valid HTTP/1.1 response (RFC 9112). The connection cannot be used any
 * further: the request being answered fails with this exception, and the requests behind it fail with
 * {@link RetryException} or {@link PossiblyProcessedException} whose cause is this exception.
 */
public class MalformedResponseException extends PipelaneException {
    private static final long serialVersionUID = 1L;

    public MalformedResponseException(String message) {
        super(message);
    }

    public MalformedResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}
