package io.pipelane;

/**
 * A request that is not idempotent was written, at least in part, and the connection ended before its
 * response arrived: the server may have processed it, so sending it again may repeat its effect. Pipelane
 * never retries such a request by itself. The cause is the reason the connection ended.
 */
public class PossiblyProcessedException extends PipelaneException {
    private static final long serialVersionUID = 1L;

    public PossiblyProcessedException(String message, Throwable cause) {
        super(message, cause);
    }
}
