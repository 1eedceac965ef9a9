package tollgate.voice;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import tollgate.call.Clock;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * Single-use session tokens for realtime voice (issue 11): {@code POST /voice/realtime} mints
 * one for the client key that asked, the voice listener redeems it when the client connects
 * ({@code ?token=} or the {@code openai-insecure-api-key.<token>} subprotocol). A token is good
 * for one connection within the TTL ({@code voice.token_ttl_ms}), for the policy and voice it was
 * minted with, on the key that minted it.
 *
 * <p>Only each token's SHA-256 is kept, never the token (as for client keys): a heap dump does
 * not hold a usable token. Tokens are 192 random bits, so a plain hash (no salt, no stretching)
 * is enough, and lookups need no constant-time compare: the map is keyed by the hash.
 *
 * <p>Thread-safe and lock-free: {@link #redeem} removes the entry with one
 * {@link ConcurrentHashMap#remove}, so of any number of concurrent redeems of one token exactly
 * one wins. At most {@link #MAX_OUTSTANDING} tokens are held (expired ones are purged first when
 * full), so minting cannot grow the heap without bound (~120 bytes per token).
 */
public final class VoiceTokens {
    /** What every token starts with, so that one is recognisable in a leak scan. */
    public static final String PREFIX = "tg_rt_";
    /** Random bytes per token: 24 bytes = 192 bits, 32 characters of base64url (RFC 4648 §5) without padding. */
    static final int RANDOM_BYTES = 24;
    /** Length of a token, in chars. */
    public static final int TOKEN_CHARS = PREFIX.length() + RANDOM_BYTES / 3 * 4;
    /** Tokens held at most: 100,000 outstanding tokens take ~12 MB. */
    public static final int MAX_OUTSTANDING = 100_000;

    /** A token as handed to the client: shown once, then only its hash is kept. */
    public record Minted(String value, long expiresAtEpochSeconds) {}

    /** What a redeemed token allows: a session for this key, policy and voice. */
    public record Grant(String keyId, String policy, String voice) {}

    /** A SHA-256, as four longs: the map's key (hash and equals by value, 32 bytes of payload). */
    private record Digest(long a, long b, long c, long d) {}

    private record Entry(String keyId, String policy, String voice, long expiresAtMillis) {}

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final ConcurrentHashMap<Digest, Entry> tokens = new ConcurrentHashMap<>();
    /** Entries in {@link #tokens}, counted exactly: reserved before an insert, given back by whoever removes one. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final Duration ttl;
    private final Clock clock;
    private final int maxOutstanding;

    /**
     * @param ttl   how long a token may be redeemed after it is minted (whole seconds are what
     *              clients see: the expiry is rounded down to one)
     * @param clock the wall clock ({@link Clock#millis()}) that expiry is measured on
     */
    public VoiceTokens(Duration ttl, Clock clock) {
        this(ttl, clock, MAX_OUTSTANDING);
    }

    VoiceTokens(Duration ttl, Clock clock, int maxOutstanding) {
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxOutstanding = maxOutstanding;
    }

    /**
     * A new token for a session of {@code keyId} under {@code policy} with {@code voice}.
     *
     * @throws GatewayException 503 {@code GATEWAY_BUSY} when {@link #MAX_OUTSTANDING} unexpired tokens are held
     */
    public Minted mint(String keyId, String policy, String voice) {
        Objects.requireNonNull(keyId, "keyId");
        if (!reserve()) {
            purgeExpired();
            if (!reserve()) {
                throw new GatewayException(ErrorKind.GATEWAY_BUSY, "Too many realtime session tokens are waiting to be used (at most "
                        + maxOutstanding + "); try again shortly.").withHeaders("retry-after", "1");
            }
        }
        // Expiry on a whole second, so that expires_at and the refusal's time say the same.
        long expiresAtMillis = Math.floorDiv(clock.millis() + ttl.toMillis(), 1000) * 1000;
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        String value = PREFIX + BASE64URL.encodeToString(bytes);
        if (tokens.putIfAbsent(digest(value), new Entry(keyId, policy, voice, expiresAtMillis)) != null) {
            outstanding.decrementAndGet(); // 192 random bits never collide; if they did, neither token is handed out twice
            throw new IllegalStateException("token collision");
        }
        return new Minted(value, expiresAtMillis / 1000);
    }

    /**
     * Uses up {@code value}: the grant it carries, once.
     *
     * @throws GatewayException 401 {@code CALLER_UNAUTHENTICATED}: unknown or already used, or expired
     */
    public Grant redeem(String value) {
        if (value == null || value.length() != TOKEN_CHARS || !value.startsWith(PREFIX)) throw invalid();
        Entry e = tokens.remove(digest(value));
        if (e == null) throw invalid();
        outstanding.decrementAndGet();
        if (clock.millis() >= e.expiresAtMillis()) {
            throw new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "Session token expired at "
                    + Instant.ofEpochMilli(e.expiresAtMillis()) + "; ask POST /voice/realtime for a new one.");
        }
        return new Grant(e.keyId(), e.policy(), e.voice());
    }

    /**
     * The grant {@code value} carries, without using it up: what the listener checks before a
     * session has a place, so that a client refused for capacity may retry with the same token.
     *
     * @throws GatewayException 401 as {@link #redeem} (the token stays until redeemed or expired)
     */
    public Grant peek(String value) {
        if (value == null || value.length() != TOKEN_CHARS || !value.startsWith(PREFIX)) throw invalid();
        Entry e = tokens.get(digest(value));
        if (e == null) throw invalid();
        if (clock.millis() >= e.expiresAtMillis()) {
            throw new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "Session token expired at "
                    + Instant.ofEpochMilli(e.expiresAtMillis()) + "; ask POST /voice/realtime for a new one.");
        }
        return new Grant(e.keyId(), e.policy(), e.voice());
    }

    /** Tokens held now, expired ones included until purged. */
    public int outstanding() { return outstanding.get(); }

    private boolean reserve() {
        while (true) {
            int n = outstanding.get();
            if (n >= maxOutstanding) return false;
            if (outstanding.compareAndSet(n, n + 1)) return true;
        }
    }

    /** Removes every expired token (only when full: a linear scan, rare by construction). */
    private void purgeExpired() {
        long now = clock.millis();
        for (var it = tokens.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (now >= entry.getValue().expiresAtMillis() && tokens.remove(entry.getKey(), entry.getValue())) {
                outstanding.decrementAndGet();
            }
        }
    }

    private static GatewayException invalid() {
        return new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "Invalid or already used session token.");
    }

    private static Digest digest(String value) {
        try {
            ByteBuffer h = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII)));
            return new Digest(h.getLong(), h.getLong(), h.getLong(), h.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
