package io.pipelane.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The JDK's java.net.http.HttpClient, HTTP/1.1, one request at a time (it does not pipeline). */
final class JdkClient extends BenchClient {
    private final HttpClient client;
    private final HttpRequest request;

    JdkClient(Target target) {
        super("JDK HttpClient", target);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        request = HttpRequest.newBuilder(URI.create(target.url())).GET().build();
    }

    @Override
    boolean pipelines() {
        return false;
    }

    @Override
    long batch(int depth) throws Exception {
        check(depth == 1, "the JDK client does not pipeline");
        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        check(r.statusCode() == 200, "JDK: status " + r.statusCode());
        return r.body().length;
    }

    @Override
    public void close() {
        // java.net.http.HttpClient is AutoCloseable only from Java 21; its idle connection ends with the JVM
        if (client instanceof AutoCloseable) {
            try {
                ((AutoCloseable) client).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
