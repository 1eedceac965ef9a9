package tollgate.api;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.config.GatewayConfig;
import tollgate.http.Router;
import tollgate.json.Json;
import tollgate.route.Dispatcher;

/**
 * The built-in dashboard (issue 13), at the root only:
 * <ul>
 *   <li>{@code GET /dashboard} (and {@code /dashboard/}): one static page, its CSS, script and
 *       icon ({@link DashboardAssets}). Loading it needs no token: it holds no data. It asks for
 *       the admin token, keeps it in the tab's {@code sessionStorage} (never in a URL or a
 *       cookie) and reads the admin API with {@code Authorization: Bearer}.</li>
 *   <li>{@code GET /dashboard/status.json} (no token): whether the admin API is on, and if not
 *       how to turn it on, so that the page can say so before anyone types a token (and without
 *       a request that fails, which a browser reports as an error).</li>
 *   <li>{@code GET /admin/routing} (admin token): the routing table ({@link DashboardRouting}).</li>
 * </ul>
 * The page's other data are {@code GET /admin/stats}, {@code /admin/requests} and {@code /admin/keys}.
 */
final class Dashboard {
    private Dashboard() { throw new AssertionError(); }

    static final String PAGE = "/dashboard";
    static final String STATUS = PAGE + "/status.json";
    static final String ROUTING = "/admin/routing";

    static void register(Router routes, GatewayConfig config, Dispatcher dispatcher) {
        routes.exact("GET", PAGE, DashboardAssets.serve("index.html"));
        routes.exact("GET", PAGE + "/", DashboardAssets.serve("index.html"));
        for (String name : DashboardAssets.FILES.keySet()) {
            if (!name.equals("index.html")) routes.exact("GET", PAGE + "/" + name, DashboardAssets.serve(name));
        }
        byte[] token = config.accounts().adminTokenSha256();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("admin_api", token != null);
        status.put("message", token != null ? null : AdminAuthenticated.OFF);
        byte[] statusJson = Json.toBytes(status);
        routes.exact("GET", STATUS, call -> {
            DashboardAssets.secure(call);
            call.respond(200, "application/json", statusJson, statusJson.length);
        });
        DashboardRouting routing = new DashboardRouting(config, dispatcher.router(), dispatcher.baseline());
        routes.template("GET", ROUTING, AdminAuthenticated.require(token, (call, p) -> call.respondJson(200, routing.render())));
    }
}
