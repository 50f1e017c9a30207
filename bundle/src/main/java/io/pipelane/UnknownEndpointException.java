package io.pipelane;

import io.pipelane.internal.codec.Printable;

/** No endpoint of that name is configured (or it was deleted). The message names it. */
public class UnknownEndpointException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String endpointName;

    public UnknownEndpointException(String endpointName) {
        super("no endpoint named " + Printable.singleQuote(endpointName) + " is configured");
        this.endpointName = endpointName;
    }

    /**
     * An endpoint of that name is configured but not offered, for the reason given (e.g. its configuration is
     * invalid). The message should name it.
     */
    public UnknownEndpointException(String endpointName, String message) {
        super(message);
        this.endpointName = endpointName;
    }

    public String endpointName() {
        return endpointName;
    }
}
