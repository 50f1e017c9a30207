package io.pipelane.internal.engine;

import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.ProxyOptions;
import io.pipelane.TlsOptions;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Opens the transport of a connection. The engine opens every transport through the connector its factory was
 * given, so that tests can hand it an in-memory transport; {@link #SOCKETS} is the real one: TCP connect (to the
 * endpoint, or to its proxy, then a CONNECT tunnel when the proxy tunnels), then the TLS handshake for
 * {@code https}, or a Unix domain socket. Blocking; runs on the connection's reader task.
 */
@FunctionalInterface
interface Connector {
    /** Sockets, TLS and proxies: what every factory uses outside tests. */
    Connector SOCKETS = Connector::openSocket;

    /**
     * Opens the transport to {@code endpoint}, reporting its phases to {@code progress} (so that the watchdog can
     * time them out and abort them).
     */
    Transport open(Endpoint endpoint, ConnectionOptions options, Progress progress) throws IOException;

    /** The phases of connecting, reported so that the watchdog can enforce their timeouts and abort them. */
    interface Progress {
        /** Connecting has started; closing {@code handle} aborts it. */
        void connecting(java.io.Closeable handle);

        /** The TCP connection is up and the TLS handshake starts. */
        void handshaking();
    }

    private static Transport openSocket(Endpoint endpoint, ConnectionOptions options, Progress progress)
            throws IOException {
        if (endpoint.scheme() == Endpoint.Scheme.UNIX) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            progress.connecting(channel);
            try {
                channel.connect(UnixDomainSocketAddress.of(endpoint.socketPath()));
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot connect to unix socket " + endpoint.socketPath() + ": " + e, e);
            }
            return new UnixTransport(channel);
        }
        ProxyOptions proxy = options.proxy();
        // Through a proxy, the TCP connection goes to the proxy; the origin is named in CONNECT or the request-line.
        Endpoint peer = proxy != null ? proxy.address() : endpoint;
        String via = proxy != null ? " through proxy " + proxy.address() : "";
        // A channel rather than a Socket: an idle connection waits for it in a selector (IdleParking). Connected
        // through its socket adaptor, which takes a timeout.
        SocketChannel channel = SocketChannel.open();
        Socket socket = channel.socket();
        progress.connecting(channel);
        try {
            socket.setTcpNoDelay(true); // requests are batched by the writer and flushed explicitly
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(peer.host()), peer.port());
            socket.connect(address, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
        } catch (SocketTimeoutException e) {
            channel.close();
            throw new PipelaneTimeoutException(PipelaneTimeoutException.Phase.CONNECT, options.connectTimeout(),
                    "connecting to " + endpoint + via + " timed out");
        } catch (UnknownHostException e) {
            channel.close();
            throw new UnknownHostException("unknown host " + peer.host() + " of "
                    + (proxy != null ? "proxy " + peer : "endpoint " + endpoint));
        } catch (ConnectException e) {
            channel.close();
            if (proxy != null) throw new IOException("cannot connect to proxy " + peer + ": " + e, e);
            // The JDK's "Connection refused" does not say where: the message names the address, so that every
            // failure and refusal caused by it does. Same type and stack trace (no extra link in the cause chain).
            ConnectException named = new ConnectException(e.getMessage() + " to " + peer.host() + ":" + peer.port());
            named.setStackTrace(e.getStackTrace());
            throw named;
        } catch (IOException e) {
            channel.close();
            throw proxy == null ? e : new IOException("cannot connect to proxy " + peer + ": " + e, e);
        }
        PlainTransport plain = new PlainTransport(channel);
        if (proxy != null && proxy.tunnels(endpoint)) {
            try {
                ProxyTunnel.open(plain, endpoint, proxy, options.maxResponseHeadBytes());
            } catch (IOException | RuntimeException e) {
                plain.close();
                throw e;
            }
        }
        if (!endpoint.isSecure()) return plain;

        progress.handshaking();
        TlsTransport tls = new TlsTransport(plain, sslEngine(endpoint, options.tls()));
        try {
            tls.handshake();
            TlsPeerName.verify(tls.engine().getSession(), endpoint.host(), options.tls().hostnameVerification());
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
        return tls;
    }

    static SSLEngine sslEngine(Endpoint endpoint, TlsOptions tls) throws IOException {
        SSLContext context;
        try {
            context = tls.effectiveSslContext();
        } catch (GeneralSecurityException e) {
            throw new IOException("no SSL context for " + endpoint + ": " + e, e);
        }
        SSLEngine engine = context.createSSLEngine(TlsPeerName.of(endpoint.host()), endpoint.port());
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        TlsPeerName.configure(p, endpoint.host(), tls.hostnameVerification());
        p.setApplicationProtocols(new String[] {"http/1.1"});
        if (!tls.protocols().isEmpty()) p.setProtocols(tls.protocols().toArray(String[]::new));
        if (!tls.cipherSuites().isEmpty()) p.setCipherSuites(tls.cipherSuites().toArray(String[]::new));
        engine.setSSLParameters(p);
        return engine;
    }
}
