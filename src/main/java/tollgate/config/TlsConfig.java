package tollgate.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * {@code server.tls} (issue 13): HTTPS on the HTTP listener, from a PKCS#12 keystore read by
 * {@link VoiceTls}, as the voice listener's {@code voice.tls} is.
 * <pre>
 * "server": {"tls": {"keystore": "/etc/tollgate/tls.p12", "password": "${TOLLGATE_TLS_PASSWORD}", "alias": "tollgate"}}
 * </pre>
 * The keystore is loaded when the config is read, so that a missing file, a wrong password or a
 * keystore without the key fails at start-up (or fails a reload, changing nothing), naming
 * {@code server.tls.keystore} and the file. A reload with TLS on before and after serves the
 * keystore's certificate from then on without closing the listener; switching TLS on or off
 * needs a restart.
 *
 * @param keystore the PKCS#12 file (a relative path resolves against the working directory), or null: plain HTTP
 * @param password its password (a secret: never in a message or a log line), or null
 * @param alias    the entry whose key and chain are served, or null for the keystore's one key
 */
public record TlsConfig(Path keystore, String password, String alias) {
    public static final TlsConfig DEFAULTS = new TlsConfig(null, null, null);

    static final List<String> KEYS = List.of("keystore", "password", "alias");

    /** Whether the HTTP listener speaks TLS. */
    public boolean enabled() { return keystore != null; }

    /**
     * The listener's context, loaded from the keystore again (the file may have been replaced
     * with a renewed certificate since the config was read); null when TLS is off.
     *
     * @throws ConfigException the keystore is no longer usable, naming the setting and the file
     */
    public SSLContext sslContext() {
        if (!enabled()) return null;
        try {
            return VoiceTls.context(keystore, password, alias);
        } catch (VoiceTls.KeystoreException e) {
            throw new ConfigException("server.tls.keystore: " + keystore + ": " + e.getMessage(), e);
        }
    }

    /** Without the password, which is a secret. */
    @Override
    public String toString() {
        return "TlsConfig[keystore=" + keystore + ", password=" + (password == null ? "null" : "(hidden)") + ", alias=" + alias + "]";
    }

    static TlsConfig read(ConfigReader r, Map<String, Object> server, Path baseDir) {
        if (server == null || server.get("tls") == null) return DEFAULTS;
        String p = "server.tls";
        Map<String, Object> t = r.object(p, server.get("tls"), KEYS);
        Path keystore = ConfigLoader.resolvePath(r, p + ".keystore", r.requiredString(t, p, "keystore"), baseDir);
        String password = VoiceConfig.keystorePassword(r, t, p);
        String alias = r.string(t, p, "alias", null);
        if (alias != null && alias.isEmpty()) throw r.fail(p + ".alias", "empty; leave it out to serve the keystore's one key");
        try {
            VoiceTls.context(keystore, password, alias);
        } catch (VoiceTls.KeystoreException e) {
            throw r.fail(p + ".keystore", keystore + ": " + e.getMessage());
        }
        return new TlsConfig(keystore, password, alias);
    }
}
