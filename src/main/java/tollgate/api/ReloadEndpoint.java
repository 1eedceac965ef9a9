package tollgate.api;

import java.util.Map;
import tollgate.config.AccountsConfig;
import tollgate.config.ConfigException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.Router;

/**
 * {@code POST /admin/reload} (issue 13), behind the admin token: reads the config file again,
 * as {@code SIGHUP} does, and answers what changed, or a 400 in the OpenAI error shape whose
 * message names the file, the setting and what is wrong with it, when the file is bad (the
 * gateway then goes on with the config it has).
 */
public final class ReloadEndpoint {
    /** The path, at the root only like the rest of the admin API. */
    public static final String PATH = "/admin/reload";

    private ReloadEndpoint() { throw new AssertionError(); }

    /**
     * Reloads the config. Reloads are serialised by the implementation.
     */
    @FunctionalInterface
    public interface Reloader {
        /**
         * @return what the reload changed: {@code reloaded}, {@code models}, {@code providers},
         *         {@code keys}, {@code restart_needed} (the settings that stay as they were until a restart)
         * @throws ConfigException the file is unusable (its message names the file and setting); nothing changed
         */
        Map<String, Object> reload();
    }

    public static void register(Router routes, AccountsConfig config, Reloader reloader) {
        routes.template("POST", PATH, AdminAuthenticated.require(config.adminTokenSha256(), (call, params) -> {
            Map<String, Object> changed;
            try {
                changed = reloader.reload();
            } catch (ConfigException e) {
                throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST,
                        "The config was not reloaded (the gateway goes on with the one it has): " + e.getMessage(), "config");
            }
            call.respondJson(200, changed);
        }));
    }
}
