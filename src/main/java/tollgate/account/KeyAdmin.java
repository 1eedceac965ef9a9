package tollgate.account;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.call.Clock;
import tollgate.json.JsonNumber;

/**
 * Creating and changing managed keys: what {@code tollgate keys ...} and {@code /admin/keys} do,
 * with the same fields and the same checks. Fields arrive as a JSON-like map ({@code name},
 * {@code credits} (a whole number, or null / {@code "unlimited"}, the default), {@code allow}, {@code deny}
 * (lists of globs), {@code rpm}, {@code tpm}, {@code max_streams} (0: no limit), {@code expires}
 * (an ISO instant or date, or null), {@code metadata} (string pairs), and for changes
 * {@code disabled}); an unknown or ill-typed field is an {@link IllegalArgumentException} naming
 * it, and nothing is written.
 */
public final class KeyAdmin {
    /** Fields a new key may set. */
    public static final Set<String> CREATE_FIELDS = Set.of("name", "credits", "allow", "deny", "rpm", "tpm", "max_streams",
            "expires", "metadata");
    /** Fields a change may set. */
    public static final Set<String> SET_FIELDS = Set.of("name", "credits", "allow", "deny", "rpm", "tpm", "max_streams",
            "expires", "metadata", "disabled");
    /** Longest name, glob or metadata value, in chars. */
    public static final int MAX_TEXT_CHARS = 256;
    /** Most globs per list, and most metadata pairs. */
    public static final int MAX_ITEMS = 64;
    /** Random bytes in a new key (256 bits). */
    static final int KEY_BYTES = 32;
    static final String KEY_PREFIX = "sk-tollgate-";
    /** Characters of a key kept to tell keys apart ({@code sk-tollgate-} and 6 hex digits). */
    static final int SHOWN_PREFIX_CHARS = KEY_PREFIX.length() + 6;

    /** A new key: the key itself is in {@code secret}, and nowhere else, ever again. */
    public record Created(KeyRecord key, String secret) {}

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyStore store;
    private final Clock clock;

