package dev.cairn.bus.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.bus.kafka.internal.HangingTransactions.OpenTransaction;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The decision "hanging or left to the coordinator", on the data the admin API returns. */
class HangingTransactionsTest {

  private static final long NOW = 1_700_000_000_000L;
  private static final long THRESHOLD = 30_000;
  private static final TopicPartition POSITIONS = new TopicPartition("cairn-relay-positions", 0);
  private static final TopicPartition EVENTS = new TopicPartition("account", 2);
  private static final long PID = 4711;

  private static OpenTransaction open(TopicPartition tp, long producerId, long silentForMs) {
    return new OpenTransaction(tp, producerId, (short) 7, 3, 120, NOW - silentForMs);
  }

  private static TransactionDescription coordinator(long producerId, TransactionState state, Set<TopicPartition> tps) {
    return new TransactionDescription(1, state, producerId, 9, 20_000, OptionalLong.of(NOW - 60_000), tps);
  }

  @Test
  void oldTransaction_ofAProducerTheCoordinatorDoesNotKnow_isHanging() {
    OpenTransaction t = open(POSITIONS, PID, THRESHOLD + 1);

    assertThat(HangingTransactions.hanging(List.of(t), Map.of(), NOW, THRESHOLD)).containsExactly(t);
  }

  @Test
  void oldTransaction_onAPartitionTheCoordinatorNoLongerLists_isHanging() {
    OpenTransaction t = open(POSITIONS, PID, THRESHOLD + 1);
    Map<Long, TransactionDescription> view =
        Map.of(PID, coordinator(PID, TransactionState.ONGOING, Set.of(EVENTS)));

    assertThat(HangingTransactions.hanging(List.of(t), view, NOW, THRESHOLD)).containsExactly(t);
  }

  @ParameterizedTest
  @EnumSource(value = TransactionState.class, names = {"EMPTY", "COMPLETE_ABORT", "COMPLETE_COMMIT"})
  void oldTransaction_whoseProducerTheCoordinatorConsidersDone_isHanging(TransactionState state) {
    OpenTransaction t = open(EVENTS, PID, THRESHOLD + 1);
    Map<Long, TransactionDescription> view = Map.of(PID, coordinator(PID, state, Set.of()));

    assertThat(HangingTransactions.hanging(List.of(t), view, NOW, THRESHOLD)).containsExactly(t);
  }

  @Test
  void oldTransaction_whoseTransactionalIdMovedToAnotherProducerId_isHanging() {
    OpenTransaction t = open(EVENTS, PID, THRESHOLD + 1);
    Map<Long, TransactionDescription> view =
        Map.of(PID, coordinator(PID + 1, TransactionState.ONGOING, Set.of(EVENTS)));

    assertThat(HangingTransactions.hanging(List.of(t), view, NOW, THRESHOLD)).containsExactly(t);
  }

  @ParameterizedTest
  @EnumSource(value = TransactionState.class, names = {"ONGOING", "PREPARE_COMMIT", "PREPARE_ABORT", "PREPARE_EPOCH_FENCE"})
  void transaction_theCoordinatorStillLists_isLeftToIt_howeverOld(TransactionState state) {
    OpenTransaction t = open(EVENTS, PID, 10 * THRESHOLD);
    Map<Long, TransactionDescription> view = Map.of(PID, coordinator(PID, state, Set.of(EVENTS, POSITIONS)));

    assertThat(HangingTransactions.hanging(List.of(t), view, NOW, THRESHOLD)).isEmpty();
  }

  @Test
  void transaction_appendedToWithinTheThreshold_isNeverHanging() {
    OpenTransaction atThreshold = open(POSITIONS, PID, THRESHOLD);
    OpenTransaction recent = open(EVENTS, PID, 1);

    assertThat(HangingTransactions.hanging(List.of(atThreshold, recent), Map.of(), NOW, THRESHOLD)).isEmpty();
  }

