package dev.courier.whatsapp.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Callbacks arrive out of order and more than once; wherever they come from, applying them
 * through {@link StatusRank#advances} must leave a message where the true order leaves it.
 */
class StatusRankPropertyTest {
  /** Lives a message really has, each status in the order it happened; any prefix is one too. */
  private static final List<List<String>> LIVES =
      List.of(
          List.of("sending", "sent", "delivered", "read", "played"),
          List.of("sending", "sent", "delivered", "played"),
          List.of("sending", "sent", "read"),
          List.of("sending", "in_doubt", "sent", "delivered", "read"),
          List.of("sending", "failed"),
          List.of("sending", "in_doubt", "failed"),
          List.of("sending", "sent", "failed"),
          List.of("sending", "sent", "delivered", "failed"),
          // Courier gave up on an in-doubt send, then the provider proved it went out.
          List.of("sending", "in_doubt", "failed", "sent", "delivered", "read"),
          List.of("cancelled"));

  record Scenario(List<String> truth, List<String> arrivals) {}

  @Property
  void anyOrderWithRepeatsEndsWhereTheTrueOrderEnds(@ForAll("scenarios") Scenario scenario) {
    assertThat(apply(scenario.arrivals())).isEqualTo(apply(scenario.truth()));
  }

  @Property
  void theTrueOrderEndsOnItsMostAdvancedStatus(@ForAll("truths") List<String> truth) {
    String last = apply(truth);

    for (String status : truth) {
      assertThat(StatusRank.advances(last, status)).as(status + " after " + truth).isFalse();
    }
  }

  @Provide
  Arbitrary<List<String>> truths() {
    return Arbitraries.of(LIVES)
        .flatMap(
            life -> Arbitraries.integers().between(0, life.size()).map(n -> life.subList(0, n)));
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    return truths()
        .flatMap(
            truth ->
                Combinators.combine(
                        Arbitraries.just(truth),
                        Arbitraries.integers()
                            .between(1, 3)
                            .list()
                            .ofSize(truth.size())
                            .flatMap(copies -> Arbitraries.shuffle(repeat(truth, copies))))
                    .as(Scenario::new));
  }

  private static List<String> repeat(List<String> statuses, List<Integer> copies) {
    List<String> repeated = new ArrayList<>();
    for (int i = 0; i < statuses.size(); i++) {
      for (int c = 0; c < copies.get(i); c++) {
        repeated.add(statuses.get(i));
      }
    }
    return repeated;
  }

  /** Every message starts queued; each arrival moves it only when the rule says so. */
  private static String apply(List<String> arrivals) {
    String current = "queued";
    for (String incoming : arrivals) {
      if (StatusRank.advances(current, incoming)) {
        current = StatusRank.messageStatus(incoming);
      }
    }
    return current;
  }
}
