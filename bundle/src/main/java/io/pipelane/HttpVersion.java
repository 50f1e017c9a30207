package io.pipelane;

/** The HTTP versions a response can carry on an HTTP/1.x connection. */
public enum HttpVersion {
    HTTP_1_0("HTTP/1.0"),
    HTTP_1_1("HTTP/1.1");

    private final String text;

    HttpVersion(String text) {
        this.text = text;
    }

    /** The version as it appears on the wire, e.g. {@code HTTP/1.1}. */
    @Override
    public String toString() {
        return text;
    }
}
