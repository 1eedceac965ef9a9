package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class LazyTrustTest {

    @Test
    void trustsExactlyTheDefaultIssuers() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        X509TrustManager jdk = (X509TrustManager) tmf.getTrustManagers()[0];
        X509Certificate[] issuers = new LazyTrust().getAcceptedIssuers();
        assertTrue(issuers.length > 0, "the default trust store has CA certificates");
        assertArrayEquals(jdk.getAcceptedIssuers(), issuers);
    }

    @Test
    void buildsATlsContext() {
        assertTrue(LazyTrust.context().getProtocol().startsWith("TLS"));
    }
}
