package tollgate.http;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import tollgate.config.VoiceTls;

/**
 * The HTTPS listener's TLS, whose certificate a config reload replaces without closing the
 * listener (issue 13: a renewed certificate is served from the next connection on).
 *
 * <p>Why an {@link SSLContext} of our own rather than a configurator whose
 * {@code getSSLContext()} changes: the JDK server reads the configurator's context once, in
 * {@code ServerImpl.setHttpsConfigurator}, and keeps it in a field; what it does per connection
 * is {@code new SSLStreams(server, sslContext, channel)}, which calls
 * {@code sslContext.createSSLEngine(host, port)} and then {@code configurator.configure(params)}
 * (read in the JDK 25 sources, {@code sun/net/httpserver/ServerImpl.java} and
 * {@code SSLStreams.java}). So the context handed over delegates each new engine to the context
 * installed now: every connection's handshake is made whole by one context, the old or the new,
 * and connections already open keep theirs.
 */
final class ReloadableTls {
    private volatile SSLContext current;
    private final SSLContext delegating;

    ReloadableTls(SSLContext initial) {
        this.current = initial;
        this.delegating = new SSLContext(new Delegate(), initial.getProvider(), initial.getProtocol()) {};
    }

    /** Serves {@code next}'s key and certificate from the next connection on. */
    void replace(SSLContext next) {
        current = next;
    }

    /** The configurator to install on the {@code HttpsServer}: TLS 1.3 and 1.2 only ({@link VoiceTls#PROTOCOLS}). */
    HttpsConfigurator configurator() {
        return new HttpsConfigurator(delegating) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = current.getDefaultSSLParameters();
                p.setProtocols(VoiceTls.PROTOCOLS);
                params.setSSLParameters(p);
            }
        };
    }

    /** Each operation on the context {@link #current} is when it is called. */
    private final class Delegate extends SSLContextSpi {
        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("the listener's context is made from server.tls; it is not initialised again");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() { return current.getSocketFactory(); }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() { return current.getServerSocketFactory(); }

        @Override
        protected SSLEngine engineCreateSSLEngine() { return current.createSSLEngine(); }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) { return current.createSSLEngine(host, port); }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() { return current.getServerSessionContext(); }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() { return current.getClientSessionContext(); }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() { return current.getDefaultSSLParameters(); }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() { return current.getSupportedSSLParameters(); }
    }
}
