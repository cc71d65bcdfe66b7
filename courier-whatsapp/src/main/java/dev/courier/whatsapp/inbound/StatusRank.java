package dev.courier.whatsapp.inbound;

import java.util.List;
import java.util.Map;

/**
 * The one rule for moving a message's status, so that provider callbacks can be applied in any
 * order, any number of times, and leave the message where the in-order sequence would.
 *
 * <p>Providers do not keep order: the Cloud API says so outright, and its {@code read} often
 * lands before {@code delivered}; retried callbacks arrive twice. So a status never moves back:
 * the message statuses form one chain, and {@link #advances} is true only for a step up it.
 *
 * <table>
 *   <caption>Which incoming status moves a message on</caption>
 *   <tr><th>rank</th><th>current</th><th>incoming statuses that advance it</th></tr>
 *   <tr><td>0</td><td>{@code queued}</td>
 *       <td>{@code sending}, {@code in_doubt}, {@code sent}, {@code failed}, {@code delivered},
 *       {@code read}/{@code played}, {@code cancelled}</td></tr>
 *   <tr><td>1</td><td>{@code sending}</td>
 *       <td>{@code in_doubt}, {@code sent}, {@code failed}, {@code delivered},
 *       {@code read}/{@code played}</td></tr>
 *   <tr><td>2</td><td>{@code in_doubt}</td>
 *       <td>{@code sent}, {@code failed}, {@code delivered}, {@code read}/{@code played}</td></tr>
 *   <tr><td>3</td><td>{@code sent}</td>
 *       <td>{@code failed}, {@code delivered}, {@code read}/{@code played}</td></tr>
 *   <tr><td>4</td><td>{@code failed}</td>
 *       <td>{@code delivered}, {@code read}/{@code played}</td></tr>
 *   <tr><td>5</td><td>{@code delivered}</td><td>{@code read}/{@code played}</td></tr>
 *   <tr><td>6</td><td>{@code read}</td><td>none</td></tr>
 *   <tr><td>-</td><td>{@code cancelled}</td><td>none</td></tr>
 * </table>
 *
 * <p>Why {@code failed} sits between {@code sent} and {@code delivered}:
 *
 * <ul>
 *   <li>{@code failed} beats {@code queued}, {@code sending}, {@code in_doubt} and {@code sent}:
 *       the Cloud API accepts a message, reports {@code sent}, and may still report {@code failed}
 *       (an unreachable user, a paused template); a late {@code sent} after that {@code failed}
 *       is an old event, not news, so {@code sent} does not undo a failure.
 *   <li>{@code delivered} and {@code read} beat {@code failed}: they prove the user's phone got
 *       the message. This is what repairs a message Courier itself marked {@code failed} after an
 *       {@code in_doubt} reconciliation timed out, and it tells the truth to whoever reads the
 *       message's status.
 *   <li>{@code failed} after {@code delivered} or {@code read} is ignored for the same reason.
 * </ul>
 *
 * <p>{@code played} (a voice note listened to) is {@code read} for the message status: it is a
 * read, and ranking it above {@code read} would make the two order-dependent for no gain. The
 * domain still records {@code played} in the message's history. {@code cancelled} is reached only
 * from {@code queued}: a message already handed to a send worker is past cancelling, and nothing
 * moves a cancelled message, which never reached a provider.
 *
 * <p>This rule governs what callbacks and concurrent workers may do. Deliberate moves backwards,
 * such as an operator retrying a failed message, are the domain's own transitions, not steps here.
 */
public final class StatusRank {
  /** Every message status, in rank order, then {@code cancelled}. */
  public static final List<String> STATUSES =
      List.of("queued", "sending", "in_doubt", "sent", "failed", "delivered", "read", "cancelled");

  private static final Map<String, Integer> RANK =
      Map.of(
          "queued", 0,
          "sending", 1,
          "in_doubt", 2,
          "sent", 3,
          "failed", 4,
          "delivered", 5,
          "read", 6);

  private StatusRank() {}

  /**
   * Whether a message now in {@code current} moves to {@code incoming}. A repeat of the current
   * status is false.
   *
   * @param current the message's status; {@code played} is read as {@code read}
   * @param incoming a reported status ({@code sent}, {@code delivered}, {@code read}, {@code
   *     played}, {@code failed}) or a domain one
   * @throws IllegalArgumentException for a name that is not a message status
   */
  public static boolean advances(String current, String incoming) {
    String from = messageStatus(current);
    String to = messageStatus(incoming);
    if (from.equals("cancelled")) {
      return false;
    }
    if (to.equals("cancelled")) {
      return from.equals("queued");
    }
    return RANK.get(to) > RANK.get(from);
  }

  /**
   * The message status a reported status stands for: {@code played} is {@code read}, every other
   * status is itself.
   *
   * @throws IllegalArgumentException for a name that is not a message status
   */
  public static String messageStatus(String status) {
    if ("played".equals(status)) {
      return "read";
    }
    if (status == null || !STATUSES.contains(status)) {
      throw new IllegalArgumentException("not a message status: " + status);
    }
    return status;
  }
}
