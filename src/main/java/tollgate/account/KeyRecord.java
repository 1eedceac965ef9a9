package tollgate.account;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * A managed client key as {@code <data_dir>/keys.json} keeps it (issue 9). Only the key's
 * SHA-256 is kept; the key itself is shown once, when it is created.
 *
 * @param id         stable id ({@code key_} and 16 hex digits), what the ledger records
 * @param name       a label for people and logs; not unique
 * @param sha256     hex SHA-256 of the key's UTF-8 bytes
 * @param prefix     the key's first characters, to tell keys apart in listings
 * @param createdMs  epoch milliseconds
 * @param expiresMs  epoch milliseconds after which the key is refused, or 0 for never
 * @param disabled   revoked: refused with 401, kept for the audit trail
 * @param credits    credits granted so far (created with, plus every top-up), or null for unlimited;
 *                   the balance is this minus what the ledger charged
 * @param allow      model globs the key may use (empty: any not denied)
 * @param deny       model globs the key may not use (checked first)
 * @param rpm        requests per minute, or 0 for no limit
 * @param tpm        tokens per minute, or 0 for no limit
 * @param maxStreams concurrent streams, or 0 for no limit
 * @param metadata   free-form string pairs, returned as given
 */
public record KeyRecord(String id, String name, String sha256, String prefix, long createdMs, long expiresMs,
                        boolean disabled, Long credits, List<String> allow, List<String> deny, long rpm, long tpm,
                        int maxStreams, Map<String, String> metadata) {

    public KeyRecord {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public boolean unlimited() { return credits == null; }

    public KeyRecord withDisabled(boolean d) {
        return new KeyRecord(id, name, sha256, prefix, createdMs, expiresMs, d, credits, allow, deny, rpm, tpm, maxStreams, metadata);
    }

    public KeyRecord withCredits(Long c) {
        return new KeyRecord(id, name, sha256, prefix, createdMs, expiresMs, disabled, c, allow, deny, rpm, tpm, maxStreams, metadata);
    }

    /** As stored in keys.json (the digest included; never the key). */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("name", name);
        m.put("sha256", sha256);
        m.put("prefix", prefix);
        m.put("created_ms", createdMs);
        m.put("expires_ms", expiresMs);
        m.put("disabled", disabled);
        m.put("credits", credits);
        m.put("allow", allow);
        m.put("deny", deny);
        m.put("rpm", rpm);
        m.put("tpm", tpm);
        m.put("max_streams", maxStreams);
        m.put("metadata", metadata);
        return m;
    }

    /** Reads what {@link #toJson} wrote; IllegalArgumentException naming the field when it is not. */
    static KeyRecord fromJson(Object o) {
        Map<String, Object> m = Json.asObject(o);
        if (m == null) throw new IllegalArgumentException("a key is not an object");
        String id = str(m, "id", true);
        try {
            Object credits = m.get("credits");
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Object> rawMeta = Json.asObject(m.get("metadata"));
            if (rawMeta != null) rawMeta.forEach((k, v) -> meta.put(k, String.valueOf(v)));
            return new KeyRecord(id, str(m, "name", false), str(m, "sha256", true), str(m, "prefix", false),
                    num(m, "created_ms"), num(m, "expires_ms"), Boolean.TRUE.equals(m.get("disabled")),
                    credits == null ? null : ((JsonNumber) credits).longValue(), strings(m, "allow"), strings(m, "deny"),
                    num(m, "rpm"), num(m, "tpm"), (int) num(m, "max_streams"), meta);
        } catch (ClassCastException | ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("key " + id + ": " + e.getMessage(), e);
        }
    }

    private static String str(Map<String, Object> m, String k, boolean required) {
        Object v = m.get(k);
        if (v instanceof String s) return s;
        if (v == null && !required) return null;
        throw new IllegalArgumentException("key field '" + k + "' must be a string");
    }

    private static long num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof JsonNumber n ? n.longValue() : 0;
    }

    private static List<String> strings(Map<String, Object> m, String k) {
        List<String> out = new ArrayList<>();
        if (m.get(k) instanceof List<?> l) for (Object o : l) out.add((String) o);
        return out;
    }

    @Override
    public String toString() {
        return "KeyRecord[id=" + id + ", name=" + name + "]";
    }
}
