package io.pipelane.internal.engine;

import io.pipelane.internal.codec.HostNames;
import io.pipelane.internal.codec.Printable;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The server name TLS uses for an endpoint's host: for SNI and for checking the server's certificate.
 *
 * <ul>
 *   <li>A trailing dot is left out of both (RFC 6066 §3), as curl (7.82 and later) and browsers do; it stays in the
 *       {@code Host} header and in name resolution, which see the host as given.</li>
 *   <li>No SNI for an IP address, nor for a name the JDK refuses as an SNI host name (it applies the STD3 rules,
 *       so a name with {@code _} is refused). curl sends such names; the JDK cannot, so the server sees no SNI
 *       and answers with its default certificate.</li>
 *   <li>The JDK's certificate check ({@code HTTPS} endpoint identification) also refuses such a name before it
 *       looks at the certificate ("Illegal given domain name"). For those names only, the name is matched after
 *       the handshake by {@link #verify}, with the rules of RFC 6125 §6.4: the DNS names of the subject alternative
 *       names, compared without case, a {@code *} only as the whole leftmost label, standing for one label. The
 *       chain itself is checked by the trust manager during the handshake, as for any name.</li>
 * </ul>
 */
final class TlsPeerName {
    private TlsPeerName() {
    }

    /** The name the {@code SSLEngine} is created for (its peer host): the host without a trailing dot. */
    static String of(String host) {
        return HostNames.tlsName(host);
    }

    /** Sets SNI and, when {@code verify} and the JDK can, the {@code HTTPS} endpoint identification. */
    static void configure(SSLParameters p, String host, boolean verify) {
        String name = of(host);
        boolean ip = HostNames.isIpLiteral(name);
        SNIHostName sni = ip ? null : sniHostName(name);
        if (sni != null) p.setServerNames(List.of(sni));
        if (verify && (ip || sni != null)) p.setEndpointIdentificationAlgorithm("HTTPS");
    }

    /**
     * After the handshake: checks the certificate against a name the JDK could not check itself (see the class
     * comment); does nothing for the other names, or without {@code verify}.
     *
     * @throws SSLPeerUnverifiedException when the certificate does not name the host
     */
    static void verify(SSLSession session, String host, boolean verify) throws SSLPeerUnverifiedException {
        String name = of(host);
        if (!verify || HostNames.isIpLiteral(name) || sniHostName(name) != null) return;
        Certificate[] chain = session.getPeerCertificates();
        List<String> dnsNames = new ArrayList<>();
        if (chain.length > 0 && chain[0] instanceof X509Certificate) {
            try {
                Collection<List<?>> sans = ((X509Certificate) chain[0]).getSubjectAlternativeNames();
                if (sans != null) {
                    for (List<?> san : sans) {
                        if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String) {
                            dnsNames.add((String) san.get(1));
                        }
                    }
                }
            } catch (CertificateParsingException e) {
                throw (SSLPeerUnverifiedException) new SSLPeerUnverifiedException("cannot read the names of the"
                        + " certificate of " + Printable.quote(name) + ": " + e).initCause(e);
            }
        }
        for (String dns : dnsNames) {
            if (matches(name, dns)) return;
        }
        throw new SSLPeerUnverifiedException("the server certificate does not name " + Printable.quote(name)
                + ": its DNS names are " + Printable.escape(dnsNames));
    }

    /** RFC 6125 §6.4 matching of a reference name against one DNS name of a certificate. */
    static boolean matches(String name, String dns) {
        String n = HostNames.tlsName(name).toLowerCase(Locale.ROOT);
        String d = HostNames.tlsName(dns).toLowerCase(Locale.ROOT);
        if (d.startsWith("*.")) {
            int dot = n.indexOf('.');
            return dot > 0 && d.indexOf('*', 1) < 0 && n.substring(dot).equals(d.substring(1))
                    && d.indexOf('.', 2) > 0; // never *.com
        }
        return d.indexOf('*') < 0 && n.equals(d);
    }

    private static SNIHostName sniHostName(String name) {
        try {
            return new SNIHostName(name);
        } catch (IllegalArgumentException refused) {
            return null;
        }
    }
}
