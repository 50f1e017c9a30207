package io.pipelane.internal.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A repeated field value is the previous String; anything else is decoded afresh, byte for byte. */
class FieldValuesTest {
    private final FieldValues values = new FieldValues();

    private String decode(int position, String name, String value) {
        byte[] b = ("xx" + value + "yy").getBytes(StandardCharsets.ISO_8859_1);
        return values.decode(position, name, b, 2, 2 + value.length());
    }

    @Test
    void theSameValueAtTheSamePositionIsReused() {
        String first = decode(0, "Server", "nio-bench");
        assertEquals("nio-bench", first);
        assertSame(first, decode(0, "Server", "nio-bench"));
    }

    @Test
    void aDifferentValueNameOrPositionIsDecoded() {
        String first = decode(1, "Content-Length", "13");
        assertEquals("14", decode(1, "Content-Length", "14"));
        assertEquals("13", decode(1, "Content-Length", "13"));
        assertNotSame(first, decode(1, "Content-Type", "13"), "another name");
        assertEquals("13", decode(2, "Content-Length", "13"));
        assertEquals("é\u00ff", decode(1, "Content-Length", "é\u00ff"), "ISO-8859-1 bytes");
        assertEquals("", decode(1, "Content-Length", ""));
    }

    @Test
    void forgottenValuesAreDecodedAfresh() {
        String first = decode(0, "Server", "nio-bench");
        values.forget();
        String again = decode(0, "Server", "nio-bench");
        assertEquals("nio-bench", again);
        assertNotSame(first, again);
        assertSame(again, decode(0, "Server", "nio-bench"), "remembered again");
    }

    @Test
    void positionsBeyondTheRememberedOnesAreDecoded() {
        String a = decode(FieldValues.POSITIONS, "Vary", "Accept");
        String b = decode(FieldValues.POSITIONS, "Vary", "Accept");
        assertEquals(a, b);
        assertNotSame(a, b);
    }
}
