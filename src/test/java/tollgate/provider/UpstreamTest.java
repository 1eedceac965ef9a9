package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpstreamTest {

    @Test
    void buildsOneClientOnFirstUse_andRefusesUseAfterClose() {
        Upstream upstream = new Upstream(Duration.ofSeconds(1));
        HttpClient first = upstream.client();
        assertSame(first, upstream.client(), "one shared client");
        upstream.close();
        Upstream unused = new Upstream(Duration.ofSeconds(1));
        unused.close();
        assertThrows(IllegalStateException.class, unused::client);
    }

    @Test
    void closingAnUpstreamThatNeverBuiltItsClient_doesNotThrow() {
        new Upstream(Duration.ofSeconds(1)).close(); // no client yet: close() must cope with none
    }

    @Test
    void requestsUseHttp11ForCleartextAndHttp2ForTls() {
        Upstream upstream = new Upstream(Duration.ofSeconds(1));
        assertSame(HttpClient.Version.HTTP_1_1, upstream.request(URI.create("http://127.0.0.1:1/v1")).build().version().orElseThrow());
        assertSame(HttpClient.Version.HTTP_2, upstream.request(URI.create("https://example.invalid/v1")).build().version().orElseThrow());
        upstream.close();
    }
}
