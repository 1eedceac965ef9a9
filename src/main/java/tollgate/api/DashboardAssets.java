package tollgate.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.http.Endpoint;

/**
 * The dashboard's static files (issue 13): HTML, CSS, a script and an icon shipped inside the
 * module as resources under {@code /tollgate/dashboard/}, read once, when the class is first used
 * (at start-up, by {@link Dashboard#register}), into byte arrays; a request only writes them.
 *
 * <p>Every answer carries a strict Content-Security-Policy (CSP Level 3, W3C: {@code default-src
 * 'self'}, no inline script or style, no framing, no {@code <base>}, forms posting nowhere but
 * here) so that a string a client chose (a model name shown in the last requests) can never run
 * as script; {@code X-Content-Type-Options: nosniff} (Fetch §3.6: a script is run only when its
 * Content-Type says JavaScript); and {@code Cache-Control: no-store}, so that the page always
 * matches the gateway serving it. Nothing is loaded from anywhere else: no CDN, no font host.
 */
final class DashboardAssets {
    private DashboardAssets() { throw new AssertionError(); }

    /** Where the files are in the module. */
    static final String RESOURCES = "/tollgate/dashboard/";
    /** Largest file shipped, in bytes: a guard on the read, the files are a few KiB. */
    static final int MAX_ASSET_BYTES = 256 * 1024;
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** A file and its Content-Type. */
    record Asset(String contentType, byte[] bytes) {}

    /** File name → Content-Type: the whole set shipped (each must be present, or the start fails). */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.css", "text/css; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "charts.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    /** Loaded on first use of the class: the JVM runs this once, whatever the number of gateways. */
    private static final class Loaded {
        static final Map<String, Asset> ASSETS = load();
    }

    /** Every file by name; throws at start-up when one is missing from the build. */
    static Map<String, Asset> all() { return Loaded.ASSETS; }

    private static Map<String, Asset> load() {
        Map<String, Asset> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> f : FILES.entrySet()) out.put(f.getKey(), new Asset(f.getValue(), read(f.getKey())));
        return Map.copyOf(out);
    }

    private static byte[] read(String name) {
        // Class#getResourceAsStream finds a resource of this class's own module (named or not).
        try (InputStream in = DashboardAssets.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new IllegalStateException("the dashboard's file " + RESOURCES + name + " is missing from the build");
            byte[] bytes = in.readNBytes(MAX_ASSET_BYTES + 1);
            if (bytes.length > MAX_ASSET_BYTES) {
                throw new IllegalStateException("the dashboard's file " + RESOURCES + name + " is over " + MAX_ASSET_BYTES + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An endpoint answering {@code name} with the security headers. */
    static Endpoint serve(String name) {
        Asset a = all().get(name);
        if (a == null) throw new IllegalArgumentException("no dashboard file " + name);
        return call -> {
            secure(call);
            call.respond(200, a.contentType(), a.bytes(), a.bytes().length);
        };
    }

    /** The headers every dashboard answer carries (the JSON one too). */
    static void secure(tollgate.http.HttpCall call) {
        call.setResponseHeader("Content-Security-Policy", CSP);
        call.setResponseHeader("X-Content-Type-Options", "nosniff");
        call.setResponseHeader("Cache-Control", "no-store");
        call.setResponseHeader("Referrer-Policy", "no-referrer");
        call.setResponseHeader("X-Frame-Options", "DENY"); // for browsers without frame-ancestors
    }
}
