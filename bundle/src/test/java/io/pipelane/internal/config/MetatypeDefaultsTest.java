package io.pipelane.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.ConnectionOptions;
import io.pipelane.TlsOptions;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The metatype that Karaf's config:meta and the Felix web console show (the XML bnd generated into
 * target/classes) must agree with the code: same keys, same defaults.
 */
class MetatypeDefaultsTest {
    private static final Path METATYPE = Path.of("target/classes/OSGI-INF/metatype");

    /** AD id -> default (null when the AD has none). */
    private static Map<String, String> attributes(String pid) throws Exception {
        Path file = METATYPE.resolve(pid + ".xml");
        assertTrue(Files.isRegularFile(file), "bnd generates " + file);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        NodeList ads = doc.getElementsByTagName("AD");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < ads.getLength(); i++) {
            Element ad = (Element) ads.item(i);
            out.put(ad.getAttribute("id"), ad.hasAttribute("default") ? ad.getAttribute("default") : null);
        }
        return out;
    }

    @Test
    void defaultsOfTheMetatypeEqualTheCodeDefaults() throws Exception {
        Map<String, String> ads = attributes("io.pipelane");
        ConnectionOptions code = ConnectionOptions.defaults();
        // Start from options that differ from the defaults everywhere, so a missing key cannot pass unnoticed.
        ConnectionOptions different = ConnectionOptions.builder()
                .persistence(io.pipelane.Persistence.FALSE)
                .connectTimeout(Duration.ofMillis(1)).handshakeTimeout(Duration.ofMillis(1))
                .responseTimeout(Duration.ofMillis(1)).idleReadTimeout(Duration.ofMillis(1))
                .writeTimeout(Duration.ofMillis(1)).bodyReadTimeout(Duration.ofMillis(1))
                .maxPipelineDepth(7).maxBytesInFlight(7).pipelineAfterNonIdempotent(true)
                .maxResponseHeadBytes(77).maxHeaderCount(7).maxChunkLineBytes(9).maxBufferedBodyBytes(7)
                .maxBufferedRequestBodyBytes(7).build();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String key : OptionKeys.keys()) {
            assertTrue(ads.containsKey(key), "io.pipelane metatype describes " + key);
            assertNotNull(ads.get(key), "io.pipelane metatype gives a default for " + key);
            defaults.put(key, ads.get(key));
        }
        ConnectionOptions fromMetatype = OptionKeys.apply(different, new ConfigValues("metatype", defaults));
        for (String key : OptionKeys.keys()) {
            Method accessor = ConnectionOptions.class.getMethod(key);
            assertEquals(accessor.invoke(code), accessor.invoke(fromMetatype),
                    "metatype default of " + key + " (" + ads.get(key) + ")");
        }
        assertEquals(OptionKeys.describe(code), OptionKeys.describe(fromMetatype));
        assertEquals("", ads.get(OptionKeys.EXECUTOR_TARGET), "executor.target is empty by default");
        Set<String> expected = new TreeSet<>(OptionKeys.keys());
        expected.add(OptionKeys.EXECUTOR_TARGET);
        assertEquals(expected, new TreeSet<>(ads.keySet()), "no metatype key without code behind it");
    }

    @Test
    void everyBuilderOptionIsAConfigurationKey() {
        Set<String> settable = new TreeSet<>();
        for (Method m : ConnectionOptions.Builder.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 1
                    && m.getReturnType() == ConnectionOptions.Builder.class) {
                settable.add(m.getName());
            }
        }
        // Objects, not values: set in code or through other configurations (tls: io.pipelane.tls; executor:
        // executor.target).
        settable.removeAll(Set.of("finaliser", "tls", "executor"));
        assertEquals(settable, new TreeSet<>(OptionKeys.keys()));
    }

    @Test
    void endpointMetatypeOffersEveryOverrideWithoutDefaults() throws Exception {
        Map<String, String> ads = attributes("io.pipelane.endpoint");
        Set<String> expected = new TreeSet<>(OptionKeys.keys());
        expected.addAll(Set.of("name", "uri", "tls"));
        assertEquals(expected, new TreeSet<>(ads.keySet()));
        for (String key : OptionKeys.keys()) {
            // A default here would silently override io.pipelane for every endpoint.
            assertEquals(null, ads.get(key), "endpoint override " + key + " has no default");
        }
    }

    @Test
    void tlsMetatypeMatchesTheTlsKeys() throws Exception {
        Map<String, String> ads = attributes("io.pipelane.tls");
        assertEquals(new TreeSet<>(TlsConfig.KEYS), new TreeSet<>(ads.keySet()));
        assertEquals(String.valueOf(TlsOptions.defaults().hostnameVerification()), ads.get("hostnameVerification"));
    }
}
