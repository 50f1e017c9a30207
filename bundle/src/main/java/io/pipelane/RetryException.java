package io.pipelane;

/**
 * The request may safely be sent again on another connection. Raised (as the failure of the future returned
 * by {@link Connection#call}) when:
 * <ul>
 *   <li>the connection was closed, or no longer accepted requests, when {@code call} was made;</li>
 *   <li>the request was never written before the connection ended;</li>
 *   <li>the request was written after a response that carried {@code Connection: close} (the server must not
 *       process it, RFC 9112 §9.6);</li>
 *   <li>the request was written and not answered, and its method is idempotent (RFC 9110 §9.2.2), so sending
 *       it again has the same effect as sending it once.</li>
 * </ul>
 * The cause, when present, is the reason the connection ended.
 */
public class RetryException extends PipelaneException {
    private static final long serialVersionUID = 1L;

    public RetryException(String message) {
        super(message);
    }

    public RetryException(String message, Throwable cause) {
        super(message, cause);
    }
}
