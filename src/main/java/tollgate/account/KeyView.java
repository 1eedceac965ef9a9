package tollgate.account;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A managed key as people see it, the same in {@code tollgate keys --json} and {@code /admin/keys}:
 * every field but the digest, with its spend and status.
 *
 * @param key     the definition
 * @param spent   credits the ledger charged to it
 * @param held    credits held by its requests in flight (0 when read from the files)
 * @param streams its streams open now (0 when read from the files)
 * @param nowMs   when it is looked at, for the status (epoch milliseconds)
 */
public record KeyView(KeyRecord key, long spent, long held, int streams, long nowMs) {

    /** A key of a running gateway. */
    public static KeyView of(Account a, long nowMs) {
        return new KeyView(a.key(), a.spent(), a.held(), a.streams(), nowMs);
    }

    /** Granted minus spent; null when unlimited. */
    public Long balance() { return key.unlimited() ? null : key.credits() - spent; }

    /** {@code active}, {@code revoked} or {@code expired}. */
    public String status() {
        if (key.disabled()) return "revoked";
        return key.expiresMs() > 0 && nowMs >= key.expiresMs() ? "expired" : "active";
    }

    /** As JSON; {@code secret} (the key itself) only when not null: once, when it is created. */
    public Map<String, Object> toJson(String secret) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", key.id());
        if (secret != null) m.put("key", secret);
        m.put("name", key.name());
        m.put("prefix", key.prefix());
        m.put("status", status());
        m.put("created", instant(key.createdMs()));
        m.put("expires", key.expiresMs() == 0 ? null : instant(key.expiresMs()));
        m.put("credits", key.credits());
        m.put("spent", spent);
        m.put("balance", balance());
        m.put("held", held);
        m.put("streams", streams);
        m.put("rpm", key.rpm());
        m.put("tpm", key.tpm());
        m.put("max_streams", key.maxStreams());
        m.put("allow", key.allow());
        m.put("deny", key.deny());
        m.put("metadata", key.metadata());
        return m;
    }

    /** To the second: milliseconds of a creation time say nothing to a person. */
    static String instant(long ms) {
        return Instant.ofEpochMilli(ms).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }
}
