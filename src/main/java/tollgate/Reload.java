package tollgate;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tollgate.config.AccountsConfig;
import tollgate.config.AgentConfig;
import tollgate.config.GatewayConfig;
import tollgate.config.MetricsConfig;
import tollgate.config.OpsConfig;
import tollgate.config.ServerConfig;
import tollgate.config.ServerLimits;
import tollgate.config.TlsConfig;
import tollgate.config.ToolsConfig;
import tollgate.config.VoiceConfig;

/**
 * Which settings a config reload (issue 13) cannot apply to the running process, and the config
 * a reload then serves: the new file's, with those settings as the process has them. They belong
 * to parts that live as long as the process: the listener (address, limits, body cap, heartbeat,
 * access log), the upstream client (connect timeout), the data directory (ledger, keys file,
 * tasks, approvals), the accounts' credit rate, the voice listener, the task runner, the metrics
 * listener, the span exporter and whether the listener speaks TLS at all. Each one that differs is named in {@code restart_needed}
 * (logged, and in {@code POST /admin/reload}'s answer) by its config path.
 */
final class Reload {
    private Reload() { throw new AssertionError(); }

    /** The config paths whose new value waits for a restart, in config order; empty when there are none. */
    static List<String> restartNeeded(GatewayConfig old, GatewayConfig next) {
        List<String> names = new ArrayList<>();
        ServerConfig a = old.server();
        ServerConfig b = next.server();
        differs(names, "server.host", a.host(), b.host());
        differs(names, "server.port", a.port(), b.port());
        differs(names, "server.max_body_bytes", a.maxBodyBytes(), b.maxBodyBytes());
        differs(names, "server.heartbeat_ms", a.heartbeat(), b.heartbeat());
        differs(names, "server.connect_timeout_ms", a.connectTimeout(), b.connectTimeout());
        differs(names, "server.access_log", a.accessLog(), b.accessLog());
        ServerLimits la = a.limits();
        ServerLimits lb = b.limits();
        differs(names, "server.max_connections", la.maxConnections(), lb.maxConnections());
        differs(names, "server.request_timeout_ms", la.requestTimeout(), lb.requestTimeout());
        differs(names, "server.idle_timeout_ms", la.idleTimeout(), lb.idleTimeout());
        differs(names, "server.write_timeout_ms", la.writeTimeout(), lb.writeTimeout());
        differs(names, "server.memory_budget_bytes", la.memoryBudgetBytes(), lb.memoryBudgetBytes());
        differs(names, "server.max_header_bytes", la.maxHeaderBytes(), lb.maxHeaderBytes());
        differs(names, "server.max_headers", la.maxHeaders(), lb.maxHeaders());
        differs(names, "server.max_url_bytes", la.maxUrlBytes(), lb.maxUrlBytes());
        differs(names, "server.tls", old.ops().tls().enabled(), next.ops().tls().enabled());
        differs(names, "data_dir", old.dataDir(), next.dataDir());
        // The open listener runs when metrics are enabled and listen is set (Gateway.start):
        // switching either needs a restart (metrics.enabled false would leave it serving).
        MetricsConfig ma = old.ops().metrics();
        MetricsConfig mb = next.ops().metrics();
        if (!Objects.equals(listener(ma), listener(mb))) {
            names.add(Objects.equals(ma.listen(), mb.listen()) ? "metrics.enabled" : "metrics.listen");
        }
        differs(names, "telemetry", old.ops().telemetry(), next.ops().telemetry());
        differs(names, "accounts.credits_per_usd", old.accounts().creditsPerUsd(), next.accounts().creditsPerUsd());
        VoiceConfig va = old.voice();
        VoiceConfig vb = next.voice();
        differs(names, "voice.port", va.port(), vb.port());
        differs(names, "voice.host", va.host(), vb.host());
        differs(names, "voice.token_ttl_ms", va.tokenTtl(), vb.tokenTtl());
        differs(names, "voice.max_sessions", va.maxSessions(), vb.maxSessions());
        differs(names, "voice.max_sessions_per_key", va.maxSessionsPerKey(), vb.maxSessionsPerKey());
        differs(names, "voice.max_message_bytes", va.maxMessageBytes(), vb.maxMessageBytes());
        differs(names, "voice.idle_timeout_ms", va.idleTimeout(), vb.idleTimeout());
        differs(names, "voice.handshake_timeout_ms", va.handshakeTimeout(), vb.handshakeTimeout());
        differs(names, "voice.max_session_ms", va.maxSession(), vb.maxSession());
        differs(names, "voice.origins", va.origins(), vb.origins());
        differs(names, "voice.tls", va.tlsKeystore(), vb.tlsKeystore());
        AgentConfig ga = old.tools().agent();
        AgentConfig gb = next.tools().agent();
        // The task runner (Tasks.open) reads these once, at start-up.
        differs(names, "agent.task_max_wall_ms", ga.taskMaxWall(), gb.taskMaxWall());
        differs(names, "agent.max_running_tasks", ga.maxRunningTasks(), gb.maxRunningTasks());
        differs(names, "agent.max_tasks_per_key", ga.maxTasksPerKey(), gb.maxTasksPerKey());
        differs(names, "agent.task_retention_ms", ga.taskRetention(), gb.taskRetention());
        differs(names, "agent.webhook_allow", ga.webhookAllow(), gb.webhookAllow());
        differs(names, "agent.webhook_secret", ga.webhookSecret(), gb.webhookSecret());
        // The shared state's connection pool is made once, at start-up (issue 14).
        differs(names, "state", old.ops().state(), next.ops().state());
        return List.copyOf(names);
    }