    public KeyAdmin(KeyStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public KeyStore store() { return store; }

    public List<KeyRecord> list() throws IOException { return store.read(); }

    /** The key with this id; IllegalArgumentException when there is none. */
    public KeyRecord get(String id) throws IOException {
        for (KeyRecord k : store.read()) if (k.id().equals(id)) return k;
        throw new IllegalArgumentException("no key with id '" + id + "'");
    }

    /** A new key: {@link #KEY_PREFIX} and {@link #KEY_BYTES} random bytes in hex. */
    public static String newSecret() {
        byte[] random = new byte[KEY_BYTES];
        RANDOM.nextBytes(random);
        return KEY_PREFIX + HexFormat.of().formatHex(random);
    }

    public Created create(Map<String, Object> fields) throws IOException {
        check(fields, CREATE_FIELDS);
        String secret = newSecret();
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        KeyRecord blank = new KeyRecord("key_" + HexFormat.of().formatHex(idBytes), "key",
                HexFormat.of().formatHex(ApiKeys.digest(secret)), secret.substring(0, SHOWN_PREFIX_CHARS), clock.millis(), 0,
                false, null, List.of(), List.of(), 0, 0, 0, Map.of());
        KeyRecord key = apply(blank, fields);
        store.update(keys -> {
            keys.add(key);
            return new KeyStore.Change<>(keys, null);
        });
        return new Created(key, secret);
    }

    /** Applies {@code fields} to the key. */
    public KeyRecord set(String id, Map<String, Object> fields) throws IOException {
        check(fields, SET_FIELDS);
        return change(id, k -> apply(k, fields));
    }

    /** Disables the key: refused from now on, still listed and in the ledger ({@code disabled: false} enables it again). */
    public KeyRecord revoke(String id) throws IOException {
        return change(id, k -> k.withDisabled(true));
    }

    /** Adds {@code credits} (≥ 1) to what the key was granted. */
    public KeyRecord topup(String id, long credits) throws IOException {
        if (credits < 1) throw new IllegalArgumentException("credits: a top-up must be a whole number ≥ 1, got " + credits);
        return change(id, k -> {
            if (k.unlimited()) throw new IllegalArgumentException("key '" + id + "' has unlimited credits; set \"credits\" to give it a balance");
            if (k.credits() > Long.MAX_VALUE - credits) throw new IllegalArgumentException("credits: the top-up would overflow the grant");
            return k.withCredits(k.credits() + credits);
        });
    }

    private KeyRecord change(String id, java.util.function.UnaryOperator<KeyRecord> edit) throws IOException {
        return store.update(keys -> {
            for (int i = 0; i < keys.size(); i++) {
                if (keys.get(i).id().equals(id)) {
                    KeyRecord changed = edit.apply(keys.get(i));
                    keys.set(i, changed);
                    return new KeyStore.Change<>(keys, changed);
                }
            }
            throw new IllegalArgumentException("no key with id '" + id + "'");
        });
    }

    private static void check(Map<String, Object> fields, Set<String> allowed) {
        for (String f : fields.keySet()) {
            if (!allowed.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "'; allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    private static KeyRecord apply(KeyRecord k, Map<String, Object> f) {
        String name = f.containsKey("name") ? text(f.get("name"), "name") : k.name();
        Long credits = k.credits();
        if (f.containsKey("credits")) {
            Object c = f.get("credits");
            credits = c == null || "unlimited".equals(c) ? null : whole(c, "credits");
        }
        List<String> allow = f.containsKey("allow") ? globs(f.get("allow"), "allow") : k.allow();
        List<String> deny = f.containsKey("deny") ? globs(f.get("deny"), "deny") : k.deny();
        long rpm = f.containsKey("rpm") ? whole(f.get("rpm"), "rpm") : k.rpm();
        long tpm = f.containsKey("tpm") ? whole(f.get("tpm"), "tpm") : k.tpm();
        long streams = f.containsKey("max_streams") ? whole(f.get("max_streams"), "max_streams") : k.maxStreams();
        if (streams > Integer.MAX_VALUE) throw new IllegalArgumentException("max_streams: at most " + Integer.MAX_VALUE);
        long expires = f.containsKey("expires") ? instant(f.get("expires")) : k.expiresMs();
        Map<String, String> meta = f.containsKey("metadata") ? metadata(f.get("metadata")) : k.metadata();
        boolean disabled = f.containsKey("disabled") ? bool(f.get("disabled"), "disabled") : k.disabled();
        return new KeyRecord(k.id(), name, k.sha256(), k.prefix(), k.createdMs(), expires, disabled, credits, allow, deny, rpm, tpm,
                (int) streams, meta);
    }

    private static String text(Object v, String field) {
        if (!(v instanceof String s) || s.isBlank()) throw new IllegalArgumentException(field + ": expected a non-empty string");
        if (s.length() > MAX_TEXT_CHARS) throw new IllegalArgumentException(field + ": longer than " + MAX_TEXT_CHARS + " characters");
        // Names and globs end up in terminals, logs and CSV: no control characters.
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) throw new IllegalArgumentException(field + ": contains a control character");
        }
        return s;
    }

    private static long whole(Object v, String field) {
        long n;
        try {
            n = v instanceof JsonNumber j ? j.longValue() : v instanceof Long || v instanceof Integer ? ((Number) v).longValue()
                    : Long.parseLong(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": expected a whole number ≥ 0, got " + clip(String.valueOf(v)));
        }
        if (n < 0) throw new IllegalArgumentException(field + ": expected a whole number ≥ 0, got " + n);
        return n;
    }

    private static boolean bool(Object v, String field) {
        if (v instanceof Boolean b) return b;
        if ("true".equals(v) || "false".equals(v)) return Boolean.parseBoolean((String) v);
        throw new IllegalArgumentException(field + ": expected true or false");
    }

    private static List<String> globs(Object v, String field) {
        if (!(v instanceof List<?> list)) throw new IllegalArgumentException(field + ": expected a list of model globs");
        if (list.size() > MAX_ITEMS) throw new IllegalArgumentException(field + ": at most " + MAX_ITEMS + " globs");
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) out.add(text(o, field));
        return out;
    }

    private static Map<String, String> metadata(Object v) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("metadata: expected an object of strings");
        if (m.size() > MAX_ITEMS) throw new IllegalArgumentException("metadata: at most " + MAX_ITEMS + " entries");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) throw new IllegalArgumentException("metadata." + e.getKey() + ": expected a string");
            out.put(text(e.getKey(), "metadata key"), text(s, "metadata." + e.getKey()));
        }
        return out;
    }

    /** An ISO instant ({@code 2027-01-01T00:00:00Z}) or date (midnight UTC starting it), or null / 0 for never. */
    private static long instant(Object v) {
        if (v == null || "never".equals(v) || (v instanceof JsonNumber n && n.text().equals("0"))) return 0;
        String s = String.valueOf(v);
        try {
            return s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
                    : Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("expires: expected a date (2027-01-31) or an instant (2027-01-31T12:00:00Z), got "
                    + clip(s));
        }
    }

    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
