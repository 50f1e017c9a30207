package io.pipelane;

/**
 * A proxy refused to open a tunnel: it answered {@code CONNECT} with a status other than 2xx (e.g. 407 Proxy
 * Authentication Required, 403, 502), or with something that is not an HTTP response. Connecting fails with
 * it; the message names the proxy, the target and the proxy's status line.
 */
public class ProxyException extends PipelaneException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public ProxyException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The proxy's status code, or -1 if its answer was not an HTTP response. */
    public int status() {
        return status;
    }
}
