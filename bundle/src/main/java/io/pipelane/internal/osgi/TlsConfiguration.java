package io.pipelane.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The metatype of a TLS context, factory PID {@code io.pipelane.tls}. Key names follow Pax Web and Felix HTTP
 * ({@code truststore}, {@code truststore.type}, {@code truststore.password}, …). There is no "trust all" switch.
 */
@ObjectClassDefinition(id = "io.pipelane.tls", name = "Pipelane TLS context",
        description = "A named TLS context that https endpoints refer to with tls=<name>: trust store, key store "
                + "(client certificate), protocols, cipher suites. Passwords are never logged or shown.")
@interface TlsConfiguration {
    @AttributeDefinition(name = "Name", description = "The name endpoints refer to. Defaults to the "
            + "configuration's alias (secure in io.pipelane.tls-secure.cfg).", required = false)
    String name();

    @AttributeDefinition(name = "Trust store", description = "Path of the trust store (the certificates trusted "
            + "to identify servers). Empty: the JDK's default trust store.", required = false)
    String truststore();

    @AttributeDefinition(name = "Trust store type", description = "PKCS12, JKS or PEM. Empty: from the file "
            + "name (.jks: JKS; .pem, .crt, .cer: PEM; else PKCS12).", required = false,
            options = {@Option(value = "PKCS12"), @Option(value = "JKS"), @Option(value = "PEM")})
    String truststore_type();

    @AttributeDefinition(name = "Trust store password", type = AttributeType.PASSWORD, required = false)
    String truststore_password();

    @AttributeDefinition(name = "Key store", description = "Path of the key store holding the client "
            + "certificate and its private key, for servers that require one.", required = false)
    String keystore();

    @AttributeDefinition(name = "Key store type", description = "PKCS12, JKS or PEM (a PKCS#8 private key and "
            + "its certificate chain).", required = false,
            options = {@Option(value = "PKCS12"), @Option(value = "JKS"), @Option(value = "PEM")})
    String keystore_type();

    @AttributeDefinition(name = "Key store password", type = AttributeType.PASSWORD, required = false)
    String keystore_password();

    @AttributeDefinition(name = "Key password", description = "The private key's password. Empty: the key "
            + "store password.", type = AttributeType.PASSWORD, required = false)
    String key_password();

    @AttributeDefinition(name = "Key alias", description = "The key store entry to present. Empty: the JDK "
            + "chooses.", required = false)
    String key_alias();

    @AttributeDefinition(name = "Protocols", description = "Enabled protocols, comma separated, e.g. TLSv1.3. "
            + "Empty: the JDK's defaults.", required = false)
    String[] protocols();

    @AttributeDefinition(name = "Cipher suites", description = "Enabled cipher suites, comma separated. Empty: "
            + "the JDK's defaults.", required = false)
    String[] cipherSuites();

    @AttributeDefinition(name = "Hostname verification", description = "Whether the server certificate must "
            + "match the endpoint's host name (RFC 2818).")
    boolean hostnameVerification() default true;
}
