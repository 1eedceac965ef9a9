package tollgate.route;

import tollgate.config.ModelConfig;
import tollgate.provider.ChatProvider;

/** Where one request goes: the model entry and the provider that serves it. */
public record Route(ModelConfig model, ChatProvider provider) {}
