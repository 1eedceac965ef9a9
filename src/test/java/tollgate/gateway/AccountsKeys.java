package tollgate.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.call.Clock;

/** Managed keys for black-box tests: written to the data directory, which the running gateway watches (as AccountsGatewayTest does). */
final class AccountsKeys {
    private final GatewayHarness gw;
    private final Path dataDir;

    AccountsKeys(GatewayHarness gw, Path dataDir) {
        this.gw = gw;
        this.dataDir = dataDir;
    }

    /** A key with {@code credits} (null: unlimited), once the gateway accepts it; its {@code Authorization} value. */
    String create(String name, Long credits) throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", name);
        if (credits != null) fields.put("credits", credits);
        return create(fields);
    }

    /** A key with the admin API's {@code fields}, once the gateway accepts it; its {@code Authorization} value. */
    String create(Map<String, Object> fields) throws Exception {
        KeyAdmin.Created c = new KeyAdmin(new KeyStore(dataDir), Clock.SYSTEM).create(fields);
        String auth = "Bearer " + c.secret();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (gw.get("/v1/usage", "Authorization", auth).statusCode() == 401) {
            if (System.nanoTime() > deadline) throw new AssertionError("the gateway did not pick up the new key");
            Thread.sleep(10);
        }
        return auth;
    }
}
