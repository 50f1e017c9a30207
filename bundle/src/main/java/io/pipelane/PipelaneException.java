package io.pipelane;

import java.io.IOException;

/** The base of every failure that Pipelane reports for a request or a connection. */
public class PipelaneException extends IOException {
    private static final long serialVersionUID = 1L;

    public PipelaneException(String message) {
        super(message);
    }

    public PipelaneException(String message, Throwable cause) {
        super(message, cause);
    }
}
