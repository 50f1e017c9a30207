package io.pipelane.runtime;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A small HTTP/1.1 server on 127.0.0.1 and a free port, for the {@code demo} endpoint. */
final class DemoServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads;
    private final AtomicInteger count = new AtomicInteger();

    DemoServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "demo-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            byte[] body = ("Hello from the Pipelane demo server: " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI() + " (request " + count.incrementAndGet() + ")\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, exchange.getRequestMethod().equals("HEAD") ? -1 : body.length);
            if (!exchange.getRequestMethod().equals("HEAD")) exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
