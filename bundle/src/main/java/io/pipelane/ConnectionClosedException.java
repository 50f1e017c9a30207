package io.pipelane;

/**
 * The connection ended without an error of its own: the application called {@link Connection#close()}, the
 * factory or its bundle was stopped, or the server closed a connection that had nothing outstanding. It is
 * the cause of the {@link RetryException} or {@link PossiblyProcessedException} of the requests it ended.
 */
public class ConnectionClosedException extends PipelaneException {
    private static final long serialVersionUID = 1L;

    public ConnectionClosedException(String message) {
        super(message);
    }

    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
