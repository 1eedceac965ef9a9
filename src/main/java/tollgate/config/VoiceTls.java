package tollgate.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The voice listener's TLS ({@code wss://}, issue 11), and the HTTP listener's ({@code https://},
 * {@link TlsConfig}, issue 13): an {@link SSLContext} serving the private
 * key and certificate chain of a PKCS#12 keystore ({@code voice.tls}), such as one made by
 * {@code keytool -genkeypair -storetype PKCS12}. The OpenAI SDK's realtime client always dials
 * {@code wss://}, hence a listener that can speak TLS itself.
 *
 * <p>The keystore is loaded once when the config is read, so that a missing file, a wrong
 * password or a keystore without a key stops the gateway at startup, naming the file; the
 * listener loads it again when it starts ({@link VoiceConfig#sslContext()}). The password never
 * appears in a message.
 */
public final class VoiceTls {
    private VoiceTls() { throw new AssertionError(); }

    /** The protocols the listener enables (RFC 8446 TLS 1.3, RFC 5246 TLS 1.2); older ones are broken or deprecated (RFC 8996). */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** The keystore type read: PKCS#12 (RFC 7292), keytool's default since JDK 9. */
    public static final String KEYSTORE_TYPE = "PKCS12";
    /** Largest keystore file read, in bytes: a key and a certificate chain take a few KiB. */
    static final long MAX_KEYSTORE_BYTES = 1024 * 1024;

    /** Why a keystore cannot serve TLS; the message names neither the file (callers do) nor the password. */
    public static final class KeystoreException extends Exception {
        KeystoreException(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * An SSLContext for a server with the key of {@code keystore} (its first private-key entry's
     * chain is what clients see; a keystore should hold one). Enable {@link #PROTOCOLS} on the
     * sockets or engines made from it.
     *
     * @throws KeystoreException the file cannot be read, is not PKCS#12, the password is wrong,
     *                           or it holds no private key
     */
    public static SSLContext context(Path keystore, String password) throws KeystoreException {
        return context(keystore, password, null);
    }

    /**
     * As {@link #context(Path, String)}; with {@code alias} not null, the key of that entry only
     * (a keystore holding several; {@code server.tls.alias}, issue 13).
     *
     * @throws KeystoreException as above, or no private-key entry has that alias
     */
    public static SSLContext context(Path keystore, String password, String alias) throws KeystoreException {
        char[] secret = password.toCharArray();
        try {
            KeyStore ks = load(keystore, secret);
            if (alias != null) {
                if (!ks.isKeyEntry(alias)) throw new KeystoreException("has no private-key entry with the alias \"" + alias + "\"", null);
                KeyStore one = KeyStore.getInstance(KEYSTORE_TYPE);
                try {
                    one.load(null, null); // an empty store: reads nothing
                } catch (IOException e) {
                    throw new KeystoreException("cannot be copied: " + e.getMessage(), e);
                }
                KeyStore.PasswordProtection protection = new KeyStore.PasswordProtection(secret);
                one.setEntry(alias, ks.getEntry(alias, protection), protection);
                ks = one;
            }
            boolean hasKey = false;
            for (String a : Collections.list(ks.aliases())) hasKey |= ks.isKeyEntry(a);
            if (!hasKey) {
                throw new KeystoreException("holds no private key (make one with keytool -genkeypair -storetype PKCS12)", null);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, secret); // keytool gives a PKCS#12 key the store's password
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (java.security.UnrecoverableEntryException e) { // UnrecoverableKeyException among them
            throw new KeystoreException("its private key cannot be read with the configured password", e);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException("cannot be used for TLS: " + tollgate.log.Failures.describe(e), e);
        } finally {
            java.util.Arrays.fill(secret, '\0');
        }
    }

    private static KeyStore load(Path keystore, char[] secret) throws KeystoreException, GeneralSecurityException {
        if (Files.isDirectory(keystore)) throw new KeystoreException("is a directory, not a keystore file", null);
        if (!Files.isRegularFile(keystore)) throw new KeystoreException("no such file", null);
        if (!Files.isReadable(keystore)) throw new KeystoreException("cannot be read (permissions)", null);
        KeyStore ks = KeyStore.getInstance(KEYSTORE_TYPE);
        try (InputStream in = Files.newInputStream(keystore)) {
            byte[] bytes = in.readNBytes((int) MAX_KEYSTORE_BYTES + 1);
            if (bytes.length > MAX_KEYSTORE_BYTES) {
                throw new KeystoreException("is larger than " + MAX_KEYSTORE_BYTES + " bytes: not a keystore", null);
            }
            ks.load(new java.io.ByteArrayInputStream(bytes), secret);
            return ks;
        } catch (IOException e) {
            // KeyStore.load reports a wrong password as an IOException caused by an UnrecoverableKeyException.
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new KeystoreException("the password is wrong (or it is not a PKCS#12 keystore)", e);
            }
            throw new KeystoreException("is not a readable PKCS#12 keystore: " + tollgate.log.Failures.describe(e), e);
        }
    }
}
