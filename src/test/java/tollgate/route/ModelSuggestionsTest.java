package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSuggestionsTest {
    private static final ModelSuggestions S = new ModelSuggestions(List.of("gpt-4o-mini", "gpt-4o", "claude-haiku-4-5",
            "ollama/llama3:8b", "ollama/llama3:70b", "ollama/qwen2.5-coder:latest", "vllm/llama3", "ollama/phi3", "lab/phi3"));

    @Test
    void aLocalModelAskedForWithoutItsProvider_isSuggestedWithIt_inCatalogOrder_atMostThree() {
        assertEquals(List.of("ollama/llama3:8b", "ollama/llama3:70b", "vllm/llama3"), S.suggest("llama3"));
        assertEquals(List.of("ollama/llama3:8b", "ollama/llama3:70b", "vllm/llama3"), S.suggest("LLAMA3:latest"));
        assertEquals(List.of("ollama/qwen2.5-coder:latest"), S.suggest("qwen2.5-coder"));
        assertEquals(List.of("ollama/phi3", "lab/phi3"), S.suggest("phi3:mini"));
        assertEquals(" Did you mean 'ollama/phi3' or 'lab/phi3'?", S.didYouMean("phi3"));
        assertEquals(" Did you mean 'ollama/llama3:8b', 'ollama/llama3:70b' or 'vllm/llama3'?", S.didYouMean("llama3"));
    }

    @Test
    void otherwise_theClosestIdsByEditDistance_closestFirst() {
        assertEquals(List.of("gpt-4o-mini"), S.suggest("gpt-4o-mni"));
        assertEquals(List.of("gpt-4o-mini", "gpt-4o"), S.suggest("gpt-4o-mi"));
        assertEquals(List.of("gpt-4o"), S.suggest("gpt-4o-m")); // gpt-4o-mini is 3 away, over 8 / 3
        assertEquals(List.of("gpt-4o-mini"), S.suggest("GPT-4o-mini2"));
        assertEquals(List.of("model-ab", "model-abc"), new ModelSuggestions(List.of("model-abc", "model-ab")).suggest("model-a"));
        assertEquals(List.of("m-1", "m-2", "m-3"), new ModelSuggestions(List.of("m-1", "m-2", "m-3", "m-4", "m-55")).suggest("m-0"));
        assertEquals(List.of("claude-haiku-4-5"), S.suggest("claude-haiku-4.5"));
        assertEquals(" Did you mean 'gpt-4o-mini'?", S.didYouMean("gpt4o-mini"));
    }

    @Test
    void nothingClose_suggestsNothing() {
        assertEquals(List.of(), S.suggest("mistral-large"));
        assertEquals(List.of(), S.suggest("o1")); // a third of 2 chars: distance 1 at most
        assertEquals(List.of(), S.suggest(""));
        assertEquals(List.of(), S.suggest("gpt-4o-mini" + "x".repeat(ModelSuggestions.MAX_COMPARED_CHARS)));
        assertEquals("", S.didYouMean("mistral-large"));
        assertEquals(List.of(), new ModelSuggestions(List.of()).suggest("llama3"));
    }

    @Test
    void distance_isLevenshtein_cutShortPastTheLimit() {
        assertEquals(0, Levenshtein.distance("abc", "abc", 3));
        assertEquals(1, Levenshtein.distance("abc", "abd", 3));
        assertEquals(3, Levenshtein.distance("kitten", "sitting", 3));
        assertEquals(3, Levenshtein.distance("kitten", "sitting", 2)); // limit + 1
        assertEquals(2, Levenshtein.distance("", "ab", 5));
        assertEquals(1, ModelSuggestions.maxDistance(2));
        assertEquals(3, ModelSuggestions.maxDistance(10));
        assertEquals(ModelSuggestions.MAX_DISTANCE, ModelSuggestions.maxDistance(100));
    }
}
