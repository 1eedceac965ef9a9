// Reference floor for scripts/bench (not part of Tollgate): how fast can the JDK's own stacks go
// with no gateway logic at all? Run with the source launcher:
//
//   java FloorServer.java server PORT              -> com.sun.net.httpserver + virtual threads,
//                                                      answers a fixed chat.completion
//   java FloorServer.java proxy  PORT UPSTREAM_URL  -> the same server, forwarding the body with one
//                                                      shared java.net.http.HttpClient
//                                                      (executor Runnable::run) and copying the answer
//                                                      (a "stream":true request as a byte stream)
//
// Prints {"event":"listening","port":N} once it accepts connections. Tollgate's cost over the
// "proxy" mode is what the gateway itself adds; "proxy" over direct is the JDK stacks' floor.
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

public class FloorServer {
    public static void main(String[] args) throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        String mode = args[0];
        int port = Integer.parseInt(args[1]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] fixed = ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"Hello! This is a fixed answer from the fake upstream.\"},\"logprobs\":null,"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":11,"
                + "\"total_tokens\":23}}").getBytes(StandardCharsets.UTF_8);
        if (mode.equals("server")) {
            server.createContext("/", ex -> {
                try (ex) {
                    ex.getRequestBody().readAllBytes();
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, fixed.length);
                    ex.getResponseBody().write(fixed);
                }
            });
        } else {
            URI upstream = URI.create(args[2]);
            HttpClient client = HttpClient.newBuilder().executor(Runnable::run).version(HttpClient.Version.HTTP_1_1).build();
            server.createContext("/", ex -> {
                try (ex) {
                    byte[] body = ex.getRequestBody().readAllBytes();
                    HttpRequest req = HttpRequest.newBuilder(upstream)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    if (new String(body, StandardCharsets.UTF_8).contains("\"stream\":true")) {
                        // Streams: bytes copied as they come, flushed when nothing more is ready
                        // (the same batching the gateway does), so no per-chunk parsing at all.
                        HttpResponse<java.io.InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
                        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                        ex.sendResponseHeaders(resp.statusCode(), 0);
                        try (java.io.InputStream in = resp.body(); java.io.OutputStream out = ex.getResponseBody()) {
                            byte[] buf = new byte[8192];
                            for (int n; (n = in.read(buf)) > 0; ) {
                                out.write(buf, 0, n);
                                if (in.available() == 0) out.flush();
                            }
                        }
                        return;
                    }
                    HttpResponse<byte[]> resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(resp.statusCode(), resp.body().length);
                    ex.getResponseBody().write(resp.body());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        server.start();
        System.out.println("{\"event\":\"listening\",\"port\":" + server.getAddress().getPort() + "}");
    }
}