  @Test
  void mixedPartitions_areJudgedEachOnItsOwn() {
    long other = PID + 100;
    OpenTransaction tracked = open(EVENTS, PID, THRESHOLD + 1);
    OpenTransaction untracked = open(POSITIONS, PID, THRESHOLD + 1);
    OpenTransaction unknown = open(new TopicPartition("account", 0), other, THRESHOLD + 5_000);
    Map<Long, TransactionDescription> view =
        Map.of(PID, coordinator(PID, TransactionState.ONGOING, Set.of(EVENTS)));

    assertThat(HangingTransactions.hanging(List.of(tracked, untracked, unknown), view, NOW, THRESHOLD))
        .containsExactly(untracked, unknown);
  }

  @Test
  void transaction_thatEndedWithAMarkerOnAnotherPartition_isPartlyComplete() {
    OpenTransaction t = open(POSITIONS, PID, THRESHOLD + 1);
    // Transaction version 2: the marker on account-2 bumped the epoch from 7 to 8.
    ProducerState ended = new ProducerState(PID, 8, 41, t.lastTimestamp() + 5, OptionalInt.of(0), OptionalLong.empty());

    assertThat(HangingTransactions.endedElsewhere(t, Map.of(EVENTS, List.of(ended)), THRESHOLD)).contains(EVENTS);
  }

  @Test
  void transaction_thatEndedOnSeveralPartitions_namesThemAll_inOrder_andDescribesItself() {
    OpenTransaction t = open(EVENTS, PID, THRESHOLD + 1);
    ProducerState ended = new ProducerState(PID, 8, 41, t.lastTimestamp() + 5, OptionalInt.of(0), OptionalLong.empty());
    TopicPartition otherEvents = new TopicPartition("account", 0);
    Map<TopicPartition, List<ProducerState>> producers =
        Map.of(POSITIONS, List.of(ended), otherEvents, List.of(ended), EVENTS, List.of(ended));

    List<TopicPartition> endedOn = HangingTransactions.endedOn(t, producers, THRESHOLD);

    assertThat(endedOn).containsExactly(otherEvents, POSITIONS);
    assertThat(new HangingTransactions.PartialTransaction(t, endedOn).describe())
        .isEqualTo("transaction of producer id 4711 epoch 7 hangs on account-2 from offset 120 but already ended"
            + " (committed) on [account-0, cairn-relay-positions-0]");
  }

  @Test
  void transaction_withNoEndedSibling_isWhollyOpen() {
    OpenTransaction t = open(POSITIONS, PID, THRESHOLD + 1);
    ProducerState alsoOpen = new ProducerState(PID, 7, 41, t.lastTimestamp(), OptionalInt.of(0), OptionalLong.of(9));
    ProducerState olderEpoch = new ProducerState(PID, 6, 20, t.lastTimestamp() - 500, OptionalInt.of(0), OptionalLong.empty());
    ProducerState otherProducer = new ProducerState(PID + 1, 8, 3, t.lastTimestamp(), OptionalInt.of(0), OptionalLong.empty());
    ProducerState muchLater = new ProducerState(PID, 9, 60, t.lastTimestamp() + THRESHOLD + 1, OptionalInt.of(0), OptionalLong.empty());
    ProducerState sameTransactionHere = new ProducerState(PID, 8, 41, t.lastTimestamp(), OptionalInt.of(0), OptionalLong.empty());
    Map<TopicPartition, List<ProducerState>> producers =
        Map.of(
            EVENTS, List.of(alsoOpen, olderEpoch, otherProducer),
            new TopicPartition("account", 1), List.of(muchLater),
            POSITIONS, List.of(sameTransactionHere));

    assertThat(HangingTransactions.endedElsewhere(t, producers, THRESHOLD)).isEmpty();
  }

  @Test
  void openTransaction_isReadFromTheProducerState() {
    ProducerState state = new ProducerState(PID, 12, 41, NOW - 5, OptionalInt.empty(), OptionalLong.of(300));

    assertThat(OpenTransaction.of(EVENTS, state))
        .isEqualTo(new OpenTransaction(EVENTS, PID, (short) 12, -1, 300, NOW - 5));
  }

  @Test
  void producerState_withoutAnOpenTransaction_isRejected() {
    ProducerState state = new ProducerState(PID, 12, 41, NOW - 5, OptionalInt.of(2), OptionalLong.empty());

    assertThatThrownBy(() -> OpenTransaction.of(EVENTS, state))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("producer " + PID)
        .hasMessageContaining(EVENTS.toString());
  }
}
