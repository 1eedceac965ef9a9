/**
 * Metrics (issue 13): counters, gauges and histograms of the running gateway, rendered as the
 * Prometheus text exposition format 0.0.4 ({@code GET /metrics}, protocols-2.md), and the JSON
 * the dashboard reads ({@code GET /admin/stats}, {@code GET /admin/requests}).
 *
 * <p>Cheap on the hot path: counters are {@link java.util.concurrent.atomic.LongAdder}s found by
 * lookups in small {@link java.util.concurrent.ConcurrentHashMap}s keyed by strings the gateway
 * already holds (route, model, deployment and key names), so that recording a request allocates
 * nothing once its label combination has been seen; gauges are read only when rendered. Every
 * label set is bounded: routes as registered, models and deployments as configured (else
 * {@code unknown}/{@code other}), key names up to {@link tollgate.metrics.Metrics#MAX_KEY_LABELS}.
 * The {@link tollgate.metrics.Metrics} object lives as long as the gateway: a reloaded router is
 * {@linkplain tollgate.metrics.Metrics#attach attached} to it and counting goes on by deployment id.
 */
package tollgate.metrics;
