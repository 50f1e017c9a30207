package io.pipelane.internal.console;

import io.pipelane.Headers;
import io.pipelane.Response;
import io.pipelane.internal.codec.Printable;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;

/**
 * A response as {@code curl -i} prints it: the status line, the header fields as received, a blank line, the body.
 * A body is printed when it is text (it decodes in the charset its {@code Content-Type} names, UTF-8 by default,
 * and has no control character but tab, CR and LF); any other body is binary and replaced by one line saying its
 * size, so that no byte of it reaches the operator's terminal. Header values have control characters escaped for
 * the same reason (the parser lets few through). Pure functions.
 */
final class ResponseText {
    private ResponseText() {
    }

    /** The status line, the header fields and the blank line. */
    static String head(Response<?> r) {
        StringBuilder s = new StringBuilder().append(r.version()).append(' ').append(r.status());
        if (!r.reason().isEmpty()) s.append(' ').append(Printable.line(r.reason()));
        s.append('\n');
        Headers h = r.headers();
        for (int i = 0; i < h.size(); i++) {
            s.append(h.name(i)).append(": ").append(Printable.line(h.value(i))).append('\n');
        }
        return s.append('\n').toString();
    }

    /** The body as text ending with a line break, or the line that stands for a binary body; empty for none. */
    static String body(byte[] body, Headers headers) {
        if (body.length == 0) return "";
        String contentType = headers.first("Content-Type");
        String text = text(body, charset(contentType));
        if (text == null) {
            return "[binary body, " + body.length + " bytes" + (contentType == null ? ""
                    : ", " + Printable.escape(contentType)) + ": not printed; -o FILE saves it]\n";
        }
        return text.endsWith("\n") ? text : text + "\n";
    }

    /** The text, or null when the bytes do not decode or hold a control character other than tab, CR, LF. */
    static String text(byte[] body, Charset charset) {
        String text;
        try {
            CharBuffer chars = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            text = chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 ? c != '\t' && c != '\r' && c != '\n' : c == 0x7f || (c >= 0x80 && c < 0xa0);
            if (control) return null;
        }
        return text;
    }

    /** The charset a Content-Type names, if the JDK has it; else UTF-8. */
    static Charset charset(String contentType) {
        if (contentType == null) return StandardCharsets.UTF_8;
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                String name = p.substring("charset=".length()).trim();
                if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                    name = name.substring(1, name.length() - 1);
                }
                try {
                    return Charset.forName(name);
                } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }
}
