package dev.courier.whatsapp.provider.gateway;

import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.Provider;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.SendReceipt;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Objects;

/**
 * Sends through a self-hosted WhatsApp Web gateway: Evolution API v2 or WAHA, chosen by {@link
 * GatewaySettings#flavor()}. Messages arrive here in the Cloud API's shape; each flavor maps them to
 * its own requests and refuses, before any HTTP call, what it cannot send. Gateways always show
 * typing when asked. Errors are classified by {@link GatewayErrors}. Thread-safe: it holds no
 * per-send state.
 */
public final class GatewayProvider implements Provider {
  private final GatewaySettings settings;
  private final GatewayFlavor flavor;

  /**
   * @param http the shared client; its connect timeout, proxy and TLS settings apply
   */
  public GatewayProvider(GatewaySettings settings, HttpClient http) {
    this(settings, http, Clock.systemUTC());
  }

  GatewayProvider(GatewaySettings settings, HttpClient http, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(http, "http");
    this.flavor =
        switch (settings.flavor()) {
          case GatewaySettings.EVOLUTION -> new EvolutionFlavor(http, settings, clock);
          case GatewaySettings.WAHA -> new WahaFlavor(http, settings, clock);
          default -> throw new IllegalArgumentException("unknown gateway flavor " + settings.flavor());
        };
  }

  /**
   * {@inheritDoc}
   *
   * <p>A reaction may come back without a provider id: WAHA does not name reactions.
   */
  @Override
  public SendReceipt send(OutboundMessage message) throws ProviderException {
    return flavor.send(Objects.requireNonNull(message, "message"));
  }

  /**
   * Marks a message read without knowing its chat: works on WAHA, whose ids name their chat;
   * Evolution refuses it ({@code chat_required}). Prefer {@link #markRead(String, String)}.
   */
  @Override
  public void markRead(String providerMessageId) throws ProviderException {
    flavor.markRead(Objects.requireNonNull(providerMessageId), null);
  }

  /** Best effort: a read receipt is cosmetic, and callers may ignore its failure. */
  @Override
  public void markRead(String providerMessageId, String chat) throws ProviderException {
    flavor.markRead(Objects.requireNonNull(providerMessageId), chat);
  }

  @Override
  public String toString() {
    return "GatewayProvider[flavor=" + settings.flavor() + ", session=" + settings.session() + "]";
  }
}
