package io.pipelane;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No header can smuggle another one onto the wire: names and values are checked as they are added. */
class HeadersValidationTest {

    @ParameterizedTest(name = "value {0}")
    @ValueSource(strings = {
        "a\r\nX-Injected: 1",  // CRLF injection
        "a\nX-Injected: 1",    // bare LF
        "a\rb",                // bare CR
        "a\u0000b",            // NUL
        "a\u0001b",            // other control characters
        "\u001b[31mred",
        "a\u000bb",
        "a\u007fb",            // DEL
    })
    void controlCharactersInValuesAreRefusedNamingTheHeader(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Headers.builder().add("X-Test", value));
        assertTrue(e.getMessage().contains("header \"X-Test\""), e.getMessage());
        assertTrue(e.getMessage().contains("invalid character"), e.getMessage());
    }

    @Test
    void theOffendingCharacterAndItsIndexAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Headers.builder().add("X-Test", "ab\r\nX-Injected: 1"));
        assertEquals("invalid character CR at index 2 in the value of header \"X-Test\": CR, LF, NUL and other"
                + " control characters are never sent", e.getMessage());
    }

    @ParameterizedTest(name = "value [{0}]")
    @ValueSource(strings = {" leading", "trailing ", "\tleading-tab", "trailing-tab\t", " "})
    void leadingOrTrailingWhitespaceIsRefused(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Headers.builder().add("X-Test", value));
        assertTrue(e.getMessage().contains("header \"X-Test\" has leading or trailing whitespace"), e.getMessage());
    }

    @ParameterizedTest(name = "value {0}")
    @ValueSource(strings = {"\u20ac5", "\u0100", "emoji \ud83d\ude00", "\u4e2d\u6587"})
    void charactersOutsideLatin1AreRefused(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Headers.builder().add("X-Test", value));
        assertTrue(e.getMessage().contains("in the value of header \"X-Test\""), e.getMessage());
    }

    @Test
    void latin1ValuesInnerWhitespaceAndEmptyValuesAreAccepted() {
        Headers h = Headers.builder()
                .add("X-Latin1", "caf\u00e9 \u00ff")
                .add("X-Inner", "a \t b")
                .add("X-Empty", "")
                .add("X-Obs", "\u0085\u00a0x")
                .build();
        assertEquals(4, h.size());
        assertEquals("caf\u00e9 \u00ff", h.first("x-latin1"));
        assertEquals("a \t b", h.first("X-Inner"));
        assertEquals("", h.first("X-Empty"));
    }

    @ParameterizedTest(name = "name [{0}]")
    @ValueSource(strings = {"", "X Test", " X-Test", "X-Test ", "X-Test\t", "X:Test", "X-Test:", "X\r\nInjected",
        "X\nY", "X\u0000", "X\u007f", "Caf\u00e9", "X(Y)", "X\"Y", "X/Y", "X@Y", "X[Y]", "X{Y}", "X=Y", "X,Y", "X;Y",
        "X?Y", "X\\Y", "\u20ac"})
    void namesThatAreNotTokensAreRefusedNamingTheName(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Headers.builder().add(name, "v"));
        assertTrue(e.getMessage().startsWith("invalid header name \""), e.getMessage());
    }

    @Test
    void controlCharactersInARefusedNameAreEscapedInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Headers.builder().add("X\r\nInjected", "v"));
        assertEquals("invalid header name \"X\\x0D\\x0AInjected\": a header name is a non-empty token"
                + " (RFC 9110 §5.6.2)", e.getMessage());
    }

    @Test
    void everyTcharIsAcceptedInNames() {
        Headers h = Headers.builder().add("!#$%&'*+-.^_`|~09azAZ", "v").build();
        assertEquals("v", h.first("!#$%&'*+-.^_`|~09azAZ"));
    }

    @Test
    void aRefusedFieldIsNotAdded() {
        Headers.Builder b = Headers.builder().add("X-Ok", "1");
        assertThrows(IllegalArgumentException.class, () -> b.add("X-Bad", "a\r\nb"));
        assertThrows(IllegalArgumentException.class, () -> b.set("X-Ok", "a\nb"));
        Headers h = b.build();
        assertEquals(1, h.size());
        assertEquals("1", h.first("X-Ok"), "set() checks before it removes");
    }

    @Test
    void nullsAreRefusedNamingWhatIsMissing() {
        NullPointerException a = assertThrows(NullPointerException.class, () -> Headers.builder().add(null, "v"));
        assertEquals("header name", a.getMessage());
        NullPointerException b = assertThrows(NullPointerException.class, () -> Headers.builder().add("X-A", null));
        assertEquals("value of header X-A", b.getMessage());
    }

    @Test
    void headersOfIsValidatedToo() {
        assertThrows(IllegalArgumentException.class, () -> Headers.of("X-A", "1", "X-B"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Headers.of("X-A", "1", "X-B", "2\r\n"));
        assertTrue(e.getMessage().contains("header \"X-B\""), e.getMessage());
    }

    @Test
    void theExportedApiHasNoWayAroundValidation() {
        // Unvalidated headers are built only by the response parser, through an internal package.
        for (java.lang.reflect.Method m : Headers.class.getMethods()) {
            assertTrue(!m.getName().toLowerCase(java.util.Locale.ROOT).contains("trusted"), m.toString());
        }
        assertThrows(IllegalStateException.class, () -> io.pipelane.internal.codec.TrustedHeaders.install(
                (namesAndValues, size) -> null), "only Headers installs the wrapper, once");
        assertEquals("X-A", io.pipelane.internal.codec.TrustedHeaders.of(new String[] {"X-A", "1"}, 1).name(0));
    }
}
