package tollgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.error.GatewayException;

class QueryStringTest {

    @Test
    void pairsInOrderWithRepeatsPlusAndEscapes() {
        Map<String, List<String>> q = QueryString.parse("model=nova-2&keywords=a+b&keywords=caf%C3%A9&smart_format&=x&&lang=");
        assertEquals(List.of("model", "keywords", "smart_format", "", "lang"), List.copyOf(q.keySet()));
        assertEquals(List.of("a b", "café"), q.get("keywords"));
        assertEquals("", QueryString.first(q, "smart_format"));
        assertEquals("", QueryString.first(q, "lang"));
        assertEquals("nova-2", QueryString.first(q, "model"));
        assertEquals(null, QueryString.first(q, "absent"));
    }

    @Test
    void noQueryIsEmpty() {
        assertEquals(Map.of(), QueryString.parse(null));
        assertEquals(Map.of(), QueryString.parse(""));
    }

    @Test
    void aMalformedEscapeIsA400() {
        GatewayException e = assertThrows(GatewayException.class, () -> QueryString.parse("a=%zz&b=1"));
        assertEquals(400, e.httpStatus());
        assertEquals("The query has a malformed percent-escape at '%zz'.", e.getMessage());
        assertThrows(GatewayException.class, () -> QueryString.parse("a=%4"));
    }

    @Test
    void tooManyParametersIsA400() {
        String q = "a=1&".repeat(QueryString.MAX_PARAMETERS) + "b=2";
        GatewayException e = assertThrows(GatewayException.class, () -> QueryString.parse(q));
        assertEquals("The query has more than 256 parameters.", e.getMessage());
        assertEquals(1, QueryString.parse("&".repeat(8000)).size() + 1, "empty pairs are not parameters");
    }
}
