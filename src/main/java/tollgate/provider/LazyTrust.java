package tollgate.provider;

import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's default trust manager (the {@code cacerts} store, or {@code javax.net.ssl.trustStore}),
 * loaded on the first TLS handshake instead of when the HTTP client is built. A gateway whose
 * upstreams are all local {@code http://} (echo, Ollama, vLLM) then never parses the CA
 * certificates.
 *
 * <p>Every check is delegated, including the {@link SSLEngine} variants through which the JDK
 * verifies the host name ({@code X509ExtendedTrustManager}), so trust decisions are exactly the
 * default ones.
 */
final class LazyTrust extends X509ExtendedTrustManager {
    private final ReentrantLock lock = new ReentrantLock();
    private volatile X509ExtendedTrustManager delegate;

    /** A TLS context that trusts what the JDK trusts by default, loaded lazily. */
    static SSLContext context() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new LazyTrust()}, null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available: " + e, e);
        }
    }

    private X509ExtendedTrustManager delegate() throws CertificateException {
        X509ExtendedTrustManager d = delegate;
        if (d != null) return d;
        lock.lock();
        try {
            if (delegate == null) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init((KeyStore) null);
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509ExtendedTrustManager x) delegate = x;
                }
                if (delegate == null) throw new CertificateException("no default X509 trust manager");
            }
            return delegate;
        } catch (java.security.GeneralSecurityException e) {
            throw new CertificateException("cannot load the default trust store: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        try {
            return delegate().getAcceptedIssuers();
        } catch (CertificateException e) {
            return new X509Certificate[0];
        }
    }
}
