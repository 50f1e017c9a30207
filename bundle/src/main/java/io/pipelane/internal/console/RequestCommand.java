package io.pipelane.internal.console;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.ProxyOptions;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.internal.codec.Printable;
import io.pipelane.internal.config.ConfigModel;
import io.pipelane.internal.config.Redaction;
import io.pipelane.internal.osgi.PipelaneRuntime;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code pipelane:request [-X method] [-H 'Name: value']... [-d text | -f file] [-o file] <target> [path]}: sends
 * one request on a new connection, to a configured endpoint or a URL, and prints the response the way
 * {@code curl -i} does ({@link ResponseText}). The connection is closed once the response is read. Everything is
 * printed on the command's thread, to the session's output.
 */
@Component(service = RequestCommand.class, immediate = true,
        property = {Usage.SCOPE, "osgi.command.function=request"})
public final class RequestCommand {
    /** The longest the command waits for an outcome (the connection's own timeouts end it sooner). */
    static final long WAIT_MINUTES = 5;
    static final String DESCRIPTION = "sends one request on a new connection to a configured endpoint or a URL and "
            + "prints the response like curl -i: status line, header fields, a blank line, the body";
    static final String WORDS = "[-X method] [-H 'Name: value']... [-d text | -f file] [-o file] <target> [path]";
    static final Usage USAGE = new Usage("request", DESCRIPTION,
            Usage.Param.optional("-X method", "the method; default GET, or POST when a body is given"),
            Usage.Param.optional("-H 'Name: value'", "a request header field; repeat -H for more"),
            Usage.Param.optional("-d text", "the body, as UTF-8 text (quote it: the shell reads {...} as a closure)"),
            Usage.Param.optional("-f file", "the body, read from a file where Pipelane runs"),
            Usage.Param.optional("-o file", "saves the body to a file instead of printing it"),
            Usage.Param.required("target", "a configured endpoint's name (pipelane:endpoints lists them), or an "
                    + "http:// or https:// URL with its path (quote a URL with ? or *)"),
            Usage.Param.optional("path", "the request target at a configured endpoint, e.g. /items?id=1; default /"));

    private final PipelaneRuntime runtime;

    @Activate
    public RequestCommand(@Reference PipelaneRuntime runtime) {
        this.runtime = runtime;
    }

    /** The command line, checked. {@code endpoint} is null for a configured endpoint's name. */
    record Call(Request request, String target, Endpoint endpoint, Path output) {
    }

    /** {@code --help} prints the usage; wrong or missing arguments print it and fail naming the problem. */
    @Descriptor(DESCRIPTION)
    public void request(@Descriptor(WORDS) Object... words) throws Exception {
        send(words, System.out);
    }

