package io.pipelane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.ConfigSource;
import io.pipelane.internal.config.Redaction;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A password written into a URI (user-info) never reaches an exception message nor any exception in its cause
 * chain: the JDK's URI parser and URLDecoder quote their input, so their exceptions are neither quoted nor chained.
 */
class SecretRedactionTest {
    private static final String SECRET = "s3cr3t-P4ss";

    private static void assertNoSecret(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            assertFalse(String.valueOf(c.getMessage()).contains(SECRET), c + " quotes the secret");
            assertFalse(c.toString().contains(SECRET), c + " quotes the secret");
        }
    }

    @Test
    void proxyUriTheParserRefusesIsQuotedWithoutItsPassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyOptions.parse("http://user:" + SECRET + " x@proxy.example:3128"));
        assertNoSecret(e);
        // The same on every Java: on Java 25 the JDK's index points at the space inside the password.
        assertEquals("invalid proxy URI 'http://****@proxy.example:3128': Illegal character in authority",
                e.getMessage());
    }

    @Test
    void proxyUriWithABadEscapeInThePasswordIsQuotedWithoutIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyOptions.parse("http://user:" + SECRET + "%zz@proxy.example:3128"));
        assertNoSecret(e);
        assertTrue(e.getMessage().contains("'http://****@proxy.example:3128'"), e.getMessage());
    }

    @Test
    void environmentProxyIsQuotedWithoutItsPassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyRules.fromEnvironment(Map.of("https_proxy", "http://u:" + SECRET + "{@proxy:1")));
        assertNoSecret(e);
        assertTrue(e.getMessage().startsWith("https_proxy: invalid proxy URI 'http://****@proxy:1'"), e.getMessage());
    }

    @Test
    void endpointUriWithUserInfoIsQuotedWithoutIt() {
        for (String uri : List.of("https://svc:" + SECRET + "@host", "https://svc:" + SECRET + " x@host",
                "http://svc:" + SECRET + "@host/path")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.of(uri));
            assertNoSecret(e);
            assertTrue(e.getMessage().contains("****@host"), e.getMessage());
        }
    }

    @Test
    void endpointConfigurationWithUserInfoShowsAndReportsItRedacted() {
        ConfigModel.Result r = ConfigModel.compute(null, List.of(), List.of(new ConfigSource(
                "io.pipelane.endpoint~billing", Map.of("uri", "https://svc:" + SECRET + "@billing:8443"))), null);
        ConfigModel.EndpointStatus s = r.endpointStatus().get(0);
        assertEquals("https://****@billing:8443", s.uri());
        assertFalse(s.error().contains(SECRET), s.error());
        assertTrue(s.error().startsWith("io.pipelane.endpoint~billing: key 'uri': "), s.error());
        assertFalse(r.toString().contains(SECRET));
    }

    @Test
    void redactionMasksEverythingBeforeTheLastAt() {
        assertEquals("https://****@host:1", Redaction.uri("https://a:b@c@host:1"));
        assertEquals("****@host", Redaction.uri("a:b@host"));
        assertEquals("http://host:1", Redaction.uri("http://host:1"));
        assertEquals("unix:/run/x.sock", Redaction.uri("unix:/run/x.sock"));
    }
}
