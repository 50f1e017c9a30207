package io.pipelane.internal.config;

import io.pipelane.TlsOptions;
import io.pipelane.internal.codec.Printable;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * A named TLS context from configuration ({@code io.pipelane.tls}): trust store, key store, protocols, cipher
 * suites, hostname verification. The keys follow the names Karaf users know from Pax Web and Felix HTTP
 * ({@code truststore}, {@code truststore.type}, {@code truststore.password}, {@code keystore}, …).
 *
 * <p>Store types: {@code PKCS12}, {@code JKS} or {@code PEM} (certificates, and for a key store an unencrypted
 * or PKCS#8-encrypted private key with its certificate chain). Without a type, it follows the file name:
 * {@code .jks} is JKS, {@code .pem}, {@code .crt}, {@code .cer} are PEM, anything else PKCS12. Without a trust
 * store, the JDK's default trust store is used. There is no "trust everything" switch.
 */
public final class TlsConfig {
    public static final String NAME = "name";
    public static final String TRUSTSTORE = "truststore";
    public static final String TRUSTSTORE_TYPE = "truststore.type";
    public static final String TRUSTSTORE_PASSWORD = "truststore.password";
    public static final String KEYSTORE = "keystore";
    public static final String KEYSTORE_TYPE = "keystore.type";
    public static final String KEYSTORE_PASSWORD = "keystore.password";
    public static final String KEY_PASSWORD = "key.password";
    public static final String KEY_ALIAS = "key.alias";
    public static final String PROTOCOLS = "protocols";
    public static final String CIPHER_SUITES = "cipherSuites";
    public static final String HOSTNAME_VERIFICATION = "hostnameVerification";

    /** Every key of a TLS context configuration. */
    public static final Set<String> KEYS = Set.of(NAME, TRUSTSTORE, TRUSTSTORE_TYPE, TRUSTSTORE_PASSWORD, KEYSTORE,
            KEYSTORE_TYPE, KEYSTORE_PASSWORD, KEY_PASSWORD, KEY_ALIAS, PROTOCOLS, CIPHER_SUITES,
            HOSTNAME_VERIFICATION);

    /** The keys whose values are secrets: never logged, never shown. */
    public static final Set<String> SECRETS = Set.of(TRUSTSTORE_PASSWORD, KEYSTORE_PASSWORD, KEY_PASSWORD);

    private static final List<String> TYPES = List.of("PKCS12", "JKS", "PEM");
    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");

    private TlsConfig() {
    }

    /**
     * Builds the TLS options of one configuration.
     *
     * @throws ConfigException naming the key whose value is unusable (a missing or unreadable store, a wrong
     *                         password, an unknown type, protocol or cipher suite, an unknown key alias)
     */
    public static TlsOptions build(ConfigValues v) {
        try {
            TrustManager[] trust = null;
            String truststore = v.string(TRUSTSTORE);
            if (truststore != null) {
                KeyStore ks = load(v, TRUSTSTORE, TRUSTSTORE_TYPE, TRUSTSTORE_PASSWORD, null);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                trust = tmf.getTrustManagers();
            } else if (v.has(TRUSTSTORE_TYPE) || v.has(TRUSTSTORE_PASSWORD)) {
                throw v.error(TRUSTSTORE, "is required when truststore.type or truststore.password is set");
            }
            KeyManager[] keys = null;
            String keystore = v.string(KEYSTORE);
            if (keystore != null) {
                char[] keyPassword = v.has(KEY_PASSWORD) ? v.secret(KEY_PASSWORD) : v.secret(KEYSTORE_PASSWORD);
                KeyStore ks = load(v, KEYSTORE, KEYSTORE_TYPE, KEYSTORE_PASSWORD, keyPassword);
                String alias = v.string(KEY_ALIAS);
                if (alias != null && !ks.isKeyEntry(alias)) {
                    throw v.error(KEY_ALIAS, "the key store has no key entry " + Printable.singleQuote(alias));
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                try {
                    kmf.init(ks, keyPassword == null ? new char[0] : keyPassword);
                } catch (GeneralSecurityException e) {
                    throw v.error(v.has(KEY_PASSWORD) ? KEY_PASSWORD : KEYSTORE_PASSWORD,
                            "cannot read the private key (wrong password?): " + e.getClass().getSimpleName());
                }
                keys = kmf.getKeyManagers();
                if (alias != null) {
                    for (int i = 0; i < keys.length; i++) {
                        if (keys[i] instanceof X509KeyManager) keys[i] = new AliasKeyManager((X509KeyManager) keys[i], alias);
                    }
                }
            } else if (v.has(KEYSTORE_TYPE) || v.has(KEYSTORE_PASSWORD) || v.has(KEY_PASSWORD) || v.has(KEY_ALIAS)) {
                throw v.error(KEYSTORE, "is required when keystore.type, keystore.password, key.password or "
                        + "key.alias is set");
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            SSLParameters supported = context.getSupportedSSLParameters();
            List<String> protocols = checkSubset(v, PROTOCOLS, supported.getProtocols());
            List<String> suites = checkSubset(v, CIPHER_SUITES, supported.getCipherSuites());
            return TlsOptions.builder()
                    .sslContext(context)
                    .protocols(protocols)
                    .cipherSuites(suites)
                    .hostnameVerification(v.bool(HOSTNAME_VERIFICATION, true))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new ConfigException(v.source(), null, "cannot build the TLS context: " + e, e);
        }
    }

    private static List<String> checkSubset(ConfigValues v, String key, String[] supported) {
        List<String> wanted = v.list(key);
        List<String> all = Arrays.asList(supported);
        for (String w : wanted) {
            if (!all.contains(w)) throw v.error(key, Printable.singleQuote(w)
                    + " is not supported by this Java runtime");
        }
        return wanted;
    }

    private static KeyStore load(ConfigValues v, String fileKey, String typeKey, String passwordKey, char[] keyPassword)
            throws GeneralSecurityException {
        String file = v.string(fileKey);
        Path path;
        try {
            path = Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw v.error(fileKey, "not a valid path: " + e.getReason()
                    + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""));
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw v.error(fileKey, "cannot read the file " + path.toAbsolutePath());
        }
        String type = v.string(typeKey);
        if (type == null) {
            String lower = file.toLowerCase(Locale.ROOT);
            type = lower.endsWith(".jks") ? "JKS"
                    : lower.endsWith(".pem") || lower.endsWith(".crt") || lower.endsWith(".cer") ? "PEM" : "PKCS12";
        } else {
            type = type.toUpperCase(Locale.ROOT);
            if (type.equals("P12") || type.equals("PFX")) type = "PKCS12";
            if (!TYPES.contains(type)) throw v.error(typeKey, Printable.singleQuote(type)
                    + " is not one of PKCS12, JKS, PEM");
        }
        char[] password = v.secret(passwordKey);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw v.error(fileKey, "cannot read the file " + path.toAbsolutePath() + ": " + e.getMessage());
        }
        if (type.equals("PEM")) return pem(v, fileKey, bytes, keyPassword);
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            ks.load(in, password);
        } catch (IOException e) {
            boolean wrongPassword = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("password");
            throw wrongPassword
                    ? v.error(passwordKey, "cannot open " + path.toAbsolutePath() + " (wrong password?)")
                    : v.error(fileKey, "cannot read " + path.toAbsolutePath() + " as " + type + ": " + e.getMessage());
        }
        return ks;
    }

    /** A key store from PEM blocks: every certificate, and at most one private key with the chain after it. */
    private static KeyStore pem(ConfigValues v, String fileKey, byte[] bytes, char[] keyPassword)
            throws GeneralSecurityException {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<Certificate> certs = new ArrayList<>();
        byte[] key = null;
        boolean encrypted = false;
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            String label = m.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2).trim());
            } catch (IllegalArgumentException e) {
                throw v.error(fileKey, "a PEM block " + label + " is not valid Base64");
            }
            switch (label) {
                case "CERTIFICATE":
                case "TRUSTED CERTIFICATE":
                    Collection<? extends Certificate> c = cf.generateCertificates(new ByteArrayInputStream(der));
                    certs.addAll(c);
                    break;
                case "PRIVATE KEY":
                    key = der;
                    break;
                case "ENCRYPTED PRIVATE KEY":
                    key = der;
                    encrypted = true;
                    break;
                default:
                    throw v.error(fileKey, "PEM block " + Printable.singleQuote(label)
                            + " is not supported (use CERTIFICATE, PRIVATE KEY "
                            + "or ENCRYPTED PRIVATE KEY, i.e. PKCS#8)");
            }
        }
        if (certs.isEmpty()) throw v.error(fileKey, "the PEM file contains no certificate");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        if (key == null) {
            for (int i = 0; i < certs.size(); i++) ks.setCertificateEntry("cert-" + i, certs.get(i));
            return ks;
        }
        PKCS8EncodedKeySpec spec;
        if (encrypted) {
            if (keyPassword == null) throw v.error(KEY_PASSWORD, "the PEM private key is encrypted: a password is required");
            try {
                EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(key);
                SecretKeyFactory skf = SecretKeyFactory.getInstance(info.getAlgName());
                spec = info.getKeySpec(skf.generateSecret(new PBEKeySpec(keyPassword)));
            } catch (IOException | GeneralSecurityException e) {
                throw v.error(KEY_PASSWORD, "cannot decrypt the PEM private key (wrong password?)");
            }
        } else {
            spec = new PKCS8EncodedKeySpec(key);
        }
        PrivateKey pk = null;
        String algorithm = ((X509Certificate) certs.get(0)).getPublicKey().getAlgorithm();
        for (String alg : new String[] {algorithm, "RSA", "EC", "Ed25519", "EdDSA"}) {
            try {
                pk = KeyFactory.getInstance(alg).generatePrivate(spec);
                break;
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        if (pk == null) throw v.error(fileKey, "the PEM private key is neither RSA nor EC nor EdDSA");
        ks.setKeyEntry(v.has(KEY_ALIAS) ? v.string(KEY_ALIAS) : "key", pk,
                keyPassword == null ? new char[0] : keyPassword, certs.toArray(new Certificate[0]));
        return ks;
    }

    /** What a TLS configuration says, secrets masked, for the console. */
    public static Map<String, String> describe(ConfigValues v) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : List.of(TRUSTSTORE, TRUSTSTORE_TYPE, TRUSTSTORE_PASSWORD, KEYSTORE, KEYSTORE_TYPE,
                KEYSTORE_PASSWORD, KEY_PASSWORD, KEY_ALIAS, PROTOCOLS, CIPHER_SUITES, HOSTNAME_VERIFICATION)) {
            if (!v.has(k)) continue;
            out.put(k, SECRETS.contains(k) ? CacheKeys.MASK : String.join(",", v.list(k)));
        }
        return out;
    }

    /** Chooses the configured alias for client authentication. */
    private static final class AliasKeyManager extends X509ExtendedKeyManager {
        private final X509KeyManager delegate;
        private final String alias;

        AliasKeyManager(X509KeyManager delegate, String alias) {
            this.delegate = delegate;
            this.alias = alias;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return delegate.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return delegate.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String a) {
            return delegate.getCertificateChain(a);
        }

        @Override
        public PrivateKey getPrivateKey(String a) {
            return delegate.getPrivateKey(a);
        }
    }
}