    /**
     * @throws IllegalArgumentException after printing the usage, for wrong arguments
     * @throws IllegalStateException    after printing the cause chain, when the request failed
     */
    void send(Object[] words, PrintStream out) throws Exception {
        Call call = parse(words, out);
        if (call == null) return;
        Connection c = call.endpoint() == null ? runtime.create(call.target())
                : runtime.engine().create(call.endpoint(), optionsFor(call.endpoint()));
        Request r = call.request();
        String shown = r.method() + " " + Printable.escape(r.target()) + " to " + Redaction.uri(call.target());
        try {
            BodyHandler<?> handler = call.output() == null ? BodyHandlers.ofByteArray()
                    : BodyHandlers.ofFile(call.output());
            Response<?> response;
            try {
                response = c.call(r, handler).get(WAIT_MINUTES, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                out.println("request failed: " + shown + ": " + Printable.line(Text.failure(e.getCause())));
                out.flush();
                throw new IllegalStateException("pipelane:request: " + shown + " failed");
            } catch (TimeoutException e) {
                throw new IllegalStateException("pipelane:request: " + shown + ": no outcome in " + WAIT_MINUTES
                        + " minutes");
            }
            out.print(ResponseText.head(response));
            if (call.output() == null) {
                out.print(ResponseText.body((byte[]) response.body(), response.headers()));
            } else {
                out.println("[" + Files.size(call.output()) + " bytes of body saved to " + call.output() + "]");
            }
            out.flush();
        } finally {
            c.close();
        }
    }

    /**
     * The options a URL's connection gets: the defaults in force, with the defaults' proxy unless its exceptions
     * match the URL (as a consumer's cache does for an endpoint given as a URI).
     */
    private ConnectionOptions optionsFor(Endpoint endpoint) {
        ConnectionOptions defaults = runtime.engine().defaultOptions();
        ConfigModel.Result r = runtime.configuration();
        ProxyOptions proxy = r == null || r.proxyDefaults() == null ? null : r.proxyDefaults().rules().select(endpoint);
        return proxy == null ? defaults : defaults.toBuilder().proxy(proxy).build();
    }

    /** The call, or null after printing the usage for {@code --help}. */
    static Call parse(Object[] words, PrintStream out) {
        List<String> args = new ArrayList<>();
        for (Object w : words == null ? new Object[0] : words) args.add(String.valueOf(w));
        String method = null;
        List<String[]> headers = new ArrayList<>();
        RequestBody body = null;
        Path output = null;
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--help", "-h" -> {
                    out.print(USAGE.text());
                    return null;
                }
                case "-X", "-H", "-d", "-f", "-o" -> {
                    if (i + 1 >= args.size()) throw USAGE.wrong(a + " needs a value", out);
                    String v = args.get(++i);
                    switch (a) {
                        case "-X" -> method = v;
                        case "-H" -> headers.add(header(v, headers.size() + 1, out));
                        case "-o" -> output = Path.of(v).toAbsolutePath();
                        default -> {
                            if (body != null) throw USAGE.wrong("give one body: -d or -f, once", out);
                            body = a.equals("-d") ? RequestBody.of(v) : file(v, out);
                        }
                    }
                }
                default -> {
                    if (a.startsWith("-") && a.length() > 1) throw USAGE.wrong(unknownOption(a), out);
                    positional.add(a);
                }
            }
        }
        if (positional.isEmpty()) throw USAGE.wrong("missing <target>", out);
        String target = positional.get(0);
        Endpoint endpoint = null;
        String path;
        if (target.contains("://")) {
            if (positional.size() > 1) {
                throw USAGE.wrong("unexpected argument " + Printable.singleQuote(positional.get(1))
                        + ": a URL carries its path", out);
            }
            int start = target.indexOf("://") + 3;
            int end = start;
            while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) end++;
            String rest = target.substring(end);
            int fragment = rest.indexOf('#');
            if (fragment >= 0) rest = rest.substring(0, fragment); // never sent, as curl does
            path = rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
            String origin = target.substring(0, end);
            if (!origin.regionMatches(true, 0, "http://", 0, 7) && !origin.regionMatches(true, 0, "https://", 0, 8)) {
                throw USAGE.wrong("<target> " + Printable.singleQuote(Redaction.uri(origin))
                        + " is neither an endpoint name nor an http:// or https:// URL", out);
            }
            try {
                endpoint = Endpoint.of(origin);
            } catch (IllegalArgumentException e) {
                throw USAGE.wrong(e.getMessage(), out); // the user-info masked
            }
        } else {
            if (positional.size() > 2) {
                throw USAGE.wrong("unexpected argument " + Printable.singleQuote(positional.get(2)), out);
            }
            path = positional.size() > 1 ? positional.get(1) : "/";
            if (!path.startsWith("/") && !path.equals("*")) path = "/" + path;
        }
        if (method == null) method = body == null ? "GET" : "POST";
        try {
            Request.Builder b = Request.builder(method, path);
            for (String[] h : headers) b.header(h[0], h[1]);
            if (body != null) b.body(body);
            return new Call(b.build(), target, endpoint, output);
        } catch (IllegalArgumentException e) {
            throw USAGE.wrong(e.getMessage(), out); // names the header, never its value
        }
    }

    /**
     * Names an unknown option without quoting what may be a value glued to it ({@code -H'Authorization: Bearer x'},
     * {@code --header=...}, {@code -dsecret}): only the word up to the first {@code =}, {@code :} or white space,
     * and only the option itself when it is one of ours with its value attached.
     */
    static String unknownOption(String word) {
        if (word.length() > 2 && "-X-H-d-f-o".contains(word.substring(0, 2))) {
            return word.substring(0, 2) + " takes its value as the next word (" + word.substring(0, 2) + " value)";
        }
        int end = 1;
        while (end < word.length() && "=: \t".indexOf(word.charAt(end)) < 0) end++;
        return "unknown option " + Printable.singleQuote(word.substring(0, end) + (end < word.length() ? "..." : ""));
    }

    /** {@code Name: value} as name and value; the message never quotes the value, which may be a credential. */
    private static String[] header(String field, int nth, PrintStream out) {
        int colon = field.indexOf(':');
        if (colon <= 0) {
            throw USAGE.wrong("-H number " + nth + " is not 'Name: value' (no name before a ':')", out);
        }
        String value = field.substring(colon + 1).trim();
        if (value.isEmpty()) {
            // An unquoted -H Authorization: Bearer x splits into words; the next ones would be taken for the
            // target and quoted back in a message. Refused here, before any of them is used.
            throw USAGE.wrong("-H number " + nth + " has no value after its ':' (quote the field as one word: "
                    + "-H 'Name: value')", out);
        }
        return new String[] {field.substring(0, colon).trim(), value};
    }

    private static RequestBody file(String name, PrintStream out) {
        Path file = Path.of(name).toAbsolutePath();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw USAGE.wrong("-f: cannot read the file " + Printable.singleQuote(file), out);
        }
        return RequestBody.ofFile(file);
    }
}
