package dev.courier.whatsapp.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.ProviderKind;
import dev.courier.whatsapp.message.Recipients;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Recipients being added to a campaign inside one transaction: each number normalised, each row's
 * variables checked against the template's placeholders, valid rows inserted in chunks (duplicates
 * skipped), invalid ones reported with their line or index and the reason.
 */
final class RecipientImport {
  static final int CHUNK = 5_000;
  /** The most invalid rows an answer lists one by one (all are counted). */
  static final int MAX_REPORTED = 1_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connection conn;
  private final CampaignStore store;
  private final String campaignId;
  private final Instance instance;
  private final List<String> required;
  private final List<String> recipients = new ArrayList<>(CHUNK);
  private final List<String> variables = new ArrayList<>(CHUNK);
  private final ArrayNode invalid = JSON.createArrayNode();
  private int received;
  private int invalidCount;
  private int added;

  RecipientImport(Connection conn, CampaignStore store, Campaign campaign, Instance instance) {
    this.conn = conn;
    this.store = store;
    this.campaignId = campaign.id();
    this.instance = instance;
    this.required = campaign.variables();
  }

  int received() {
    return received;
  }

  /**
   * One row: {@code locator} names it in the report ({@code line} or {@code index}), {@code vars}
   * holds its variables as strings.
   */
  void add(String locatorName, int locator, String rawTo, ObjectNode vars) throws SQLException {
    received++;
    String to;
    try {
      if (rawTo == null || rawTo.isBlank()) {
        reject(locatorName, locator, rawTo, "the number is missing");
        return;
      }
      to = Recipients.normalize(rawTo, instance.defaultRegion(), instance.provider() == ProviderKind.GATEWAY);
    } catch (InvalidRequestException e) {
      reject(locatorName, locator, rawTo, e.errors().get(0).message());
      return;
    }
    List<String> missing = new ArrayList<>();
    for (String name : required) {
      JsonNode v = vars.get(name);
      if (v == null || v.isNull() || v.asText().isEmpty()) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      reject(locatorName, locator, rawTo, "missing variable" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing));
      return;
    }
    recipients.add(to);
    variables.add(vars.toString());
    if (recipients.size() >= CHUNK) {
      flush();
    }
  }

  /** A row refused before it could be read as a recipient. */
  void rejectRow(String locatorName, int locator, String rawTo, String reason) {
    received++;
    reject(locatorName, locator, rawTo, reason);
  }

  private void reject(String locatorName, int locator, String rawTo, String reason) {
    invalidCount++;
    if (invalid.size() < MAX_REPORTED) {
      invalid.addObject().put(locatorName, locator).put("to", rawTo).put("reason", reason);
    }
  }

  void flush() throws SQLException {
    added += store.recipientInsertMany(conn, campaignId, recipients, variables);
    recipients.clear();
    variables.clear();
  }

  /** The report: {@code received, added, duplicates, invalid, errors: [{line|index, to, reason}]}. */
  ObjectNode report() throws SQLException {
    flush();
    ObjectNode o = JSON.createObjectNode();
    o.put("received", received);
    o.put("added", added);
    o.put("duplicates", received - invalidCount - added);
    o.put("invalid", invalidCount);
    o.set("errors", invalid);
    return o;
  }
}
