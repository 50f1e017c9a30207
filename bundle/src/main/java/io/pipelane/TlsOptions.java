package io.pipelane;

import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How {@code https} connections are secured. Immutable.
 *
 * <p>Hostname verification is on unless switched off explicitly, SNI carries the endpoint's host name (not
 * for IP addresses), and ALPN offers {@code http/1.1}. There is no "trust everything" switch: to talk to a
 * server with a self-signed certificate, give an {@link SSLContext} that trusts it.
 */
public final class TlsOptions {
    private final SSLContext sslContext;
    private final boolean hostnameVerification;
    private final List<String> protocols;
    private final List<String> cipherSuites;

    private TlsOptions(Builder b) {
        this.sslContext = b.sslContext;
        this.hostnameVerification = b.hostnameVerification;
        this.protocols = b.protocols;
        this.cipherSuites = b.cipherSuites;
    }

    /** The JDK's default SSL context (its default trust store), hostname verification on. */
    public static TlsOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.sslContext = sslContext;
        b.hostnameVerification = hostnameVerification;
        b.protocols = protocols;
        b.cipherSuites = cipherSuites;
        return b;
    }

    /** The SSL context, or {@code null} for the JDK's default. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** The SSL context to use: the configured one, else {@link SSLContext#getDefault()}. */
    public SSLContext effectiveSslContext() throws NoSuchAlgorithmException {
        return sslContext != null ? sslContext : SSLContext.getDefault();
    }

    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    /** Enabled protocols, e.g. {@code TLSv1.3}; empty for the context's defaults. */
    public List<String> protocols() {
        return protocols;
    }

    /** Enabled cipher suites; empty for the context's defaults. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    @Override
    public String toString() {
        return "TlsOptions{hostnameVerification=" + hostnameVerification + ", protocols=" + protocols
                + ", cipherSuites=" + cipherSuites.size() + ", sslContext="
                + (sslContext == null ? "default" : sslContext.getProtocol()) + "}";
    }

    public static final class Builder {
        private SSLContext sslContext;
        private boolean hostnameVerification = true;
        private List<String> protocols = List.of();
        private List<String> cipherSuites = List.of();

        private Builder() {
        }

        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /** Whether the server certificate must match the endpoint's host (RFC 2818). On by default. */
        public Builder hostnameVerification(boolean on) {
            this.hostnameVerification = on;
            return this;
        }

        public Builder protocols(List<String> protocols) {
            this.protocols = List.copyOf(Objects.requireNonNull(protocols, "protocols"));
            return this;
        }

        public Builder cipherSuites(List<String> cipherSuites) {
            this.cipherSuites = List.copyOf(Objects.requireNonNull(cipherSuites, "cipherSuites"));
            return this;
        }

        public TlsOptions build() {
            return new TlsOptions(this);
        }
    }
}
