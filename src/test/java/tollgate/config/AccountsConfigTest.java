package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.ConfigLoader.Overrides;

/** The {@code accounts} section: credits per USD and the admin token, each bad value named. */
class AccountsConfigTest {
    static final String TOKEN = "admin-0123456789abcdef";

    @Test
    void defaults_withoutTheSection() {
        AccountsConfig a = ConfigLoaderTest.parse("{}").accounts();
        assertEquals(1000, a.creditsPerUsd());
        assertNull(a.adminTokenSha256());
    }

    @Test
    void valuesAreRead() {
        AccountsConfig a = ConfigLoaderTest.load("{\"accounts\": {\"credits_per_usd\": 250, \"admin_token\": \"${T}\"}}",
                Map.of("T", TOKEN), Overrides.NONE).config().accounts();
        assertEquals(250, a.creditsPerUsd());
        assertArrayEquals(KeyConfig.hash(TOKEN), a.adminTokenSha256());
        String hex = java.util.HexFormat.of().formatHex(KeyConfig.hash(TOKEN));
        assertArrayEquals(KeyConfig.hash(TOKEN), ConfigLoaderTest.parse("{\"accounts\": {\"admin_token_sha256\": \"" + hex.toUpperCase()
                + "\"}}").accounts().adminTokenSha256());
    }

    @Test
    void anUnsetTokenVariable_turnsTheAdminApiOff_andSaysSo() {
        ConfigLoaderTest.Loaded l = ConfigLoaderTest.load("{\"keys\": [], \"accounts\": {\"admin_token\": \"${NOPE}\"}}", Map.of(),
                Overrides.NONE);
        assertNull(l.config().accounts().adminTokenSha256());
        assertEquals(List.of("{\"level\":\"info\",\"event\":\"admin_api_off\",\"field\":\"accounts.admin_token\",\"reason\":"
                + "\"NOPE is not set\"}"), l.log());
    }

    @Test
    void badValues_areNamed() {
        assertEquals("config: accounts.credits_per_usd: expected an integer 1-100000000, got 0", error("{\"accounts\": {\"credits_per_usd\": 0}}"));
        assertEquals("config: accounts.admin_token: too short (5 characters, at least 16 required)",
                error("{\"accounts\": {\"admin_token\": \"short\"}}"));
        assertEquals("config: accounts: needs at most one of \"admin_token\" or \"admin_token_sha256\"",
                error("{\"accounts\": {\"admin_token\": \"" + TOKEN + "\", \"admin_token_sha256\": \"" + "0".repeat(64) + "\"}}"));
        assertEquals("config: accounts.admin_token: is also the client key \"ci\"; the admin token must be a secret of its own",
                error("{\"keys\": [{\"name\": \"ci\", \"key\": \"" + TOKEN + "\"}], \"accounts\": {\"admin_token\": \"" + TOKEN + "\"}}"));
        assertEquals("config: accounts: unknown key \"bogus\" (known keys: credits_per_usd, admin_token, admin_token_sha256)",
                error("{\"accounts\": {\"bogus\": 1}}"));
    }

    static String error(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoaderTest.parse(json)).getMessage();
    }
}
