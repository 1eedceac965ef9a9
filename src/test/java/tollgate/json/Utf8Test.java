package tollgate.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Utf8Test {

    @ParameterizedTest
    @CsvSource({
        "41, 41", "7F, 7F", "C280, 80", "DFBF, 7FF", "E0A080, 800", "ED9FBF, D7FF", "EE8080, E000",
        "EFBFBF, FFFF", "F0908080, 10000", "F48FBFBF, 10FFFF",
        "80, -1", "BF, -1", "C0AF, -1", "C1BF, -1", "E08080, -1", "E09FBF, -1", "EDA080, -1", "EDBFBF, -1",
        "F0808080, -1", "F08FBFBF, -1", "F4908080, -1", "F5808080, -1", "FF, -1",
        "C3, -1", "E282, -1", "F09F98, -1", "C341, -1", "E241AC, -1", "E282C1, -1", "F09F4180, -1", "F09F9841, -1"})
    void decode_acceptsOnlyWellFormedSequences(String hex, String expected) {
        byte[] b = HexFormat.of().parseHex(hex);
        int cp = Utf8.decode(b, 0, b.length);
        assertEquals(expected.equals("-1") ? -1 : Integer.parseInt(expected, 16), cp, hex);
        if (cp >= 0) assertEquals(b.length, Utf8.length(cp));
    }
}
