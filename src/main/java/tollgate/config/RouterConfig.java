package tollgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code router} section: retries, failover, breakers, policies, and the savings baseline.
 *
 * @param retries             retries on the same deployment after a transient failure, before
 *                            failing over (0 = fail over at once)
 * @param backoff             base of the exponential backoff between retries
 * @param maxBackoff          cap of one backoff wait
 * @param maxRetryAfter       longest upstream {@code retry-after} waited for before retrying the
 *                            same deployment; a longer one fails over at once
 * @param baselineModel       the model savings are measured against; null = the best-quality
 *                            priced model of the catalog
 * @param minQuality          quality floor per policy ({@code frugal}, {@code balanced},
 *                            {@code premium}), 0-100
 * @param defaultOutputTokens completion tokens assumed when ranking by cost and the request sets no
 *                            {@code max_tokens}
 * @param breaker             circuit breaker settings, one breaker per deployment
 */
public record RouterConfig(
        int retries,
        Duration backoff,
        Duration maxBackoff,
        Duration maxRetryAfter,
        String baselineModel,
        Map<String, Integer> minQuality,
        long defaultOutputTokens,
        Breaker breaker) {

    /** The policies, in the order error messages list them; balanced is the default (seed 000). */
    public static final List<String> POLICIES = List.of("frugal", "balanced", "premium");
    public static final int DEFAULT_RETRIES = 1;
    public static final long DEFAULT_BACKOFF_MS = 200;
    public static final long DEFAULT_MAX_BACKOFF_MS = 2_000;
    public static final long DEFAULT_MAX_RETRY_AFTER_MS = 5_000;
    public static final long DEFAULT_OUTPUT_TOKENS = 512;
    /** Floors that separate the shipped tiers (see {@code catalog.DefaultQuality}). */
    public static final Map<String, Integer> DEFAULT_MIN_QUALITY = Map.of("frugal", 60, "balanced", 75, "premium", 0);

    /**
     * @param window       the sliding window errors are counted over
     * @param minRequests  calls in the window before the ratio counts
     * @param failureRatio failures / calls that open the breaker, 0-1
     * @param cooldown     how long an open breaker refuses before one probe
     */
    public record Breaker(Duration window, int minRequests, double failureRatio, Duration cooldown) {
        public static final long DEFAULT_WINDOW_MS = 30_000;
        public static final int DEFAULT_MIN_REQUESTS = 5;
        public static final int DEFAULT_FAILURE_PERCENT = 50;
        public static final long DEFAULT_COOLDOWN_MS = 30_000;

        public static Breaker defaults() {
            return new Breaker(Duration.ofMillis(DEFAULT_WINDOW_MS), DEFAULT_MIN_REQUESTS, DEFAULT_FAILURE_PERCENT / 100.0,
                    Duration.ofMillis(DEFAULT_COOLDOWN_MS));
        }
    }

    public static RouterConfig defaults() {
        return new RouterConfig(DEFAULT_RETRIES, Duration.ofMillis(DEFAULT_BACKOFF_MS), Duration.ofMillis(DEFAULT_MAX_BACKOFF_MS),
                Duration.ofMillis(DEFAULT_MAX_RETRY_AFTER_MS), null, DEFAULT_MIN_QUALITY, DEFAULT_OUTPUT_TOKENS, Breaker.defaults());
    }
}