    /**
     * {@code next} with every setting {@link #restartNeeded} names as {@code old} has it, so
     * that what the endpoints read (the voice URL they mint, the spool directory) matches what
     * the process does.
     */
    static GatewayConfig effective(GatewayConfig old, GatewayConfig next) {
        ServerConfig a = old.server();
        ServerConfig b = next.server();
        ServerConfig server = new ServerConfig(a.host(), a.port(), a.maxBodyBytes(), b.drain(), a.heartbeat(), a.connectTimeout(),
                b.extensionField(), a.accessLog(), a.limits());
        AccountsConfig accounts = new AccountsConfig(old.accounts().creditsPerUsd(), next.accounts().adminTokenSha256());
        VoiceConfig va = old.voice();
        VoiceConfig vb = next.voice();
        VoiceConfig voice = new VoiceConfig(va.port(), va.host(), vb.publicUrl(), vb.defaultPolicy(), vb.policies(), vb.voices(),
                va.tokenTtl(), va.maxSessions(), va.maxSessionsPerKey(), va.maxMessageBytes(), va.idleTimeout(),
                va.handshakeTimeout(), va.maxSession(), va.origins(), va.tlsKeystore(), va.tlsPassword());
        return new GatewayConfig(server, old.dataDir(), next.keys(), next.providers(), next.models(), next.router(), next.groups(),
                accounts, next.speech(), next.fim(), voice, tools(old.tools(), next.tools()), ops(old.ops(), next.ops()));
    }

    /** {@code next}'s tools and agent loop bounds, with the task runner's settings as it runs them. */
    private static ToolsConfig tools(ToolsConfig old, ToolsConfig next) {
        AgentConfig a = old.agent();
        AgentConfig b = next.agent();
        AgentConfig agent = new AgentConfig(b.maxSteps(), b.maxWall(), b.approvalTtl(), b.maxParallelTools(), b.taskMaxSteps(),
                a.taskMaxWall(), a.maxRunningTasks(), a.maxTasksPerKey(), a.taskRetention(), a.webhookAllow(), a.webhookSecret());
        return new ToolsConfig(agent, next.tools(), next.mcpServers());
    }

    /**
     * {@code next}'s CORS; the listener's TLS, the open metrics listener and the span exporter as
     * the process runs them, so that the next reload still names them while they differ (comparing
     * with the file's values would forget that a restart is still needed).
     */
    private static OpsConfig ops(OpsConfig old, OpsConfig next) {
        MetricsConfig metrics = Objects.equals(listener(old.metrics()), listener(next.metrics())) ? next.metrics() : old.metrics();
        TlsConfig tls = old.tls().enabled() == next.tls().enabled() ? next.tls() : old.tls();
        return new OpsConfig(metrics, tls, next.cors(), old.telemetry(), old.state(), next.responses());
    }

    /** The open metrics listener's address as the process runs it, or null when there is none. */
    private static String listener(MetricsConfig m) {
        return m.enabled() ? m.listen() : null;
    }

    private static void differs(List<String> names, String path, Object a, Object b) {
        if (!Objects.equals(a, b)) names.add(path);
    }
}
